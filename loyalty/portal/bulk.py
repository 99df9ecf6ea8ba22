"""Bulk actions on a selection of members: points or a voucher with a reason, or a tag.

The selection is written once, set-based (`INSERT … SELECT` of the members table's own query), as the action's
rows. A tag is added to all of them in the same statement's way. Points and vouchers go through the ledger's and
the rewards' services one member at a time (each grant needs its account's lock): a selection of up to
`INLINE_LIMIT` members is handled in the request's transaction, all or nothing; a larger one by a Celery task in
batches, each its own transaction, with the progress on the action's page. Every effect is once: the action's key
(from its confirmation form) is unique per shop, so a double submit makes nothing twice; a row is handled under its
lock and marked in the same transaction; points carry the event key `bulk:<id>`, unique per account."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.errors import DomainError, ValidationFailed
from loyalty.models import Member
from loyalty.queue import enqueue_after_commit
from loyalty.services.ledger import Actor, points_grant
from loyalty.services.sql import table
from rewards.services import voucher_issue

from .models import BulkAction, BulkActionMember, BulkKind, BulkStatus, MemberTag, Tag

INLINE_LIMIT = 200
BATCH = 200
MAX_POINTS = 1_000_000
TAG_LENGTH = 50


class BulkActionExists(DomainError):
    """The form's key was used already: its action is `action`."""

    code = "bulk_action_exists"

    def __init__(self, action: BulkAction):
        super().__init__(_("This action was already done."))
        self.action = action


def tag_for(shop, name: str) -> Tag:
    """The shop's tag of this name (any case), made when new."""
    name = " ".join((name or "").split())
    if not name or len(name) > TAG_LENGTH:
        raise ValidationFailed(fields={"tag": _("a tag of 1 to %(n)s characters") % {"n": TAG_LENGTH}})
    found = Tag.objects.annotate(lower=Lower("name")).filter(shop=shop, lower=name.lower()).first()
    if found:
        return found
    try:
        with transaction.atomic():
            return Tag.objects.create(shop=shop, name=name)
    except IntegrityError:  # made at the same moment by another request
        return Tag.objects.annotate(lower=Lower("name")).get(shop=shop, lower=name.lower())


def _check(shop, kind: str, points: int, reward, reason: str) -> None:
    errors = {}
    if kind == BulkKind.POINTS and not 0 < points <= MAX_POINTS:
        errors["points"] = _("between 1 and %(n)s") % {"n": MAX_POINTS}
    if kind == BulkKind.VOUCHER and (reward is None or reward.shop_id != shop.pk or not reward.active):
        errors["reward"] = _("choose one of the shop's rewards")
    if kind in (BulkKind.POINTS, BulkKind.VOUCHER) and not reason.strip():
        errors["reason"] = _("say why they are given")
    if errors:
        raise ValidationFailed(fields=errors)


def _select(action: BulkAction, members) -> int:
    """The selection's rows, by one INSERT … SELECT of the members' query; returns how many."""
    sql, params = members.order_by().values("pk").query.sql_with_params()
    rows, member = table(BulkActionMember), table(Member)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {rows} (action_id, member_id) SELECT %s, m.id FROM {member} m WHERE m.id IN ({sql})",
            [action.pk, *params],
        )
        return cursor.rowcount


def _tag_all(action: BulkAction, at: datetime) -> int:
    """The tag on every selected member not wearing it yet: one INSERT … SELECT."""
    tags, rows = table(MemberTag), table(BulkActionMember)
    moment = connection.ops.adapt_datetimefield_value(at)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {tags} (tag_id, member_id, added_at, added_by_id)"
            f" SELECT %s, r.member_id, %s, %s FROM {rows} r WHERE r.action_id = %s"
            f" AND NOT EXISTS (SELECT 1 FROM {tags} t WHERE t.tag_id = %s AND t.member_id = r.member_id)",
            [action.tag_id, moment, action.created_by_id, action.pk, action.tag_id],
        )
        return cursor.rowcount


@transaction.atomic
def bulk_start(
    *, shop, user, key: str, kind: str, members, points: int = 0, reward=None, tag: str = "", reason: str = ""
) -> BulkAction:
    """The action on `members` (a queryset of the shop's members). Raises BulkActionExists for a key used before,
    ValidationFailed naming the wrong field."""
    if existing := BulkAction.objects.filter(shop=shop, key=key).first():
        raise BulkActionExists(existing)
    _check(shop, kind, points, reward, reason)
    at = timezone.now()
    action = BulkAction(
        shop=shop, key=key, kind=kind, points=points if kind == BulkKind.POINTS else 0,
        reward=reward if kind == BulkKind.VOUCHER else None, tag=tag_for(shop, tag) if kind == BulkKind.TAG else None,
        reason=reason.strip()[:500], created_by=user, created_at=at,
    )  # fmt: skip
    try:
        with transaction.atomic():
            action.save()
    except IntegrityError:  # the same form submitted twice at once: the other made it
        raise BulkActionExists(BulkAction.objects.get(shop=shop, key=key)) from None
    action.total = _select(action, members.filter(shop=shop, merged_into__isnull=True, erased_at__isnull=True))
    if kind == BulkKind.TAG:
        _tag_all(action, at)
        BulkActionMember.objects.filter(action=action).update(handled_at=at)
        action.done, action.status, action.finished_at = action.total, BulkStatus.DONE, at
    elif action.total <= INLINE_LIMIT:
        action.done = _handle_all(action, at)
        action.status, action.finished_at = BulkStatus.DONE, at
    else:
        enqueue_after_commit("loyalty.portal.tasks.bulk_action_run", action.pk)
    action.save(update_fields=["total", "done", "status", "finished_at"])
    return action


def _handle(action: BulkAction, row: BulkActionMember, at: datetime) -> None:
    actor = Actor(shop=action.shop, staff=action.created_by)
    if action.kind == BulkKind.POINTS:
        row.entry = points_grant(
            account_id=row.member.account_id, actor=actor, points=action.points, reason=action.reason,
            source=f"bulk:{action.pk}", event_key=f"bulk:{action.pk}", at=at, tz=action.shop.tz,
        )  # fmt: skip
    else:
        row.voucher = voucher_issue(reward=action.reward, member=row.member, source="manual", at=at)
    row.handled_at = at
    row.save(update_fields=["entry", "voucher", "handled_at"])


def _handle_all(action: BulkAction, at: datetime, limit: int | None = None) -> int:
    """Handle the rows not handled yet (at most `limit`), each under its lock; returns how many."""
    todo = BulkActionMember.objects.filter(action=action, handled_at__isnull=True).order_by("pk")
    rows = todo.select_for_update(of=("self",)).select_related("member__shop")
    handled = 0
    for row in rows[:limit] if limit else rows:
        _handle(action, row, at)
        handled += 1
    return handled


def bulk_run(action_id: int) -> int:
    """The Celery task's work: batch after batch, each its own transaction with the action's progress; safe to run
    twice at once or again after a crash. Returns how many rows this run handled."""
    handled = 0
    while True:
        with transaction.atomic():
            action = (
                BulkAction.objects.select_for_update(of=("self",))
                .select_related("shop", "reward", "created_by")
                .get(pk=action_id)
            )
            if action.status == BulkStatus.DONE:
                return handled
            at = timezone.now()
            count = _handle_all(action, at, limit=BATCH)
            handled += count
            action.done += count
            if count < BATCH:
                action.status, action.finished_at = BulkStatus.DONE, at
            action.save(update_fields=["done", "status", "finished_at"])
