"""The membership jobs of loyalty_jobs: status changes as the dates pass (trial → active, active → grace →
expired, cancelled at the period's end) and renewal reminders 7 days before the end. Each computes what is due
from the dates at `as_of`, one membership per short transaction under its row lock, so a re-run changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q

from loyalty.hooks import HOUSEKEEPING_ORDER, job

from ..models import BENEFIT_STATUSES, Membership, Status
from .lifecycle import membership_event
from .messages import membership_message

REMIND_BEFORE = timedelta(days=7)
BATCH = 500


def _in_batches(queryset, handle) -> int:
    done, after = 0, 0
    while True:
        ids = list(queryset.filter(pk__gt=after).order_by("id").values_list("id", flat=True)[:BATCH])
        for pk in ids:
            with transaction.atomic():
                done += handle(pk)
        if len(ids) < BATCH:
            return done
        after = ids[-1]


@job("memberships_renewed")
def memberships_renew(*, as_of: datetime) -> int:
    """Record each membership whose dates moved it on by `as_of`: the webhook and the member's message once per
    change (the status column is the record, changed by a conditional update under the row's lock)."""
    due = Membership.objects.filter(status__in=BENEFIT_STATUSES).filter(
        Q(ends_at__lte=as_of) | Q(status=Status.TRIAL, trial_ends_at__lte=as_of) | Q(cancelled_at__lte=as_of)
    )

    def move(pk: int) -> int:
        membership = Membership.objects.select_for_update().select_related("plan", "shop", "member").get(pk=pk)
        new = membership.status_at(as_of)
        if new == membership.status:
            return 0
        membership.status = new
        membership.save(update_fields=["status", "updated_at"])
        membership_event(membership, new, as_of)
        if new in (Status.GRACE, Status.EXPIRED, Status.CANCELLED):
            membership_message(
                membership,
                "membership_changed",
                as_of,
                dedupe_key=f"membership:{pk}:{new}:{membership.ends_at.isoformat()}",
            )
        return 1

    return _in_batches(due, move)


@job("membership_reminders", order=HOUSEKEEPING_ORDER)
def membership_reminders(*, as_of: datetime) -> int:
    """A renewal reminder once per period end, from 7 days before it, for memberships that will not just stop
    (cancelled at the period's end) and are not in a free trial."""
    due = Membership.objects.filter(
        status=Status.ACTIVE,
        cancel_at_period_end=False,
        cancelled_at__isnull=True,
        ends_at__gt=as_of,
        ends_at__lte=as_of + REMIND_BEFORE,
    ).filter(Q(reminded_for__isnull=True) | ~Q(reminded_for=F("ends_at")))

    def remind(pk: int) -> int:
        membership = Membership.objects.select_for_update().select_related("plan", "shop", "member").get(pk=pk)
        if membership.reminded_for == membership.ends_at:
            return 0
        membership.reminded_for = membership.ends_at
        membership.save(update_fields=["reminded_for", "updated_at"])
        membership_message(
            membership,
            "membership_reminder",
            as_of,
            dedupe_key=f"membership-reminder:{pk}:{membership.ends_at.isoformat()}",
        )
        return 1

    return _in_batches(due, remind)
