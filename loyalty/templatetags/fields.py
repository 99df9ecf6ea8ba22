"""`{{ form.phone|as_input:"type=tel autocomplete=tel dir=ltr" }}`: a field's input with the page's own attributes
(its type too), still linked by Django to its help and errors (aria-describedby, aria-invalid). For a page whose
form is defined elsewhere; templates/partials/field.html takes the result as `input`."""

from __future__ import annotations

import copy

from django import template

register = template.Library()


@register.filter
def as_input(field, spec: str):
    attrs = dict(pair.split("=", 1) if "=" in pair else (pair, True) for pair in spec.split())
    widget = copy.copy(field.field.widget)
    if "type" in attrs:
        widget.input_type = attrs.pop("type")
    return field.as_widget(widget=widget, attrs=attrs)
