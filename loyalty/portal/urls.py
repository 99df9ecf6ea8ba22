from django.urls import include, path

from .views import editors, history, imports, integrations, members, messages, printing, privacy, program, shops, start

app_name = "portal"
urlpatterns = [
    path("", shops.dashboard, name="home"),
    path("welcome/", shops.onboarding, name="onboarding"),
    path("start/", start.start, name="start"),
    path("switch/", shops.shop_switch, name="shop_switch"),
    path("settings/", shops.shop_settings, name="settings"),
    path("settings/branding/", shops.shop_branding, name="settings_branding"),
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
    path("program/history/", history.history, name="program_history"),
    path("program/history/<int:version_id>/", history.version_detail, name="program_version"),
    path("program/history/<int:version_id>/restore/", history.version_restore_view, name="program_version_restore"),
    path("members/", members.member_list, name="members"),
    path("members/new/", members.member_add, name="member_add"),
    path("members/import/", imports.member_import_new, name="member_import_new"),
    path("members/import/<int:import_id>/", imports.member_import_detail, name="member_import"),
    path("members/import/<int:import_id>/columns/", imports.member_import_mapping, name="member_import_mapping"),
    path("members/import/<int:import_id>/start/", imports.member_import_start, name="member_import_start"),
    path("members/import/<int:import_id>/errors.csv", imports.member_import_errors, name="member_import_errors"),
    path("members/<int:member_id>/", members.member_detail, name="member"),
    path("members/<int:member_id>/details/", members.member_details, name="member_details"),
    path("members/<int:member_id>/adjust/", members.member_adjust, name="member_adjust"),
    path("members/<int:member_id>/consent/", members.member_consent, name="member_consent"),
    path("members/<int:member_id>/data.json", privacy.member_data_export, name="member_data_export"),
    path("members/<int:member_id>/erase/", privacy.member_data_erase, name="member_data_erase"),
    path("members/<int:member_id>/cards/", printing.member_card_attach, name="member_card_attach"),
    path("cards/<int:card_id>/block/", printing.member_card_block, name="member_card_block"),
    path("print/", printing.print_home, name="print"),
    path("print/cards/", printing.print_cards, name="print_cards"),
    path("print/cards/<str:batch>.pdf", printing.card_sheet, name="print_card_sheet"),
    path("print/poster.pdf", printing.poster_pdf, name="print_poster_pdf"),
    path("print/poster.png", printing.poster_png, name="print_poster_png"),
    path("api-keys/", integrations.api_keys, name="api_keys"),
    path("api-keys/new/", integrations.api_key_create, name="api_key_create"),
    path("api-keys/<int:api_key_id>/revoke/", integrations.api_key_revoke, name="api_key_revoke"),
    path("api-keys/webhooks/", integrations.webhooks, name="webhooks"),
    path("api-keys/webhooks/<int:endpoint_id>/", integrations.webhook, name="webhook"),
    path("api-keys/webhooks/<int:endpoint_id>/secret/", integrations.webhook_secret, name="webhook_secret"),
    path("api-keys/webhooks/<int:endpoint_id>/disable/", integrations.webhook_disable, name="webhook_disable"),
    path("api-keys/webhooks/deliveries/<uuid:delivery_id>/resend/", integrations.webhook_resend, name="webhook_resend"),
    path("messages/", messages.message_list, name="messages"),
    path("messages/marketing-cap/", messages.marketing_cap, name="marketing_cap"),
    path("rewards/", include("rewards.urls")),
    # One pair of routes per editor (not an argument: an editor is part of the product, not a shop's object).
    *[
        route
        for code in editors.EDITORS
        for route in (
            path(f"program/edit/{code}/", editors.editor_page, {"code": code}, name=f"editor_{code}"),
            path(
                f"program/edit/{code}/preview/", editors.editor_preview, {"code": code}, name=f"editor_{code}_preview"
            ),
        )
    ],
]
