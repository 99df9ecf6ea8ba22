"""Resolves the signed-in staff member's current shop once per request (rule 4 of DESIGN.md)."""

from django.utils.functional import SimpleLazyObject

from loyalty.models import Shop, StaffMembership

SESSION_KEY = "current_shop_id"


def current_membership(request) -> StaffMembership | None:
    """The staff membership for the shop chosen in the session, else the person's first shop."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    memberships = StaffMembership.objects.select_related("shop").filter(user=user)
    chosen = request.session.get(SESSION_KEY)
    membership = memberships.filter(shop_id=chosen).first() if chosen else None
    return membership or memberships.order_by("created_at").first()


def shop_choose(request, shop: Shop) -> None:
    """Makes `shop` the one this session works in (the caller has checked the person is on its staff)."""
    request.session[SESSION_KEY] = shop.pk


class CurrentShopMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.staff_membership = SimpleLazyObject(lambda: current_membership(request))
        return self.get_response(request)
