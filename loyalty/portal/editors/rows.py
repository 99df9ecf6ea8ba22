"""Editors of lists (campaigns, tier levels, stamp cards): a Django formset of rows inside a form of the list's
own settings. A row's error is reported with its row and field ("Level 2 · Threshold: …"), so the preview and
the form name what to correct."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class RowForm(forms.Form):
    """One row; empty rows (the spare one at the end) are left out, a row ticked for removal too."""

    def to_document(self, currency: str) -> dict:
        raise NotImplementedError

    @classmethod
    def initial_from(cls, row: dict) -> dict:
        raise NotImplementedError


class RowsForm(forms.Form):
    """The list's own settings as fields, its rows as `self.rows` (a formset, prefix "rows")."""

    row_form: type[RowForm]
    row_name = _("Row")
    extra = 1

    def __init__(self, data=None, *, initial=None, currency: str, **kwargs):
        initial = dict(initial or {})
        rows = initial.pop("rows", [])
        super().__init__(data, initial=initial, **kwargs)
        self.currency = currency
        formset = forms.formset_factory(self.row_form, extra=self.extra, can_delete=True)
        self.rows = formset(data, initial=rows, prefix="rows", form_kwargs=self.row_kwargs())

    def row_kwargs(self) -> dict:
        return {}

    def kept_rows(self) -> list[RowForm]:
        return (
            [row for row in self.rows.forms if row.has_changed() and not row.cleaned_data.get("DELETE")]
            if self.rows.is_valid()
            else []
        )

    def full_clean(self):
        super().full_clean()
        if not self.is_bound:
            return
        for number, row in enumerate(self.rows.forms, start=1):
            if not row.has_changed() or (row.is_valid() and row.cleaned_data.get("DELETE")):
                continue
            for name, errors in row.errors.items():
                label = row.fields[name].label if name in row.fields else ""
                for error in errors:
                    self.add_error(
                        None,
                        f"{self.row_name} {number} · {label}: {error}"
                        if label
                        else f"{self.row_name} {number}: {error}",
                    )
        for error in self.rows.non_form_errors():
            self.add_error(None, error)

    def rows_document(self) -> list[dict]:
        return [row.to_document(self.currency) for row in self.kept_rows()]


def codes_text(values: list[str]) -> str:
    return ", ".join(values)


def codes_list(text: str) -> list[str]:
    return [item.strip() for item in (text or "").split(",") if item.strip()]
