"""The membership pages, included at the site root (loyalty/urls.py) under the `memberships` namespace: the
counter's actions (counter/memberships/) and the owners' pages (portal/memberships/)."""

from django.urls import path

from .views import counter, portal

app_name = "memberships"
urlpatterns = [
    path("counter/memberships/<int:member_id>/sell/", counter.sell, name="counter_sell"),
    path("counter/memberships/<int:member_id>/cancel/", counter.cancel, name="counter_cancel"),
    path("portal/memberships/", portal.plan_list, name="plans"),
    path("portal/memberships/new/", portal.plan_new, name="plan_new"),
    path("portal/memberships/<int:membership_plan_id>/", portal.plan_detail, name="plan"),
    path("portal/memberships/<int:membership_plan_id>/edit/", portal.plan_edit, name="plan_edit"),
]
