"""The membership pages, included at the site root (loyalty/urls.py) under the `memberships` namespace: the
counter's actions (counter/memberships/) and the owners' pages (portal/memberships/)."""

from django.urls import path

from .views import counter, member, portal

app_name = "memberships"
urlpatterns = [
    path("counter/memberships/<int:member_id>/sell/", counter.sell, name="counter_sell"),
    path("counter/memberships/<int:member_id>/cancel/", counter.cancel, name="counter_cancel"),
    path("counter/memberships/<int:member_id>/trial/", counter.trial, name="counter_trial"),
    path("counter/memberships/checkouts/<int:checkout_id>/confirm/", counter.checkout_confirm, name="counter_confirm"),
    path("counter/memberships/<int:member_id>/packs/sell/", counter.pack_sell, name="counter_pack_sell"),
    path("counter/memberships/packs/<int:pack_purchase_id>/use/", counter.pack_use_view, name="counter_pack_use"),
    path(
        "counter/memberships/<int:member_id>/allowances/use/", counter.allowance_use_view, name="counter_allowance_use"
    ),
    path(
        "counter/memberships/packs/<int:pack_purchase_id>/refund/", counter.pack_refund_view, name="counter_pack_refund"
    ),
    path("m/<slug:slug>/membership/buy/", member.buy, name="buy"),
    path("m/<slug:slug>/membership/trial/", member.trial, name="trial"),
    path("m/<slug:slug>/membership/checkout/<str:reference>/", member.checkout_page, name="checkout"),
    path("m/<slug:slug>/membership/checkout/<str:reference>/test-pay/", member.test_pay, name="test_pay"),
    path("memberships/webhooks/<str:backend>/", member.webhook, name="payment_webhook"),
    path("portal/memberships/", portal.plan_list, name="plans"),
    path("portal/memberships/new/", portal.plan_new, name="plan_new"),
    path("portal/memberships/<int:membership_plan_id>/", portal.plan_detail, name="plan"),
    path("portal/memberships/<int:membership_plan_id>/edit/", portal.plan_edit, name="plan_edit"),
]
