"""The import page's forms: the file, which column is which, and whether to skip invalid rows."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

FIELD_LABELS = {  # in the order of member_import.COLUMNS
    "phone": _("Phone"),
    "name": _("Name"),
    "email": _("Email"),
    "birthday": _("Birthday"),
    "points": _("Opening balance (points)"),
    "card_number": _("Card number"),
    "marketing_consent": _("Marketing consent"),
}


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Your customers as a CSV file"),
        help_text=_(
            "One customer a row, with a header row. Save from Excel or Google Sheets as “CSV UTF-8”; semicolons "
            "and UTF-16 work too."
        ),
    )


class ImportMappingForm(forms.Form):
    """One select per column of the file: which of the member's fields it holds, or nothing."""

    def __init__(self, *args, header: list[str], mapping: dict[int, str], labels: dict = FIELD_LABELS, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— leave out —")), *labels.items()]
        for index, name in enumerate(header):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=name or _("Column %(n)s") % {"n": index + 1},
                choices=choices,
                required=False,
                initial=mapping.get(index, ""),
            )

    def mapping(self) -> dict[int, str]:
        return {int(name.removeprefix("column_")): value for name, value in self.cleaned_data.items() if value}


class ImportStartForm(forms.Form):
    skip_invalid = forms.BooleanField(label=_("Import the valid rows and leave the invalid ones out"), required=False)
