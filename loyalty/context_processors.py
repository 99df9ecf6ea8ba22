from django.utils.functional import SimpleLazyObject

from loyalty.models import StaffMembership
from loyalty.portal.navigation import sections_for


def staff_shops(user) -> list[StaffMembership]:
    return list(StaffMembership.objects.filter(user=user).select_related("shop").order_by("shop__name"))


def current_shop(request) -> dict:
    """The current shop for every page; the lists behind the portal's menus are read only if a page shows them."""
    membership = getattr(request, "staff_membership", None)
    membership = membership if membership else None
    return {
        "staff_membership": membership,
        "current_shop": membership.shop if membership else None,
        "staff_shops": SimpleLazyObject(lambda: staff_shops(request.user)),
        "portal_sections": SimpleLazyObject(lambda: sections_for(request, membership.role) if membership else []),
    }
