"""Support looks everything up in the admin and changes nothing there (rule 1: changes go through services)."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from loyalty.models import (
    Account,
    Allocation,
    ApiKey,
    ConsentChange,
    Invitation,
    LedgerEntry,
    Location,
    Member,
    Message,
    Purchase,
    Refund,
    Shop,
    StaffMembership,
)
from loyalty.services.api_keys import api_key_create
from loyalty.services.shops import staff_invite
from rewards.models import Reward, Voucher
from tests.factories import enrol

READ_ONLY = [
    Shop,
    Location,
    StaffMembership,
    Invitation,
    Member,
    Account,
    LedgerEntry,
    Allocation,
    Purchase,
    Refund,
    ApiKey,
    Reward,
    Voucher,
    ConsentChange,
    Message,
]


@pytest.fixture
def support(client, db):
    client.force_login(get_user_model().objects.create_superuser("support", "support@example.com", "x-long-pw-1"))
    return client


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda model: model.__name__)
def test_the_admin_cannot_add_change_or_delete(model, rf):
    model_admin = admin.site._registry[model]
    request = rf.get("/")
    request.user = get_user_model()(is_superuser=True, is_staff=True, is_active=True)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert "delete_selected" not in model_admin.get_actions(request)


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda model: model.__name__)
def test_each_list_opens_and_searches(support, model, shop, owner):
    enrol(shop)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert support.get(url).status_code == 200
    assert support.get(url, {"q": shop.slug}).status_code == 200


def test_a_shop_shows_its_locations_and_staff_read_only(support, shop, owner, location):
    html = support.get(reverse("admin:loyalty_shop_change", args=[shop.pk])).content.decode()
    assert location.name in html and owner.email in html
    assert 'name="_save"' not in html


def test_an_api_key_page_does_not_show_its_hash(support, shop):
    key, _raw = api_key_create(shop=shop, role="cashier", name="Till 1")
    html = support.get(reverse("admin:loyalty_apikey_change", args=[key.pk])).content.decode()
    assert "Till 1" in html and key.prefix in html
    assert key.key_hash not in html


def test_an_invitation_page_does_not_show_its_token(support, shop, owner):
    invitation = staff_invite(shop=shop, email="lan@example.com", role="cashier", invited_by=owner)
    html = support.get(reverse("admin:loyalty_invitation_change", args=[invitation.pk])).content.decode()
    assert "lan@example.com" in html and invitation.token not in html
