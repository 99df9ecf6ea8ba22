"""Support's read-only view of scores, segments and campaigns (changes go through insights.services)."""

from django.contrib import admin

from loyalty.admin import ReadOnlyAdmin

from .models import Campaign, CampaignMember, RfmScore, Segment, SegmentCount


@admin.register(RfmScore)
class RfmScoreAdmin(ReadOnlyAdmin):
    list_display = ["member", "shop", "segment", "recency", "frequency", "monetary", "visits", "spend", "as_of"]
    list_filter = ["segment"]
    list_select_related = ["member", "shop"]
    search_fields = ["member__phone", "=shop__slug"]


@admin.register(Segment)
class SegmentAdmin(ReadOnlyAdmin):
    list_display = ["name", "shop", "match", "created_at"]
    list_select_related = ["shop"]
    search_fields = ["name", "=shop__slug"]


@admin.register(SegmentCount)
class SegmentCountAdmin(ReadOnlyAdmin):
    list_display = ["shop", "day", "key", "members"]
    list_select_related = ["shop"]
    search_fields = ["=shop__slug", "key"]
    date_hierarchy = "day"


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ["name", "shop", "status", "send_at", "started_at", "sent_at", "holdout_percent", "points"]
    list_filter = ["status"]
    list_select_related = ["shop"]
    search_fields = ["name", "=shop__slug"]


@admin.register(CampaignMember)
class CampaignMemberAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "member", "group", "handled_at"]
    list_filter = ["group"]
    list_select_related = ["campaign", "member"]
    search_fields = ["member__phone", "campaign__name"]
