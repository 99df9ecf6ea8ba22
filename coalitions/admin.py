from django.contrib import admin

from .models import AccountSplit, Coalition, CoalitionInvitation, CoalitionShop


class CoalitionShopInline(admin.TabularInline):
    model = CoalitionShop
    extra = 0
    raw_id_fields = ["shop"]


@admin.register(Coalition)
class CoalitionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "currency", "settlement_period"]
    search_fields = ["code", "name"]
    inlines = [CoalitionShopInline]


@admin.register(CoalitionInvitation)
class CoalitionInvitationAdmin(admin.ModelAdmin):
    list_display = ["coalition", "shop", "status", "created_at", "expires_at"]
    list_filter = ["status"]
    raw_id_fields = ["shop", "invited_by_shop", "invited_by", "decided_by"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # decided in the portal only (services/forming.py)


@admin.register(AccountSplit)
class AccountSplitAdmin(admin.ModelAdmin):
    list_display = ["term", "member", "shared_account", "own_account", "at"]
    raw_id_fields = ["term", "member", "shared_account", "own_account"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # history of a leaving

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
