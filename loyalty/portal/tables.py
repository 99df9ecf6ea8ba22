"""The portal's tables (DESIGN.md rule 5): django-tables2 subclasses of PortalTable, which gives them the
product's markup, and CSV export of what they show."""

import csv

import django_tables2 as tables
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

EXPORT_PARAMETER = "export"


class PortalTable(tables.Table):
    class Meta:
        template_name = "portal/partials/table.html"
        attrs = {"class": "table table--stack"}


def wants_csv(request) -> bool:
    return request.GET.get(EXPORT_PARAMETER) == "csv"


def csv_response(table: PortalTable, filename: str) -> HttpResponse:
    """The table's rows as CSV, with each column's plain value (columns marked exclude_from_export left out)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    writer = csv.writer(response)
    for row in table.as_values():
        writer.writerow(row)
    return response


class StaffTable(PortalTable):
    person = tables.TemplateColumn(template_name="portal/staff.html#person-cell", accessor="user__email",
                                   verbose_name=_("Person"))
    role = tables.TemplateColumn(template_name="portal/staff.html#role-cell", verbose_name=_("Role"))
    actions = tables.TemplateColumn(template_name="portal/staff.html#actions-cell", verbose_name=_("Actions"),
                                    exclude_from_export=True, attrs={"th": {"class": "visually-hidden"},
                                                                     "td": {"class": "actions"}})

    class Meta(PortalTable.Meta):
        orderable = False

    def __init__(self, data, *, is_owner: bool, **kwargs):
        """Only an owner sees the column with the controls."""
        super().__init__(data, exclude=() if is_owner else ("actions",), **kwargs)

    def value_person(self, record) -> str:
        return record.user.email

    def value_role(self, record) -> str:
        return record.get_role_display()
