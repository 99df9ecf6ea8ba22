"""Support's read-only view of referral programs, referrals and milestone rewards (changes go through
referrals.services)."""

from django.contrib import admin

from loyalty.admin import ReadOnlyAdmin

from .models import MilestoneAward, Referral, ReferralProgram


@admin.register(ReferralProgram)
class ReferralProgramAdmin(ReadOnlyAdmin):
    list_display = ["shop", "enabled", "referee_reward", "referrer_points", "review_days", "max_per_week"]
    list_filter = ["enabled"]
    list_select_related = ["shop", "referee_reward"]
    search_fields = ["=shop__slug"]


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ["referee", "referrer", "shop", "status", "reason", "review", "created_at", "due_at", "approved_at"]
    list_filter = ["status", "reason", "review", "channel"]
    list_select_related = ["referee", "referrer", "shop"]
    search_fields = ["referee__phone", "referrer__phone", "=referrer__referral_code", "=shop__slug"]
    date_hierarchy = "created_at"


@admin.register(MilestoneAward)
class MilestoneAwardAdmin(ReadOnlyAdmin):
    list_display = ["referrer", "count", "voucher", "at"]
    list_select_related = ["referrer", "voucher"]
    search_fields = ["referrer__phone", "=voucher__code"]
