"""The referral program's pages, included at the site root (loyalty/urls.py) under the `referrals` namespace:
referral links (r/), the member's vanity code (m/<shop>/referral-code/), the owners' pages (portal/referrals/)."""

from django.urls import path

from .views import member, portal, public

app_name = "referrals"
urlpatterns = [
    path("r/<str:code>/", public.link, name="link"),
    path("m/<slug:slug>/referral-code/", member.vanity, name="vanity"),
    path("m/<slug:slug>/referral-leaderboard/", member.leaderboard, name="leaderboard"),
    path("portal/referrals/", portal.referral_list, name="referrals"),
    path("portal/referrals/review/", portal.review, name="review"),
    path("portal/referrals/<int:referral_id>/clear/", portal.review_clear, name="review_clear"),
    path("portal/referrals/<int:referral_id>/reject/", portal.review_reject, name="review_reject"),
    path("portal/referrals/funnel/", portal.funnel_page, name="funnel"),
    path("portal/referrals/settings/", portal.settings, name="settings"),
]
