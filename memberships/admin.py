"""Support's read-only view of plans, memberships, their payments and monthly grants (changes go through
memberships.services)."""

from django.contrib import admin

from loyalty.admin import ReadOnlyAdmin

from .models import Checkout, Membership, MembershipPlan, MonthlyGrant, Pack, PackPurchase, Payment


@admin.register(MembershipPlan)
class MembershipPlanAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "shop", "period", "trial_days", "grace_days", "discount_percent", "active"]
    list_filter = ["period", "active"]
    list_select_related = ["shop"]
    search_fields = ["code", "name", "=shop__slug"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["member", "plan", "status", "started_at", "ends_at", "grace_ends_at", "cancel_at_period_end"]
    list_filter = ["status", "cancel_at_period_end"]
    list_select_related = ["member", "plan"]
    search_fields = ["member__phone", "=plan__code", "=shop__slug"]
    date_hierarchy = "ends_at"


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["membership", "plan", "price", "amount", "points", "method", "reference", "paid_at", "refunded_at"]
    list_filter = ["method"]
    list_select_related = ["membership__member", "plan"]
    search_fields = ["reference", "membership__member__phone", "=shop__slug"]
    date_hierarchy = "paid_at"


@admin.register(MonthlyGrant)
class MonthlyGrantAdmin(ReadOnlyAdmin):
    list_display = ["membership", "month", "reward_code", "voucher", "granted_at"]
    list_select_related = ["membership__member", "voucher"]
    search_fields = ["membership__member__phone", "reward_code"]


@admin.register(Checkout)
class CheckoutAdmin(ReadOnlyAdmin):
    list_display = ["reference", "member", "plan", "amount", "backend", "status", "created_at", "closed_at"]
    list_filter = ["status", "backend"]
    list_select_related = ["member", "plan"]
    search_fields = ["=reference", "member__phone", "external_id"]


@admin.register(Pack)
class PackAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "shop", "uses", "price", "valid_days", "active"]
    list_select_related = ["shop"]
    search_fields = ["code", "name", "=shop__slug"]


@admin.register(PackPurchase)
class PackPurchaseAdmin(ReadOnlyAdmin):
    list_display = ["member", "pack", "uses", "used", "amount", "bought_at", "expires_at"]
    list_select_related = ["member", "pack"]
    search_fields = ["member__phone", "=pack__code", "reference"]
