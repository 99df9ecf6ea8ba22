"""Support looks referral programs, referrals and milestone rewards up in the admin, and changes nothing there."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from referrals.models import MilestoneAward, Referral, ReferralProgram

from .conftest import T0, approve, buy, friend, referrer_of

MODELS = [ReferralProgram, Referral, MilestoneAward]


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_each_list_opens_searches_and_changes_nothing(client, rf, razors, model):
    referrer = referrer_of(razors)
    for _ in range(5):
        buy(razors, friend(razors, referrer))
    approve(T0 + timedelta(days=14))
    client.force_login(get_user_model().objects.create_superuser("support", "support@example.com", "x-long-pw-1"))
    url = reverse(f"admin:referrals_{model._meta.model_name}_changelist")
    assert client.get(url).status_code == 200 and client.get(url, {"q": referrer.referral_code}).status_code == 200
    request = rf.get("/")
    request.user = get_user_model()(is_superuser=True, is_staff=True, is_active=True)
    model_admin = admin.site._registry[model]
    assert not (model_admin.has_add_permission(request) or model_admin.has_change_permission(request))
    assert not model_admin.has_delete_permission(request)
