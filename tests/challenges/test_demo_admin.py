"""The demo café runs the fun (challenges with progress, the impact counter, a leaderboard, ideas), loading twice
changes nothing; support looks it all up in the admin and changes nothing there."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from challenges.models import (
    Challenge,
    Idea,
    ImpactEntry,
    LeaderboardAward,
    MemberBadge,
    MemberPreference,
    Progress,
    ReferralCredit,
    Surprise,
    SurpriseWin,
)
from challenges.services.impact import impact_total
from loyalty.models import Shop

ADMIN_MODELS = [
    Challenge,
    Progress,
    MemberBadge,
    ImpactEntry,
    Surprise,
    SurpriseWin,
    LeaderboardAward,
    Idea,
    ReferralCredit,
]


def test_the_demo_runs_challenges_impact_a_leaderboard_and_ideas(db):
    call_command("demo")
    shop = Shop.objects.get(slug="demo-cafe")
    assert Challenge.objects.filter(shop=shop).count() == 3
    assert ReferralCredit.objects.filter(shop=shop).exists(), "the referral program's approvals reached the fun"
    assert Progress.objects.filter(challenge__shop=shop).exists()
    assert impact_total(shop) > 0 and MemberBadge.objects.filter(shop=shop).exists()
    assert MemberPreference.objects.filter(member__shop=shop, leaderboard=True).exists()
    assert Idea.objects.filter(shop=shop).exclude(answer="").exists()
    counts = [model.objects.count() for model in (Progress, ImpactEntry, Idea, MemberBadge, ReferralCredit)]
    call_command("demo")
    assert [model.objects.count() for model in (Progress, ImpactEntry, Idea, MemberBadge, ReferralCredit)] == counts


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model.__name__)
def test_each_admin_list_opens_searches_and_changes_nothing(client, rf, db, model):
    call_command("demo")
    client.force_login(get_user_model().objects.create_superuser("support", "support@example.com", "x-long-pw-1"))
    url = reverse(f"admin:challenges_{model._meta.model_name}_changelist")
    assert client.get(url).status_code == 200 and client.get(url, {"q": "demo"}).status_code == 200
    request = rf.get("/")
    request.user = get_user_model()(is_superuser=True, is_staff=True, is_active=True)
    model_admin = admin.site._registry[model]
    assert not (model_admin.has_add_permission(request) or model_admin.has_change_permission(request))
    assert not model_admin.has_delete_permission(request)
