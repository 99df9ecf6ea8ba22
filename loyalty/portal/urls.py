from django.urls import include, path

from .views import integrations, members, program, shops

app_name = "portal"
urlpatterns = [
    path("", shops.dashboard, name="home"),
    path("welcome/", shops.onboarding, name="onboarding"),
    path("switch/", shops.shop_switch, name="shop_switch"),
    path("staff/", shops.staff_list, name="staff"),
    path("staff/invite/", shops.staff_invite, name="staff_invite"),
    path("staff/<int:membership_id>/role/", shops.staff_role, name="staff_role"),
    path("staff/<int:membership_id>/remove/", shops.staff_remove, name="staff_remove"),
    path("staff/invitations/<int:invitation_id>/revoke/", shops.invitation_revoke, name="invitation_revoke"),
    path("invitations/<str:token>/", shops.invitation, name="invitation"),
    path("locations/", shops.locations, name="locations"),
    path("locations/<int:location_id>/edit/", shops.location_edit, name="location_edit"),
    path("program/", program.program, name="program"),
    path("program/export/", program.program_export, name="program_export"),
    path("program/import/", program.program_import, name="program_import"),
    path("program/template/", program.program_template, name="program_template"),
    path("members/", members.member_list, name="members"),
    path("members/<int:member_id>/", members.member_detail, name="member"),
    path("members/<int:member_id>/adjust/", members.member_adjust, name="member_adjust"),
    path("members/<int:member_id>/consent/", members.member_consent, name="member_consent"),
    path("api-keys/", integrations.api_keys, name="api_keys"),
    path("api-keys/new/", integrations.api_key_create, name="api_key_create"),
    path("api-keys/<int:api_key_id>/revoke/", integrations.api_key_revoke, name="api_key_revoke"),
    path("api-keys/webhooks/", integrations.webhooks, name="webhooks"),
    path("api-keys/webhooks/<int:endpoint_id>/", integrations.webhook, name="webhook"),
    path("api-keys/webhooks/<int:endpoint_id>/secret/", integrations.webhook_secret, name="webhook_secret"),
    path("api-keys/webhooks/<int:endpoint_id>/disable/", integrations.webhook_disable, name="webhook_disable"),
    path("api-keys/webhooks/deliveries/<uuid:delivery_id>/resend/", integrations.webhook_resend, name="webhook_resend"),
    path("rewards/", include("rewards.urls")),
]
