"""How every portal view learns its shop: once, from the staff membership chosen in the session."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import SimpleTemplateResponse
from django.utils import timezone

from loyalty.models import Role


def staff_required(role: str = Role.CASHIER):
    """Sets request.shop and request.membership; a person with no shop is sent to onboarding and one whose
    role is below `role` gets 403. The view runs, and its page renders, in the shop's time zone, so times read
    as the shop's clock shows them."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            membership = request.staff_membership
            if not membership:
                return redirect("portal:onboarding")
            if not Role.at_least(membership.role, role):
                raise PermissionDenied
            request.membership = membership
            request.shop = membership.shop
            with timezone.override(request.shop.tz):
                response = view(request, *args, **kwargs)
                if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
                    response.render()
            return response

        return wrapper

    return decorator
