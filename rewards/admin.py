"""Support's read-only view of the reward catalogue and vouchers (changes go through rewards.services)."""

from django.contrib import admin

from loyalty.admin import ReadOnlyAdmin
from rewards.models import Reward, Voucher


@admin.register(Reward)
class RewardAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "shop", "kind", "points", "value", "stock_left", "active"]
    list_filter = ["kind", "active", "shop"]
    list_select_related = ["shop"]
    search_fields = ["name", "code", "shop__name", "=shop__slug"]


@admin.register(Voucher)
class VoucherAdmin(ReadOnlyAdmin):
    list_display = ["code", "shop", "reward", "member", "status", "source", "issued_at", "expires_at", "used_at"]
    list_filter = ["status", "source"]
    list_select_related = ["shop", "reward", "member"]
    search_fields = ["code", "member__phone", "=shop__slug"]
    date_hierarchy = "issued_at"
    show_full_result_count = False
