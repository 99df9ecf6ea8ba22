"""Support looks scores, segments and campaigns up in the admin, and changes nothing there."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from insights.models import Campaign, CampaignMember, RfmScore, Segment, SegmentCount


@pytest.mark.parametrize("model", [RfmScore, Segment, SegmentCount, Campaign, CampaignMember], ids=lambda m: m.__name__)
def test_each_list_opens_searches_and_changes_nothing(client, rf, db, model):
    client.force_login(get_user_model().objects.create_superuser("support", "support@example.com", "x-long-pw-1"))
    url = reverse(f"admin:insights_{model._meta.model_name}_changelist")
    assert client.get(url).status_code == 200 and client.get(url, {"q": "x"}).status_code == 200
    request = rf.get("/")
    request.user = get_user_model()(is_superuser=True, is_staff=True, is_active=True)
    model_admin = admin.site._registry[model]
    assert not (model_admin.has_add_permission(request) or model_admin.has_change_permission(request))
    assert not model_admin.has_delete_permission(request)
