"""Support looks partners, their customers, commissions and payouts up in the admin, and changes nothing there."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from partners.models import Application, Binding, CodeUse, Commission, Partner, Payout, Plan
from partners.services.commissions import commissions_approve
from partners.services.payouts import payout_create

from .conftest import T0, buy, customer, partner_of

MODELS = [Plan, Partner, Binding, CodeUse, Commission, Payout, Application]


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_each_list_opens_searches_and_changes_nothing(client, rf, pho, model):
    buy(pho, customer(pho, partner_code="BLOGANH"), "600000")
    commissions_approve(as_of=T0 + timedelta(days=14))
    payout_create(partner=partner_of(pho, "BLOG-ANH"))
    client.force_login(get_user_model().objects.create_superuser("support", "support@example.com", "x-long-pw-1"))
    url = reverse(f"admin:partners_{model._meta.model_name}_changelist")
    assert client.get(url).status_code == 200 and client.get(url, {"q": "BLOGANH"}).status_code == 200
    request = rf.get("/")
    request.user = get_user_model()(is_superuser=True, is_staff=True, is_active=True)
    model_admin = admin.site._registry[model]
    assert not (model_admin.has_add_permission(request) or model_admin.has_change_permission(request))
    assert not model_admin.has_delete_permission(request)
