"""Events that earn bonuses."""

from __future__ import annotations

from django.utils import timezone
from ninja import Router, Status

from loyalty.services.bonuses import bonus_award

from . import schemas as s
from .auth import actor_of
from .members import ERRORS, member_named
from .present import points_out

router = Router(tags=["events"])


@router.post("/events", response={201: s.EventOut, **ERRORS}, summary="Award the bonus for an event")
def event(request, payload: s.EventIn):
    member = member_named(request.auth.shop, payload.member, payload.member_lookup)
    now = timezone.now()
    awarded = bonus_award(member=member, event=payload.event, actor=actor_of(request), at=now)
    member.account.refresh_from_db()
    return Status(201, {"points_awarded": awarded, "points": points_out(member.account, now)})
