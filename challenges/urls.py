"""The fun's pages, included at the site root (loyalty/urls.py) under the `challenges` namespace: the shop's public
page (s/), the member's leaderboard choice (m/<shop>/leaderboard/), the owners' pages (portal/challenges/)."""

from django.urls import path

from .views import community, portal, portal_settings

app_name = "challenges"
urlpatterns = [
    path("s/<slug:slug>/", community.page, name="community"),
    path("s/<slug:slug>/ideas/", community.idea_new, name="idea_new"),
    path("s/<slug:slug>/ideas/<int:idea_id>/vote/", community.idea_vote_view, name="idea_vote"),
    path("m/<slug:slug>/leaderboard/", community.leaderboard_choice, name="leaderboard_choice"),
    path("portal/challenges/", portal.challenge_list, name="challenges"),
    path("portal/challenges/new/", portal.challenge_new, name="challenge_new"),
    path("portal/challenges/<int:challenge_id>/edit/", portal.challenge_edit, name="challenge_edit"),
    path("portal/challenges/<int:challenge_id>/active/", portal.challenge_active, name="challenge_active"),
    path("portal/challenges/community/", portal_settings.community_settings, name="community_settings"),
    path(
        "portal/challenges/surprises/<int:surprise_id>/active/",
        portal_settings.surprise_active,
        name="surprise_active",
    ),
    path("portal/challenges/prizes/<int:prize_id>/remove/", portal_settings.prize_delete, name="prize_delete"),
    path("portal/challenges/ideas/", portal.idea_list, name="ideas"),
    path("portal/challenges/ideas/<int:idea_id>/", portal.idea_moderate, name="idea_moderate"),
]
