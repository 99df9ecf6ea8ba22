"""The portal's tables (DESIGN.md rule 5): django-tables2 subclasses of PortalTable, which gives them the
product's markup, and CSV export of what they show."""

import csv
import re

import django_tables2 as tables
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.functional import cached_property
from django.utils.text import Truncator
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from loyalty.labels import entry_description
from loyalty.money import format_money
from loyalty.services.members import phone_grouped
from loyalty.services.notifications import EVENTS, SKIP_REASONS

EXPORT_PARAMETER = "export"
# A spreadsheet runs a cell that starts with one of these as a formula ("=HYPERLINK(…)" typed as a member's name).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER_LIKE = re.compile(r"[+-]?[0-9][0-9 .,]*")
SNIPPET_LENGTH = 80


class PortalTable(tables.Table):
    class Meta:
        template_name = "portal/partials/table.html"
        attrs = {"class": "table table--stack"}


def actions_column(template_name: str) -> tables.TemplateColumn:
    """A row's buttons: a partial's cell, never exported, its header read only by screen readers."""
    return tables.TemplateColumn(
        template_name=template_name,
        verbose_name=_("Actions"),
        exclude_from_export=True,
        attrs={"th": {"class": "visually-hidden"}, "td": {"class": "actions"}},
    )


def wants_csv(request) -> bool:
    return request.GET.get(EXPORT_PARAMETER) == "csv"


def csv_url(request) -> str:
    """This page's address with its filters and ordering, asking for the CSV (of every row, not one page)."""
    query = request.GET.copy()
    query.pop("page", None)
    query[EXPORT_PARAMETER] = "csv"
    return f"{request.path}?{query.urlencode()}"


def csv_response(table: PortalTable, filename: str) -> HttpResponse:
    """The table's rows as CSV, with each column's plain value (columns marked exclude_from_export left out)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    writer = csv.writer(response)
    for row in table.as_values():
        writer.writerow([csv_cell(value) for value in row])
    return response


def csv_cell(value):
    """The value as a spreadsheet shows it and never runs: text that would start a formula gets a leading
    apostrophe (OWASP's advice); numbers and phone numbers ("-5", "+84 901 234 567") stay as they are: without
    letters or a formula's signs they cannot call anything."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS) or NUMBER_LIKE.fullmatch(value):
        return value
    return "'" + value


class BoundedPaginator(Paginator):
    """Counts at most COUNT_LIMIT rows (one `COUNT(*)` over a `LIMIT`, however many match), so a page of a
    100,000-member table costs what a page of a small one does; past the limit the page says "10,000+" and
    offers the pages up to it (the search and the filters narrow what is beyond)."""

    COUNT_LIMIT = 10_000

    @cached_property
    def count(self) -> int:
        queryset = getattr(getattr(self.object_list, "data", None), "data", None)  # the table's rows' queryset
        if isinstance(queryset, QuerySet):
            found = queryset.order_by().values("pk")[: self.COUNT_LIMIT + 1].count()
        else:
            found = len(self.object_list)
        self.capped = found > self.COUNT_LIMIT
        return min(found, self.COUNT_LIMIT)

    capped = False


def bounded_pages(per_page: int) -> dict:
    """RequestConfig's `paginate` for a table that may hold a whole shop's rows."""
    return {"per_page": per_page, "paginator_class": BoundedPaginator}


class StaffTable(PortalTable):
    person = tables.TemplateColumn(
        template_name="portal/staff.html#person-cell", accessor="user__email", verbose_name=_("Person")
    )
    role = tables.TemplateColumn(template_name="portal/staff.html#role-cell", verbose_name=_("Role"))
    actions = actions_column("portal/staff.html#actions-cell")

    class Meta(PortalTable.Meta):
        orderable = False

    def __init__(self, data, *, is_owner: bool, **kwargs):
        """Only an owner sees the column with the controls."""
        super().__init__(data, exclude=() if is_owner else ("actions",), **kwargs)

    def value_person(self, record) -> str:
        return record.user.email

    def value_role(self, record) -> str:
        return record.get_role_display()


class SelectColumn(tables.CheckBoxColumn):
    """A row's checkbox for a bulk action (its input belongs to the bulk form by its `form` attribute)."""

    @property
    def header(self):
        return _("Select")


class MemberTable(PortalTable):
    select = SelectColumn(
        accessor="pk",
        exclude_from_export=True,
        orderable=False,
        attrs={"input": {"name": "ids", "form": "bulk-form"}, "td": {"class": "select"}},
    )
    name = tables.TemplateColumn(
        template_name="portal/members.html#name-cell", verbose_name=_("Name"), order_by=("name", "phone")
    )
    phone = tables.Column(verbose_name=_("Phone"))
    email = tables.Column(verbose_name=_("Email"), visible=False)  # in the CSV only: the list stays narrow
    card_number = tables.Column(verbose_name=_("Card"), orderable=False, default="—")
    tier = tables.Column(
        verbose_name=_("Tier"), accessor="account__tier__name", default="—", order_by=("account__tier__threshold",)
    )
    points = tables.Column(
        verbose_name=_("Points"),
        accessor="account__points_balance",
        attrs={"td": {"class": "number"}, "th": {"class": "number"}},
    )
    last_visit = tables.DateColumn(
        verbose_name=_("Last visit"), accessor="account__last_purchase_at", short=True, default="—"
    )
    created_at = tables.DateColumn(verbose_name=_("Joined"), short=True)

    class Meta(PortalTable.Meta):
        order_by = ("-created_at",)
        empty_text = _("No members match.")

    def __init__(self, data, *, selectable: bool = False, **kwargs):
        """The checkboxes of a bulk action only for those who may act on a selection (managers, owners)."""
        super().__init__(data, exclude=() if selectable else ("select",), **kwargs)

    def render_phone(self, value, record) -> str:
        return _("erased") if record.erased_at else phone_grouped(value)

    def value_name(self, record) -> str:
        return record.name

    def value_email(self, record) -> str:
        return record.email

    def value_created_at(self, value) -> str:
        return localtime(value).date().isoformat()

    def value_last_visit(self, value) -> str:
        return localtime(value).date().isoformat() if value else ""


class LedgerTable(PortalTable):
    occurred_at = tables.DateTimeColumn(verbose_name=_("When"), short=True)
    kind = tables.Column(verbose_name=_("What"))
    points = tables.Column(verbose_name=_("Points"), attrs={"td": {"class": "number"}, "th": {"class": "number"}})
    reason = tables.Column(verbose_name=_("Reason"), empty_values=())
    who = tables.Column(verbose_name=_("Who"), empty_values=(), orderable=False)

    class Meta(PortalTable.Meta):
        orderable = False
        empty_text = _("No points yet.")

    def __init__(self, data, *, reward_names: dict[str, str], **kwargs):
        super().__init__(data, **kwargs)
        self.reward_names = reward_names

    def render_points(self, record) -> str:
        return f"{record.shown_points:+d}"

    def render_reason(self, record) -> str:
        return entry_description(record, self.reward_names) or "—"

    def render_who(self, record) -> str:
        if record.staff_id:
            return record.staff.email
        if record.api_key_id:
            return _("API key %(name)s") % {"name": record.api_key.name}
        return "—"


class PurchaseTable(PortalTable):
    occurred_at = tables.DateTimeColumn(verbose_name=_("When"), short=True)
    external_id = tables.Column(verbose_name=_("Receipt"))
    amount = tables.Column(verbose_name=_("Amount"), attrs={"td": {"class": "number"}, "th": {"class": "number"}})
    points_earned = tables.Column(
        verbose_name=_("Points earned"), attrs={"td": {"class": "number"}, "th": {"class": "number"}}
    )
    refunded_amount = tables.Column(
        verbose_name=_("Refunded"), attrs={"td": {"class": "number"}, "th": {"class": "number"}}
    )
    location = tables.Column(verbose_name=_("Location"), default="—")

    class Meta(PortalTable.Meta):
        orderable = False
        empty_text = _("No purchases yet.")

    def __init__(self, data, *, currency: str, locale: str, **kwargs):
        super().__init__(data, **kwargs)
        self.currency, self.locale = currency, locale

    def render_amount(self, value) -> str:
        return format_money(value, self.currency, self.locale)

    def render_refunded_amount(self, value) -> str:
        return format_money(value, self.currency, self.locale) if value else "—"

    def render_points_earned(self, value, record):
        # A past purchase brought in from the shop's old system earned nothing here.
        return _("imported") if record.imported else value


class ApiKeyTable(PortalTable):
    name = tables.Column(verbose_name=_("Name"))
    role = tables.Column(verbose_name=_("Role"))
    location = tables.Column(verbose_name=_("Location"), default=_("Any location"))
    prefix = tables.Column(verbose_name=_("Key"))
    created_at = tables.DateTimeColumn(verbose_name=_("Created"), short=True)
    last_used_at = tables.DateTimeColumn(verbose_name=_("Last used"), short=True, default=_("Never"))
    revoked_at = tables.DateTimeColumn(verbose_name=_("Revoked"), short=True, default="—")
    actions = actions_column("portal/api_keys.html#actions-cell")

    class Meta(PortalTable.Meta):
        orderable = False
        empty_text = _("No API keys yet.")
        row_attrs = {"class": lambda record: "revoked" if record.revoked_at else ""}

    def render_prefix(self, value) -> str:
        return f"{value}…"


class EndpointTable(PortalTable):
    url = tables.TemplateColumn(template_name="portal/webhooks.html#url-cell", verbose_name=_("Address"))
    events = tables.Column(verbose_name=_("Events"))
    active = tables.Column(verbose_name=_("Status"))
    deliveries_total = tables.Column(
        verbose_name=_("Deliveries"), attrs={"td": {"class": "number"}, "th": {"class": "number"}}
    )
    deliveries_failed = tables.Column(
        verbose_name=_("Failed"), attrs={"td": {"class": "number"}, "th": {"class": "number"}}
    )
    created_at = tables.DateTimeColumn(verbose_name=_("Created"), short=True)

    class Meta(PortalTable.Meta):
        orderable = False
        empty_text = _("No endpoints yet.")

    def value_url(self, record) -> str:
        return record.url

    def render_events(self, value) -> str:
        return ", ".join(value) if value else _("Every event")

    def render_active(self, value) -> str:
        return _("Active") if value else _("Disabled")


class DeliveryTable(PortalTable):
    created_at = tables.DateTimeColumn(verbose_name=_("Created"), short=True)
    event = tables.Column(verbose_name=_("Event"))
    status = tables.Column(verbose_name=_("Status"))
    attempts = tables.Column(verbose_name=_("Attempts"), attrs={"td": {"class": "number"}, "th": {"class": "number"}})
    last_status_code = tables.Column(verbose_name=_("Answer"), default="—")
    response = tables.Column(
        verbose_name=_("Response or error"), empty_values=(), orderable=False, attrs={"td": {"class": "snippet"}}
    )
    next_attempt_at = tables.DateTimeColumn(verbose_name=_("Next attempt"), short=True, default="—")
    actions = actions_column("portal/webhook.html#resend-cell")

    class Meta(PortalTable.Meta):
        orderable = False
        empty_text = _("No deliveries yet. Events are sent here as they happen.")

    def render_response(self, record) -> str:
        text = record.last_error or record.last_response
        return Truncator(" ".join(text.split())).chars(SNIPPET_LENGTH) if text else "—"


class MessageTable(PortalTable):
    created_at = tables.DateTimeColumn(verbose_name=_("When"), short=True)
    member = tables.TemplateColumn(
        template_name="portal/messages.html#member-cell", verbose_name=_("Member"), orderable=False
    )
    event = tables.Column(verbose_name=_("Message"))
    channel = tables.Column(verbose_name=_("Channel"))
    to = tables.Column(verbose_name=_("To"), default="—")
    status = tables.Column(verbose_name=_("Status"))
    reason = tables.Column(
        verbose_name=_("Why not sent, or the error"), default="—", orderable=False, attrs={"td": {"class": "snippet"}}
    )
    attempts = tables.Column(verbose_name=_("Attempts"), attrs={"td": {"class": "number"}, "th": {"class": "number"}})
    sent_at = tables.DateTimeColumn(verbose_name=_("Sent"), short=True, default="—")

    class Meta(PortalTable.Meta):
        orderable = False
        empty_text = _("No messages match.")

    def render_event(self, value) -> str:
        return str(EVENTS[value].label) if value in EVENTS else value

    def render_reason(self, value) -> str:
        return str(SKIP_REASONS.get(value, Truncator(value).chars(SNIPPET_LENGTH)))

    def value_member(self, record) -> str:
        return record.member.name or record.member.phone
