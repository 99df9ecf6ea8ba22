"""Support's view of the data. Everything is read-only: every change goes through a service (rule 1), and the
portal, the counter and the API are where people make them. The one change support makes here, merging a
customer who enrolled twice, is an action that calls members_merge."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from loyalty.errors import DomainError
from loyalty.models import (
    Account,
    Allocation,
    ApiKey,
    ConsentChange,
    Invitation,
    LedgerEntry,
    Location,
    Member,
    Message,
    Purchase,
    Refund,
    Shop,
    StaffMembership,
)
from loyalty.services.ledger import Actor
from loyalty.services.members import members_merge


class ReadOnly:
    """Shows and searches; adds, changes and deletes nothing (so no admin action can bypass a service)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    pass


class ReadOnlyInline(ReadOnly, admin.TabularInline):
    extra = 0
    show_change_link = True


class LocationInline(ReadOnlyInline):
    model = Location
    fields = ["code", "name"]


@admin.display(description=_("person"), ordering="user__email")
def person(membership: StaffMembership) -> str:
    """People are known by their email address (allauth makes up their usernames)."""
    return membership.user.email


class StaffInline(ReadOnlyInline):
    model = StaffMembership
    fields = [person, "role"]
    readonly_fields = [person]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


@admin.register(Shop)
class ShopAdmin(ReadOnlyAdmin):
    list_display = ["name", "slug", "country", "currency", "timezone", "language", "created_at"]
    list_filter = ["country", "currency", "language"]
    search_fields = ["name", "slug"]
    date_hierarchy = "created_at"
    inlines = [LocationInline, StaffInline]


@admin.register(Location)
class LocationAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "shop"]
    list_filter = ["shop"]
    list_select_related = ["shop"]
    search_fields = ["name", "code", "shop__name", "shop__slug"]


@admin.register(StaffMembership)
class StaffMembershipAdmin(ReadOnlyAdmin):
    list_display = [person, "shop", "role", "created_at"]
    list_filter = ["role", "shop"]
    list_select_related = ["user", "shop"]
    search_fields = ["user__email", "user__username", "shop__name", "shop__slug"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["email", "shop", "role", "invited_by", "created_at", "accepted_at"]
    list_filter = ["role", ("accepted_at", admin.EmptyFieldListFilter), "shop"]
    list_select_related = ["shop", "invited_by"]
    search_fields = ["email", "shop__name", "shop__slug"]
    exclude = ["token"]  # the token is the invitee's key to join the shop


def domain_error_text(error: DomainError) -> str:
    """The service's message with what it says about each value ("duplicate: was already merged")."""
    details = "; ".join(f"{field}: {message}" for field, message in error.fields.items())
    return f"{error.message} ({details})" if details else error.message


@admin.action(description=_("Merge duplicates"))
def merge_duplicates(modeladmin, request, queryset):
    """Two members of one shop who are the same customer: asks which to keep, then merges the other into it."""
    members = list(queryset.select_related("shop", "account__tier").order_by("created_at")[:3])
    if len(members) != 2:
        modeladmin.message_user(request, gettext_now("Select exactly two members to merge."), messages.ERROR)
        return None
    first, second = members
    if first.shop_id != second.shop_id:
        modeladmin.message_user(
            request,
            gettext_now("These members belong to different shops: only members of the same shop can be merged."),
            messages.ERROR,
        )
        return None
    if first.merged_into_id or second.merged_into_id:
        modeladmin.message_user(request, gettext_now("One of these members was merged already."), messages.ERROR)
        return None
    keep_id = request.POST.get("keep")
    if request.POST.get("post") == "yes" and keep_id in (str(first.pk), str(second.pk)):
        keep, duplicate = (first, second) if keep_id == str(first.pk) else (second, first)
        try:
            members_merge(keep=keep, duplicate=duplicate, actor=Actor(shop=keep.shop, staff=request.user))
        except DomainError as error:
            modeladmin.message_user(request, domain_error_text(error), messages.ERROR)
        else:
            modeladmin.message_user(
                request,
                gettext_now("%(duplicate)s was merged into %(keep)s.")
                % {"duplicate": f"{duplicate} ({duplicate.phone})", "keep": f"{keep} ({keep.phone})"},
                messages.SUCCESS,
            )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": gettext_now("Merge duplicate members"),
        "opts": modeladmin.model._meta,
        "members": members,
        "keep": keep_id or str(first.pk),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/loyalty/member/merge_duplicates.html", context)


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "phone", "email", "shop", "created_at"]
    list_filter = ["marketing_consent", ("erased_at", admin.EmptyFieldListFilter)]
    list_select_related = ["shop"]
    search_fields = ["phone", "email", "name", "referral_code", "cards__number", "=shop__slug"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = [merge_duplicates]


@admin.register(ConsentChange)
class ConsentChangeAdmin(ReadOnlyAdmin):
    list_display = ["member", "granted", "source", "at", "by"]
    list_filter = ["granted", "source"]
    list_select_related = ["member", "by"]
    search_fields = ["=member__id", "member__phone"]
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    """Support answers "did the customer get it?": every message with its status, attempts and last error."""

    list_display = ["event", "channel", "to", "status", "attempts", "shop", "created_at", "sent_at"]
    list_filter = ["status", "channel", "kind", "event"]
    list_select_related = ["shop"]
    search_fields = ["to", "=member__id", "=shop__slug"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "program", "points_balance", "lifetime_earned", "wallet_balance", "tier", "closed_at"]
    list_select_related = ["program", "tier"]
    search_fields = ["members__phone", "members__email"]
    show_full_result_count = False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "shop", "account", "kind", "points", "remaining", "expires_at", "source"]
    list_filter = ["kind"]
    list_select_related = ["shop", "account"]
    search_fields = ["account__members__phone", "purchase__external_id", "event_key", "=shop__slug"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ["entry", "lot", "points"]
    list_select_related = ["entry", "lot"]
    search_fields = ["=entry__id", "=lot__id"]
    show_full_result_count = False


@admin.register(Purchase)
class PurchaseAdmin(ReadOnlyAdmin):
    list_display = ["external_id", "shop", "member", "amount", "refunded_amount", "points_earned", "occurred_at"]
    list_filter = ["payment_method"]
    list_select_related = ["shop", "member"]
    search_fields = ["external_id", "member__phone", "=shop__slug"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["external_id", "shop", "purchase", "amount", "points_reversed", "created_at"]
    list_select_related = ["shop", "purchase"]
    search_fields = ["external_id", "purchase__external_id", "=shop__slug"]
    date_hierarchy = "created_at"


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    list_display = ["name", "prefix", "shop", "location", "role", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["role", ("revoked_at", admin.EmptyFieldListFilter), "shop"]
    list_select_related = ["shop", "location"]
    search_fields = ["name", "prefix", "shop__name"]
    exclude = ["key_hash"]
