"""Domain objects as the API's JSON (pos-api.md), built from the shared selectors."""

from __future__ import annotations

from datetime import datetime

from loyalty import hooks
from loyalty.models import LedgerEntry, Member
from loyalty.money import money_str
from loyalty.selectors import PointsSummary, member_discount_percent, points_summary, program_of_member, stamp_cards_of
from loyalty.services.members import member_card_number
from loyalty.services.tiers import tier_here
from rewards.selectors import vouchers_open_for


def points_out(account, at: datetime, summary: PointsSummary | None = None) -> dict:
    """The account's points as the API shows them (from `summary` when the caller has it already)."""
    summary = summary or points_summary(account, at)
    expiring = None
    if summary.expiring_at is not None and summary.expiring_points:
        expiring = {"points": summary.expiring_points, "at": summary.expiring_at}
    return {
        "available": summary.available,
        "pending": summary.pending,
        "lifetime_earned": summary.lifetime_earned,
        "expiring_next": expiring,
    }


def tier_out(member) -> dict | None:
    """The member's tier at the asking shop (tier_here: none at a coalition shop that did not open the account)."""
    tier = tier_here(member)
    return {"code": tier.code, "name": tier.name} if tier else None


def voucher_out(voucher) -> dict:
    return {
        "code": voucher.code,
        "reward": voucher.reward.code,
        "status": voucher.status,
        "expires_at": voucher.expires_at,
    }


def member_out(member: Member, at: datetime) -> dict:
    account = member.account
    currency = member.shop.currency
    return {
        "id": str(member.pk),
        "card_number": member_card_number(member),
        "name": member.name or None,
        "phone": member.phone,
        "email": member.email or None,
        "birthday": member.birthday,
        "tier": tier_out(member),
        "discount_percent": f"{member_discount_percent(member, at).normalize():f}",
        "points": points_out(account, at),
        "wallet": money_str(account.wallet_balance, currency),
        "stamps": stamp_cards_of(account, program_of_member(member)),
        "membership": None,
        "coalition": None,
        "referral_code": member.referral_code,
        "vouchers": [voucher_out(v) for v in vouchers_open_for(member, at).select_related("reward")],
        **hooks.member_fields(member, at),  # the program apps' fields (a membership, a coalition)
    }


def entry_out(entry: LedgerEntry) -> dict:
    return {
        "id": str(entry.pk),
        "kind": entry.kind,
        "points": entry.points,
        "created_at": entry.created_at,
        "occurred_at": entry.occurred_at,
        "available_at": entry.available_at,
        "expires_at": entry.expires_at,
        "reason": entry.reason,
        "source": entry.source,
    }
