"""The past-purchases import page's forms: the file and the columns' labels (the mapping and start forms are the
member import's, loyalty.portal.import_forms)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

PURCHASE_FIELD_LABELS = {  # in the order of purchase_import.COLUMNS
    "phone": _("Phone"),
    "card_number": _("Card number"),
    "amount": _("Amount"),
    "occurred_at": _("Date and time"),
    "receipt": _("Receipt number"),
    "location": _("Location"),
    "category": _("Category"),
}


class PurchaseImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Your customers' past purchases as a CSV file"),
        help_text=_(
            "One purchase a row, with a header row: the member's phone or card, the amount, the date. Save from "
            "Excel or Google Sheets as “CSV UTF-8”; semicolons and UTF-16 work too."
        ),
    )
