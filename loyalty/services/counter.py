"""What the counter screen needs beyond purchases and rewards: staff PINs on a shared tablet, a manager's
on-the-spot approval, and undoing the last action within five minutes (always by reversing, never deleting)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.contrib.auth.hashers import check_password, make_password
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from loyalty.errors import DomainError, NotFound, ValidationFailed
from loyalty.models import EntryKind, LedgerEntry, Purchase, Role, Shop, StaffMembership
from rewards.models import Voucher, VoucherSource, VoucherStatus
from rewards.services import voucher_cancel, voucher_unuse

from .ledger import Actor, points_adjust
from .refunds import purchase_refund

PIN_PATTERN = re.compile(r"^\d{4,8}$")
PIN_FAILURES_ALLOWED = 5  # per shop per five minutes: a PIN has few digits, so guessing must stay slow
PIN_LOCK_SECONDS = 300
UNDO_WINDOW = timedelta(minutes=5)


class PinLocked(DomainError):
    code = "pin_locked"


class WrongPin(DomainError):
    code = "wrong_pin"
    status = 403


class UndoWindowPassed(DomainError):
    code = "undo_window_passed"


def staff_pin_set(*, membership: StaffMembership, pin: str) -> StaffMembership:
    """4 to 8 digits, different from every other PIN in the shop (a PIN names one person)."""
    if not PIN_PATTERN.match(pin or ""):
        raise ValidationFailed(fields={"pin": "must be 4 to 8 digits"})
    others = StaffMembership.objects.filter(shop=membership.shop).exclude(pk=membership.pk).exclude(pin_hash="")
    if any(check_password(pin, other.pin_hash) for other in others):
        raise ValidationFailed(fields={"pin": "another staff member uses this PIN"})
    membership.pin_hash = make_password(pin)
    membership.save(update_fields=["pin_hash"])
    return membership


def staff_by_pin(*, shop: Shop, pin: str) -> StaffMembership:
    """The staff member whose PIN this is; a few wrong tries lock PIN entry for the shop for five minutes."""
    failures_key = f"counter-pin-failures:{shop.pk}"
    if (cache.get(failures_key) or 0) >= PIN_FAILURES_ALLOWED:
        raise PinLocked("Too many wrong PINs; wait five minutes.")
    for membership in StaffMembership.objects.filter(shop=shop).exclude(pin_hash="").select_related("user"):
        if check_password(pin or "", membership.pin_hash):
            cache.delete(failures_key)
            return membership
    if not cache.add(failures_key, 1, PIN_LOCK_SECONDS):
        cache.incr(failures_key)
    raise WrongPin("This PIN is not right.")


def adjustment_approved_by_pin(
    *, shop: Shop, member, points: int, reason: str, pin: str, location=None, at: datetime | None = None
) -> LedgerEntry:
    """A cashier cannot adjust points; a manager standing by approves one with their PIN, and it is theirs."""
    approver = staff_by_pin(shop=shop, pin=pin)
    if not Role.at_least(approver.role, Role.MANAGER):
        raise WrongPin("Only a manager's PIN can approve an adjustment.")
    if not (reason or "").strip():
        raise ValidationFailed(fields={"reason": "is required"})
    actor = Actor(shop=shop, staff=approver.user, location=location)
    return points_adjust(
        account_id=member.account_id, actor=actor, points=points, reason=reason.strip(), at=at or timezone.now()
    )


def _within_window(created_at: datetime, now: datetime) -> None:
    if now - created_at > UNDO_WINDOW:
        raise UndoWindowPassed("Only the last five minutes can be undone; refund or adjust instead.")


@transaction.atomic
def undo_purchase(*, shop: Shop, purchase_id, actor: Actor, now: datetime | None = None):
    """A purchase recorded by mistake is refunded in full: its points, stamps and spends are reversed."""
    now = now or timezone.now()
    purchase = Purchase.objects.filter(shop=shop, pk=purchase_id).first()
    if purchase is None:
        raise NotFound("Purchase not found.", code="purchase_not_found")
    _within_window(purchase.created_at, now)
    return purchase_refund(
        shop=shop,
        purchase_id=purchase.pk,
        amount=purchase.amount - purchase.refunded_amount,
        external_id=f"UNDO-{purchase.pk}",
        actor=actor,
        now=now,
    )


def _voucher_of(shop: Shop, code: str) -> Voucher:
    voucher = Voucher.objects.filter(shop=shop, code=code).first()
    if voucher is None:
        raise NotFound("Voucher not found.", code="voucher_not_found")
    return voucher


def undo_redemption(*, shop: Shop, code: str, actor: Actor, now: datetime | None = None) -> Voucher:
    now = now or timezone.now()
    voucher = _voucher_of(shop, code)
    if voucher.source != VoucherSource.REDEMPTION:
        raise ValidationFailed(fields={"voucher": "was not redeemed with points"})
    _within_window(voucher.issued_at, now)
    return voucher_cancel(shop=shop, code=voucher.code, actor=actor, at=now)


def undo_voucher_use(*, shop: Shop, code: str, now: datetime | None = None) -> Voucher:
    now = now or timezone.now()
    voucher = _voucher_of(shop, code)
    if voucher.status != VoucherStatus.USED:
        raise ValidationFailed(fields={"voucher": "is not used"})
    _within_window(voucher.used_at, now)
    return voucher_unuse(shop=shop, code=voucher.code)


def undo_adjustment(*, shop: Shop, entry_id, actor: Actor, now: datetime | None = None) -> LedgerEntry:
    """The opposite adjustment, with a reason that names the one it undoes."""
    now = now or timezone.now()
    entry = LedgerEntry.objects.filter(shop=shop, pk=entry_id, kind=EntryKind.ADJUST).first()
    if entry is None:
        raise NotFound("Adjustment not found.", code="entry_not_found")
    _within_window(entry.created_at, now)
    return points_adjust(
        account_id=entry.account_id, actor=actor, points=-entry.points, reason=f"undo of adjustment {entry.pk}", at=now
    )
