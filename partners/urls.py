"""The partner program's pages, included at the site root (loyalty/urls.py) under the `partners` namespace:
partner links (p/), the partners' own pages and the public application form (partner/), the owners' pages
(portal/partners/)."""

from django.urls import path

from .views import partner_site, portal, portal_payouts, public

app_name = "partners"
urlpatterns = [
    path("p/<str:code>/", public.link, name="link"),
    path("p/<str:code>/<slug:slug>/", public.link_at, name="link_at"),
    path("partner/apply/<slug:slug>/", public.apply, name="apply"),
    path("partner/", partner_site.home, name="home"),
    path("partner/sign-in/", partner_site.sign_in, name="sign_in"),
    path("partner/<int:partner_id>/", partner_site.page, name="page"),
    path("partner/<int:partner_id>/qr.svg", partner_site.link_qr, name="page_qr"),
    path("partner/<int:partner_id>/payout-details/", partner_site.payout_details, name="page_payout_details"),
    path("partner/<int:partner_id>/statements/<int:payout_id>/", partner_site.statement, name="page_statement"),
    path("portal/partners/", portal.partner_list, name="partners"),
    path("portal/partners/new/", portal.partner_new, name="partner_new"),
    path("portal/partners/<int:partner_id>/", portal.partner_detail, name="partner"),
    path("portal/partners/<int:partner_id>/edit/", portal.partner_edit, name="partner_edit"),
    path("portal/partners/<int:partner_id>/active/", portal.partner_active, name="partner_active"),
    path("portal/partners/plans/", portal.plan_list, name="plans"),
    path("portal/partners/plans/<int:plan_id>/edit/", portal.plan_edit, name="plan_edit"),
    path("portal/partners/applications/", portal.application_list, name="applications"),
    path(
        "portal/partners/applications/<int:application_id>/approve/",
        portal.application_approve,
        name="application_approve",
    ),
    path(
        "portal/partners/applications/<int:application_id>/reject/",
        portal.application_reject,
        name="application_reject",
    ),
    path("portal/partners/commissions/", portal_payouts.commission_list, name="commissions"),
    path("portal/partners/payouts/", portal_payouts.payout_list, name="payouts"),
    path("portal/partners/<int:partner_id>/payouts/new/", portal_payouts.payout_new, name="payout_new"),
    path("portal/partners/payouts/<int:payout_id>/", portal_payouts.payout_detail, name="payout"),
    path("portal/partners/payouts/<int:payout_id>/qr.svg", portal_payouts.payout_qr, name="payout_qr"),
    path("portal/partners/payouts/<int:payout_id>/paid/", portal_payouts.payout_paid, name="payout_paid"),
    path(
        "portal/partners/payouts/<int:payout_id>/store-credit/",
        portal_payouts.payout_store_credit,
        name="payout_store_credit",
    ),
]
