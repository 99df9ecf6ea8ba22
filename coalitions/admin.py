from django.contrib import admin

from .models import Coalition, CoalitionShop


class CoalitionShopInline(admin.TabularInline):
    model = CoalitionShop
    extra = 0
    raw_id_fields = ["shop"]


@admin.register(Coalition)
class CoalitionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "currency", "settlement_period"]
    search_fields = ["code", "name"]
    inlines = [CoalitionShopInline]
