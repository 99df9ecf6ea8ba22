"""Support's read-only view of partners, their customers, commissions and payouts (changes go through
partners.services)."""

from django.contrib import admin

from loyalty.admin import ReadOnlyAdmin

from .models import Application, Binding, CodeUse, Commission, Partner, Payout, Plan


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin):
    list_display = ["code", "shop", "kind", "percent", "months", "hold_days", "min_payout", "active"]
    list_filter = ["kind", "active"]
    list_select_related = ["shop"]
    search_fields = ["code", "=shop__slug"]


@admin.register(Partner)
class PartnerAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "shop", "plan", "email", "phone", "active"]
    list_filter = ["active", "payout_method"]
    list_select_related = ["shop", "plan"]
    search_fields = ["name", "=key", "email", "phone", "=shop__slug"]


@admin.register(Binding)
class BindingAdmin(ReadOnlyAdmin):
    list_display = ["member", "partner", "source", "bound_at"]
    list_filter = ["source"]
    list_select_related = ["member", "partner"]
    search_fields = ["member__phone", "=partner__key"]
    date_hierarchy = "bound_at"


@admin.register(CodeUse)
class CodeUseAdmin(ReadOnlyAdmin):
    list_display = ["member", "partner", "source", "outcome", "at"]
    list_filter = ["outcome", "source"]
    list_select_related = ["member", "partner"]
    search_fields = ["member__phone", "=partner__key"]


@admin.register(Commission)
class CommissionAdmin(ReadOnlyAdmin):
    list_display = ["pk", "partner", "kind", "status", "base", "percent", "amount", "occurred_at", "payout"]
    list_filter = ["kind", "status"]
    list_select_related = ["partner", "payout"]
    search_fields = ["=partner__key", "purchase__external_id"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ["label", "partner", "amount", "status", "method", "reference", "created_at", "paid_at"]
    list_filter = ["status", "method"]
    list_select_related = ["partner"]
    search_fields = ["=partner__key", "reference"]


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["name", "email", "shop", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["shop"]
    search_fields = ["name", "email", "=shop__slug"]
