"""Members: enrol, look up, show, ledger, adjustments."""

from __future__ import annotations

from django.utils import timezone
from ninja import Router, Status

from loyalty.errors import NotFound, ValidationFailed
from loyalty.models import LedgerEntry, Location, Member
from loyalty.services.ledger import points_adjust
from loyalty.services.members import member_enrol, member_get, member_lookup

from . import schemas as s
from .auth import actor_of, require_manager
from .present import entry_out, member_out, points_out

router = Router(tags=["members"])
ERRORS = {400: s.ErrorOut, 401: s.ErrorOut, 403: s.ErrorOut, 404: s.ErrorOut, 409: s.ErrorOut, 422: s.ErrorOut}


def location_of(shop, code: str | None):
    if not code:
        return None
    location = Location.objects.filter(shop=shop, code=code).first()
    if location is None:
        raise NotFound("No location with this code.", code="location_not_found", fields={"location": "unknown"})
    return location


def member_named(shop, member_id: str | None, lookup: str | None) -> Member:
    """A member named in a body by `member` (its id) or `member_lookup` (what /members/lookup accepts)."""
    if member_id:
        return member_get(shop, member_id)
    if lookup:
        return member_lookup(shop, lookup)
    raise NotFound("Member not found.", code="member_not_found", fields={"member": "required"})


@router.post("/members", response={201: s.MemberOut, **ERRORS}, summary="Enrol a member")
def enrol(request, payload: s.MemberIn):
    shop = request.auth.shop
    actor = actor_of(request, location_of(shop, payload.location))
    member = member_enrol(
        shop=shop,
        phone=payload.phone,
        name=payload.name or "",
        email=payload.email or "",
        birthday=payload.birthday,
        marketing_consent=payload.marketing_consent,
        consent_source="api",
        card_number=payload.card_number or "",
        referral_code=payload.referral_code or "",
        partner_code=payload.partner_code or "",
        channel="till",
        actor=actor,
    )
    return Status(201, member_out(member_get(shop, member.pk), timezone.now()))


@router.get(
    "/members/lookup", response={200: s.MemberOut, **ERRORS}, summary="Find a member by QR payload, card or phone"
)
def lookup(request, q: str):
    return Status(200, member_out(member_lookup(request.auth.shop, q), timezone.now()))


@router.get("/members/{member_id}", response={200: s.MemberOut, **ERRORS}, summary="A member")
def show(request, member_id: str):
    return Status(200, member_out(member_get(request.auth.shop, member_id), timezone.now()))


@router.get(
    "/members/{member_id}/ledger", response={200: list[s.LedgerEntryOut], **ERRORS}, summary="A member's ledger"
)
def ledger(request, member_id: str, limit: int = 500):
    member = member_get(request.auth.shop, member_id)
    entries = LedgerEntry.objects.filter(account_id=member.account_id).order_by("-created_at", "-id")[
        : max(1, min(limit, 5000))
    ]
    return Status(200, [entry_out(e) for e in entries])


@router.post(
    "/members/{member_id}/adjustments",
    response={201: s.AdjustmentOut, **ERRORS},
    summary="Adjust a member's points (manager)",
)
def adjust(request, member_id: str, payload: s.AdjustmentIn):
    require_manager(request)
    member = member_get(request.auth.shop, member_id)
    if payload.points == 0:
        raise ValidationFailed(fields={"points": "must not be zero"})
    now = timezone.now()
    entry = points_adjust(
        account_id=member.account_id,
        actor=actor_of(request),
        points=payload.points,
        reason=payload.reason.strip(),
        at=now,
    )
    member.account.refresh_from_db()
    return Status(201, {"entry": entry_out(entry), "points": points_out(member.account, now)})
