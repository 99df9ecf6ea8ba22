"""The insights pages, under the portal: the dashboard (and its CSV), segments and campaigns."""

from django.urls import path

from .views import campaigns, dashboard, segments

app_name = "insights"
urlpatterns = [
    path("portal/insights/", dashboard.dashboard, name="dashboard"),
    path("portal/insights/report.csv", dashboard.report_csv, name="report_csv"),
    path("portal/insights/segments/", segments.segment_list, name="segments"),
    path("portal/insights/segments/new/", segments.segment_new, name="segment_new"),
    path("portal/insights/segments/<int:segment_id>/", segments.segment_detail, name="segment"),
    path("portal/insights/segments/<int:segment_id>/delete/", segments.segment_delete_view, name="segment_delete"),
    path("portal/insights/segments/rfm/", segments.rfm_members, name="rfm_segment"),
    path("portal/insights/campaigns/", campaigns.campaign_list, name="campaigns"),
    path("portal/insights/campaigns/new/", campaigns.campaign_new, name="campaign_new"),
    path("portal/insights/campaigns/<int:campaign_id>/", campaigns.campaign_detail, name="campaign"),
    path("portal/insights/campaigns/<int:campaign_id>/cancel/", campaigns.campaign_cancel_view, name="campaign_cancel"),
]
