"""What a coalition adds to the portal's dashboard: the invitations the owner may still answer, so an invitation
sent by another shop is seen where the owner looks first, not only on the coalition page (one query, owners only)."""

from __future__ import annotations

from loyalty import hooks
from loyalty.models import Role

from .services.forming import invitations_received


@hooks.page_section("portal.dashboard", "coalitions/partials/dashboard_invitations.html", order=20)
def pending_invitations(*, request, shop, **_kwargs):
    membership = getattr(request, "staff_membership", None)
    if membership is None or membership.role != Role.OWNER:
        return None
    invitations = list(invitations_received(shop))
    return {"coalition_invitations": invitations} if invitations else None
