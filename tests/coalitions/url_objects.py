"""The coalition pages' URL arguments for the portal's walks (tests/portal/test_tenant_isolation.py and the role
walk): how to make an object of a given shop. The coalition's page (c/) is public by design and names its
coalition by code; tests/coalitions/test_pages.py covers it."""

from __future__ import annotations

from decimal import Decimal

from coalitions.services.forming import coalition_create, coalition_invite, current_term
from loyalty.models import Shop
from tests.factories import ShopFactory


def _coalition(shop: Shop):
    term = current_term(shop)
    if term is not None:
        return term.coalition
    return coalition_create(
        shop=shop,
        name=f"Walk {shop.slug}",
        points_name="hearts",
        settlement_period="month",
        cost_per_point=Decimal("100"),
        reimbursement_per_point=Decimal("90"),
    )


def _received(shop: Shop):
    """An invitation to `shop` from a new shop's coalition."""
    inviter = ShopFactory(currency=shop.currency)
    _coalition(inviter)
    return coalition_invite(
        inviter=inviter, target=shop.slug, cost_per_point=Decimal("100"), reimbursement_per_point=Decimal("90")
    )


def _sent(shop: Shop):
    """An invitation from `shop`'s coalition to a new shop."""
    _coalition(shop)
    invitee = ShopFactory(currency=shop.currency)
    return coalition_invite(
        inviter=shop, target=invitee.slug, cost_per_point=Decimal("100"), reimbursement_per_point=Decimal("90")
    )


SKIPPED_PREFIXES = ("c/",)
OBJECTS = {
    "coalition_code": lambda shop: _coalition(shop).code,
    "coalition_invitation_id": lambda shop: _received(shop).pk,
    "sent_invitation_id": lambda shop: _sent(shop).pk,
}
