from django.urls import include, path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.dashboard, name="home"),
    path("welcome/", views.onboarding, name="onboarding"),
    path("switch/", views.shop_switch, name="shop_switch"),
    path("staff/", views.staff_list, name="staff"),
    path("staff/invite/", views.staff_invite, name="staff_invite"),
    path("staff/<int:membership_id>/role/", views.staff_role, name="staff_role"),
    path("staff/<int:membership_id>/remove/", views.staff_remove, name="staff_remove"),
    path("staff/invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("locations/", views.locations, name="locations"),
    path("locations/<int:location_id>/edit/", views.location_edit, name="location_edit"),
    path("rewards/", include("rewards.urls")),
]
