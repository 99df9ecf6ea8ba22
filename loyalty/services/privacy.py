"""A member's data: everything the shop holds about them as one document, and erasure on request.

Erasure removes what says who the person is (phone, name, email, birthday, language, channel, the sign-in
link, what was written to them) and keeps what the shop's figures rest on: the account, the ledger,
purchases, vouchers and stamps stay as they are, now belonging to an anonymous member. Consent history
is kept too (it proves what was agreed and when), ending with the withdrawal erasure records.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, ProtectedError, RestrictedError
from django.utils import timezone

from loyalty.errors import ValidationFailed
from loyalty.models import (
    Card,
    ConsentChange,
    ConsentSource,
    LedgerEntry,
    Member,
    MemberChange,
    Message,
    MessageStatus,
    Purchase,
    SignInCode,
    StaffMembership,
    StampEntry,
    StampProgress,
    TierChange,
    WalletEntry,
    WebhookDelivery,
)
from rewards.models import Voucher

from .members import consent_set

logger = logging.getLogger(__name__)

ERASE_SOURCES = (ConsentSource.PORTAL, ConsentSource.MEMBER)
EXPORT_FORMAT = 1


# ---------------------------------------------------------------- export


def member_export(member: Member) -> dict:
    """Everything held about the member, JSON-serialisable: money as strings, times in ISO 8601."""
    member = Member.objects.select_related(
        "shop", "account__program", "account__tier", "enrolled_location", "user"
    ).get(pk=member.pk)
    return _plain(
        {
            "format": EXPORT_FORMAT,
            "exported_at": timezone.now(),
            "shop": {"name": member.shop.name, "slug": member.shop.slug},
            "profile": _profile(member),
            "consent_history": _consent_history(member),
            "detail_changes": list(
                MemberChange.objects.filter(member=member).order_by("at", "pk").values("at", "changed")
            ),
            "cards": list(
                Card.objects.filter(member=member)
                .order_by("created_at")
                .values("number", "printed", "created_at", "blocked_at")
            ),
            "account": _account(member),
            "points_ledger": _ledger(member),
            "wallet": _wallet(member),
            "purchases": _purchases(member),
            "vouchers": _vouchers(member),
            "stamps": _stamps(member),
            "stamp_history": _stamp_history(member),
            "tier_changes": _tier_changes(member),
            "messages": list(
                Message.objects.filter(member=member)
                .order_by("created_at", "pk")
                .values("created_at", "sent_at", "event", "kind", "channel", "to", "subject", "body", "status")
            ),
            "sign_in_email": member.user.email if member.user_id else None,
            "merged_duplicates": [
                {"profile": _profile(duplicate), "consent_history": _consent_history(duplicate)}
                for duplicate in _merged_duplicates(member)
            ],
        }
    )


def _profile(member: Member) -> dict:
    return {
        "member_id": member.public_id,
        "phone": member.phone,
        "name": member.name,
        "email": member.email,
        "birthday": member.birthday,
        "language": member.language,
        "channel": member.channel,
        "marketing_consent": member.marketing_consent,
        "consent_at": member.consent_at,
        "consent_source": member.consent_source,
        "referral_code": member.referral_code,
        "enrolled_at": member.created_at,
        "enrolled_location": member.enrolled_location.name if member.enrolled_location else None,
        "erased_at": member.erased_at,
    }


def _consent_history(member: Member) -> list[dict]:
    return [
        {"at": change.at, "granted": change.granted, "source": change.source, "recorded_by_staff": bool(change.by_id)}
        for change in ConsentChange.objects.filter(member=member).order_by("at", "pk")
    ]


def _account(member: Member) -> dict:
    account = member.account
    return {
        "program": account.program.name,
        "points_name": account.program.points_name,
        "points_balance": account.points_balance,
        "lifetime_earned": account.lifetime_earned,
        "wallet_balance": account.wallet_balance,
        "currency": member.shop.currency,
        "tier": account.tier.name if account.tier else None,
        "tier_since": account.tier_since,
        "last_purchase_at": account.last_purchase_at,
    }


def _ledger(member: Member) -> list[dict]:
    return list(
        LedgerEntry.objects.filter(account=member.account_id)
        .order_by("occurred_at", "pk")
        .values(
            "kind",
            "points",
            "occurred_at",
            "available_at",
            "expires_at",
            "remaining",
            "source",
            "reason",
            purchase_external_id=F("purchase__external_id"),
        )
    )


def _wallet(member: Member) -> list[dict]:
    return list(
        WalletEntry.objects.filter(account=member.account_id)
        .order_by("created_at", "pk")
        .values("kind", "amount", "created_at", "reason", purchase_external_id=F("purchase__external_id"))
    )


def _purchases(member: Member) -> list[dict]:
    purchases = (
        Purchase.objects.filter(member=member)
        .select_related("location")
        .prefetch_related("lines", "refunds")
        .order_by("occurred_at", "pk")
    )
    return [
        {
            "external_id": p.external_id,
            "occurred_at": p.occurred_at,
            "location": p.location.name if p.location else None,
            "amount": p.amount,
            "refunded_amount": p.refunded_amount,
            "points_earned": p.points_earned,
            "points_redeemed": p.points_redeemed,
            "wallet_redeemed": p.wallet_redeemed,
            "cashback": p.cashback,
            "payment_method": p.payment_method,
            "lines": [
                {"sku": line.sku, "category": line.category, "quantity": line.quantity, "amount": line.amount}
                for line in p.lines.all()
            ],
            "refunds": [
                {
                    "external_id": r.external_id,
                    "amount": r.amount,
                    "points_reversed": r.points_reversed,
                    "at": r.created_at,
                }
                for r in p.refunds.all()
            ],
        }
        for p in purchases
    ]


def _vouchers(member: Member) -> list[dict]:
    return list(
        Voucher.objects.filter(member=member)
        .order_by("issued_at", "pk")
        .values(
            "code",
            "status",
            "source",
            "points_spent",
            "issued_at",
            "expires_at",
            "used_at",
            "closed_at",
            reward_name=F("reward__name"),
        )
    )


def _stamps(member: Member) -> list[dict]:
    return list(
        StampProgress.objects.filter(account=member.account_id)
        .order_by("card__code")
        .values("count", "last_stamp_at", card_name=F("card__name"), stamps_required=F("card__stamps_required"))
    )


def _stamp_history(member: Member) -> list[dict]:
    return list(
        StampEntry.objects.filter(account=member.account_id)
        .order_by("occurred_at", "pk")
        .values("count", "occurred_at", card_name=F("card__name"), purchase_external_id=F("purchase__external_id"))
    )


def _merged_duplicates(member: Member) -> list[Member]:
    """The rows of the same person merged into this member (and into those, and so on)."""
    found, frontier = [], [member.pk]
    while frontier:
        duplicates = list(Member.objects.filter(merged_into__in=frontier).select_related("enrolled_location"))
        found += duplicates
        frontier = [duplicate.pk for duplicate in duplicates]
    return found


def _tier_changes(member: Member) -> list[dict]:
    return list(
        TierChange.objects.filter(account=member.account_id)
        .order_by("at", "pk")
        .values("at", "reason", from_tier_name=F("from_tier__name"), to_tier_name=F("to_tier__name"))
    )


def _plain(value):
    """Decimals as strings (no float rounding), dates and times in ISO 8601, containers walked."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


# ---------------------------------------------------------------- erasure


def erased_phone(member: Member) -> str:
    """A placeholder unique per member (the (shop, phone) constraint holds) that is no phone number."""
    return f"erased-{member.pk}"


@transaction.atomic
def member_erase(*, member: Member, by=None, source: str = ConsentSource.PORTAL, at: datetime | None = None) -> Member:
    """Erase the member's personal data on their request (source MEMBER) or the shop's (PORTAL).

    The ledger, purchases, vouchers, stamps and the account are not touched; the member row stays, anonymous.
    """
    if source not in ERASE_SOURCES:
        raise ValidationFailed(fields={"source": "must be portal or member"}, code="invalid_source")
    at = at or timezone.now()
    member = Member.objects.select_for_update().select_related("shop").get(pk=member.pk)
    if member.erased_at:
        raise ValidationFailed(
            "This member's personal data was already erased.",
            fields={"member": "already erased"},
            code="already_erased",
        )
    consent_set(member=member, granted=False, source=ConsentSource.ERASURE, by=by, at=at)
    for person in [member, *_merged_duplicates(member)]:  # a merged duplicate still holds the same person's data
        _personal_data_erase(person, at)
    logger.info("member %s of shop %s erased on request (%s)", member.pk, member.shop_id, source)
    member.refresh_from_db()
    return member


def _personal_data_erase(member: Member, at: datetime) -> None:
    phones = [member.phone]
    Member.objects.filter(pk=member.pk).update(
        phone=erased_phone(member),
        name="",
        email="",
        birthday=None,
        language="",
        channel="",
        marketing_consent=False,
        user=None,
        qr_key_version=F("qr_key_version") + 1,
        erased_at=at,
    )
    Card.objects.filter(member=member, blocked_at__isnull=True).update(blocked_at=at)
    MemberChange.objects.filter(member=member).update(changed={})  # what the details were is personal data
    Message.objects.filter(member=member).update(to="", subject="", body="", reason="")  # errors may quote the address
    Message.objects.filter(member=member, status=MessageStatus.QUEUED).update(
        status=MessageStatus.SKIPPED, reason="erased", claimed_at=None
    )
    SignInCode.objects.filter(phone__in=phones).delete()
    _webhook_bodies_redact(member)
    _sign_in_user_forget(member.user_id)


def _webhook_bodies_redact(member: Member) -> None:
    """`member.enrolled` carried the phone, name and email to the shop's receivers; the copies kept here (and
    re-sent unchanged on retries) keep only the member's id from now on."""
    deliveries = WebhookDelivery.objects.filter(
        endpoint__shop_id=member.shop_id, event="member.enrolled", body__contains=f'"member": "{member.pk}"'
    )
    for delivery in deliveries:
        body = json.loads(delivery.body)
        if body.get("data", {}).get("member") != str(member.pk):
            continue
        body["data"] = {"member": str(member.pk), "erased": True}
        delivery.body = json.dumps(body, ensure_ascii=False, sort_keys=True)
        delivery.save(update_fields=["body"])


def _sign_in_user_forget(user_id: int | None) -> None:
    """A member's passwordless sign-in user goes with them when nothing else needs it (its username or
    email can name the person); one that still proves other shops' members, or staff, is only unlinked."""
    if user_id is None:
        return
    from loyalty.member_site.access import members_of_user

    user = get_user_model().objects.filter(pk=user_id, is_staff=False, is_superuser=False).first()
    if user is None or StaffMembership.objects.filter(user=user).exists() or members_of_user(user).exists():
        return
    users = get_user_model().objects.filter(pk=user.pk)
    try:
        with transaction.atomic():
            users.delete()
    except (ProtectedError, RestrictedError):
        logger.warning("sign-in user %s of an erased member is referenced elsewhere; kept, unlinked", user_id)
