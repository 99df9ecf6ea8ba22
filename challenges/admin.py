"""Support's read-only view of challenges, progress, badges, the impact counter, surprise wins, leaderboard awards
and ideas (changes go through challenges.services)."""

from django.contrib import admin

from loyalty.admin import ReadOnlyAdmin

from .models import (
    Challenge,
    Idea,
    ImpactEntry,
    LeaderboardAward,
    MemberBadge,
    Progress,
    ReferralCredit,
    Surprise,
    SurpriseWin,
)


@admin.register(Challenge)
class ChallengeAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "shop", "goal_kind", "target", "starts", "ends", "active", "closed_at"]
    list_filter = ["goal_kind", "active"]
    list_select_related = ["shop"]
    search_fields = ["code", "name", "=shop__slug"]


@admin.register(Progress)
class ProgressAdmin(ReadOnlyAdmin):
    list_display = ["challenge", "member", "value", "completed_at"]
    list_select_related = ["challenge", "member"]
    search_fields = ["member__phone", "=challenge__code"]


@admin.register(ReferralCredit)
class ReferralCreditAdmin(ReadOnlyAdmin):
    list_display = ["referral_id", "member", "shop", "approved_at", "voided_at"]
    list_select_related = ["member", "shop"]
    search_fields = ["member__phone", "=shop__slug", "=referral_id"]


@admin.register(MemberBadge)
class MemberBadgeAdmin(ReadOnlyAdmin):
    list_display = ["member", "kind", "ref", "name", "earned_at"]
    list_filter = ["kind"]
    list_select_related = ["member"]
    search_fields = ["member__phone", "name"]


@admin.register(ImpactEntry)
class ImpactEntryAdmin(ReadOnlyAdmin):
    list_display = ["shop", "member", "source", "quantity", "occurred_at"]
    list_filter = ["source"]
    list_select_related = ["shop", "member"]
    search_fields = ["=shop__slug", "member__phone"]


@admin.register(Surprise)
class SurpriseAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "shop", "one_in", "reward", "active"]
    list_select_related = ["shop", "reward"]
    search_fields = ["code", "=shop__slug"]


@admin.register(SurpriseWin)
class SurpriseWinAdmin(ReadOnlyAdmin):
    list_display = ["surprise", "member", "purchase", "voucher", "won_at", "cancelled_by"]
    list_select_related = ["surprise", "member", "purchase", "voucher", "cancelled_by"]
    search_fields = ["member__phone", "purchase__external_id"]


@admin.register(LeaderboardAward)
class LeaderboardAwardAdmin(ReadOnlyAdmin):
    list_display = ["shop", "board", "month", "place", "member", "score", "voucher"]
    list_select_related = ["shop", "member", "voucher"]


@admin.register(Idea)
class IdeaAdmin(ReadOnlyAdmin):
    list_display = ["text", "shop", "member", "status", "votes", "hidden", "created_at"]
    list_filter = ["status", "hidden"]
    list_select_related = ["shop", "member"]
    search_fields = ["text", "=shop__slug"]
