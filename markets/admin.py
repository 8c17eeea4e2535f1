from django.contrib import admin

from markets.models import Market, Shop


@admin.register(Market)
class MarketAdmin(admin.ModelAdmin):
    list_display = ["name", "cluster", "federation", "address"]
    search_fields = ["name"]
    autocomplete_fields = ["cluster", "federation"]
    list_select_related = ["cluster", "federation"]


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ["business_name", "market", "stall_number", "floor", "category"]
    list_filter = ["category", "market"]
    search_fields = ["business_name", "stall_number"]
    autocomplete_fields = ["market"]
    list_select_related = ["market"]
