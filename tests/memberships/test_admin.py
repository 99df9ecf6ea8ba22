"""Support looks plans, memberships, payments, checkouts and packs up in the admin, and changes nothing there."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from memberships.models import Checkout, Membership, MembershipPlan, MonthlyGrant, Pack, PackPurchase, Payment
from memberships.services.packs import pack_buy

from .conftest import customer, pay

MODELS = [MembershipPlan, Membership, Payment, MonthlyGrant, Checkout, Pack, PackPurchase]


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_each_list_opens_searches_and_changes_nothing(client, rf, vip, model):
    member = customer(vip)
    pay(vip, member, "box", "199000")
    pack_buy(member=member, pack_code="wash-10", amount_paid=Decimal("400000"))
    client.force_login(get_user_model().objects.create_superuser("support", "support@example.com", "x-long-pw-1"))
    url = reverse(f"admin:memberships_{model._meta.model_name}_changelist")
    assert client.get(url).status_code == 200 and client.get(url, {"q": "box"}).status_code == 200
    request = rf.get("/")
    request.user = get_user_model()(is_superuser=True, is_staff=True, is_active=True)
    model_admin = admin.site._registry[model]
    assert not (model_admin.has_add_permission(request) or model_admin.has_change_permission(request))
    assert not model_admin.has_delete_permission(request)
