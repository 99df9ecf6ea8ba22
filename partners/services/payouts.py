"""Payout statements: a partner's whole balance when it reaches the plan's `min_payout` (approved commissions on no
statement, netted with clawbacks), marked paid with a reference, or paid as store credit into the partner's own
wallet when the partner is also a member.

Lock order: the shop's partner program (statement numbers), the partner, its commission rows; marking paid locks
the payout, then (store credit) the partner's account. A refund locks the customer's account, the purchase, then
the sale's commission row: no cycle."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.errors import ValidationFailed
from loyalty.models import Shop
from loyalty.models.ledger import WalletKind
from loyalty.money import money_str
from loyalty.services.ledger import account_lock
from loyalty.services.wallet import wallet_credit

from ..errors import BelowMinPayout, PayoutPaid, payout_not_found
from ..models import Commission, CommissionStatus, Partner, PartnerProgram, Payout, PayoutMethod, PayoutStatus
from .programs import partner_member

REFERENCE_MAX = 200


@transaction.atomic
def payout_create(*, partner: Partner, at: datetime | None = None, by=None) -> Payout:
    """A statement of the partner's whole balance now: every approved commission and clawback not yet on one.
    A balance that is not positive, or below the plan's min_payout, is BelowMinPayout (with fields.balance)."""
    at = at or timezone.now()
    program = PartnerProgram.objects.select_for_update(no_key=True).get(shop_id=partner.shop_id)
    partner = (
        Partner.objects.select_for_update(no_key=True, of=("self",)).select_related("plan", "shop").get(pk=partner.pk)
    )
    shop = partner.shop
    lines = list(Commission.objects.select_for_update().unpaid_balance().filter(partner=partner).order_by("pk"))
    balance = sum((line.amount for line in lines), start=Decimal(0))
    if balance <= 0 or balance < partner.plan.min_payout:
        raise BelowMinPayout(
            _("The balance is %(balance)s; a payout needs more than 0 and at least %(min)s.")
            % {"balance": money_str(balance, shop.currency), "min": money_str(partner.plan.min_payout, shop.currency)},
            fields={"balance": money_str(balance, shop.currency)},
        )
    payout = Payout.objects.create(
        shop_id=partner.shop_id,
        partner=partner,
        number=program.next_statement,
        amount=balance,
        created_at=at,
        created_by=by,
    )
    PartnerProgram.objects.filter(pk=program.pk).update(next_statement=program.next_statement + 1)
    Commission.objects.filter(pk__in=[line.pk for line in lines]).update(payout=payout)
    return payout


def payout_get(shop: Shop, payout_id) -> Payout:
    try:
        return Payout.objects.select_related("partner__plan", "shop").get(shop=shop, pk=int(str(payout_id)))
    except (Payout.DoesNotExist, ValueError, OverflowError):
        raise payout_not_found() from None


def _open_payout_locked(payout: Payout) -> Payout:
    locked = Payout.objects.select_for_update(of=("self",)).select_related("partner", "shop").get(pk=payout.pk)
    if locked.status == PayoutStatus.PAID:
        raise PayoutPaid(
            _("Payout %(number)s was paid already.") % {"number": locked.label},
            fields={"payout": str(locked.pk)},
        )
    return locked


def _paid(payout: Payout, *, reference: str, method: str, at: datetime, by) -> Payout:
    payout.status, payout.reference, payout.method, payout.paid_at, payout.paid_by = (
        PayoutStatus.PAID,
        reference,
        method,
        at,
        by,
    )
    payout.save(update_fields=["status", "reference", "method", "paid_at", "paid_by"])
    Commission.objects.filter(payout=payout).update(status=CommissionStatus.PAID, paid_at=at)
    return payout


@transaction.atomic
def payout_mark_paid(*, payout: Payout, reference: str, at: datetime | None = None, by=None) -> Payout:
    """The shop paid the statement (a bank transfer, …): its commissions become paid. Once only (PayoutPaid)."""
    reference = (reference or "").strip()
    if not reference or len(reference) > REFERENCE_MAX:
        raise ValidationFailed(fields={"reference": f"must be 1 to {REFERENCE_MAX} characters"})
    payout = _open_payout_locked(payout)
    method = payout.partner.payout_method
    if method == PayoutMethod.STORE_CREDIT:  # it was paid some other way than the wallet credit
        method = PayoutMethod.OTHER
    return _paid(payout, reference=reference, method=method, at=at or timezone.now(), by=by)


@transaction.atomic
def payout_pay_store_credit(*, payout: Payout, at: datetime | None = None, by=None) -> Payout:
    """Pay the statement into the wallet of the partner's own member at the shop, spendable at the counter."""
    at = at or timezone.now()
    payout = _open_payout_locked(payout)
    member = partner_member(payout.partner)
    if member is None:
        raise ValidationFailed(
            _("%(partner)s is not a member of the shop: no wallet to pay into.") % {"partner": payout.partner.name},
            fields={"payout_method": "the partner has no member at the shop"},
            code="partner_not_member",
        )
    account = account_lock(member.account_id)
    wallet_credit(
        account=account,
        shop=payout.shop,
        amount=payout.amount,
        kind=WalletKind.CREDIT,
        staff=by,
        reason=f"partner payout {payout.label}",
    )
    return _paid(
        payout,
        reference=_("Store credit to %(member)s") % {"member": member.name or member.phone},
        method=PayoutMethod.STORE_CREDIT,
        at=at,
        by=by,
    )
