"""The till API's referral endpoint (pos-api.md): a member's referrals."""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema, Status

from loyalty.api.members import ERRORS
from loyalty.services.members import member_get

from .selectors import referrals_made

router = Router(tags=["referrals"])


class ReferralOut(Schema):
    member: str
    status: str
    reason: str
    created_at: datetime
    approved_at: datetime | None


@router.get(
    "/members/{member_id}/referrals", response={200: list[ReferralOut], **ERRORS}, summary="A member's referrals"
)
def member_referrals(request, member_id: str):
    member = member_get(request.auth.shop, member_id)
    rows = referrals_made(member).only("referee_id", "status", "reason", "created_at", "approved_at")
    return Status(
        200,
        [
            {
                "member": str(r.referee_id),
                "status": r.status,
                "reason": r.reason,
                "created_at": r.created_at,
                "approved_at": r.approved_at,
            }
            for r in rows
        ],
    )
