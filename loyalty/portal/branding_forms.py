"""The shop's branding on the settings page: a logo and two colours. The colours' rules are checked by
loyalty.services.branding (loyalty/branding.py says what they are); this form checks the upload."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from loyalty.services.branding import logo_problem

COLOUR_ATTRS = {
    "maxlength": "7",
    "dir": "ltr",
    "placeholder": "#0f766e",
    "pattern": "#[0-9a-fA-F]{6}",
    "spellcheck": "false",
}


class BrandingForm(forms.Form):
    logo = forms.ImageField(
        label=_("Logo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
        help_text=_(
            "A JPEG, PNG or WebP image, at most 5 MB; a square one with a transparent background looks best. "
            "It is kept at most 512 pixels wide and shown on the join page, the member pages, the cards and "
            "the poster."
        ),
    )
    logo_remove = forms.BooleanField(label=_("Remove the logo"), required=False)
    brand_primary = forms.CharField(
        label=_("Main colour"),
        required=False,
        max_length=50,  # the service says what a colour looks like
        widget=forms.TextInput(attrs=COLOUR_ATTRS),
        help_text=_(
            "For the member pages' header and buttons, e.g. #0f766e; empty: the standard teal. Text on it is "
            "white or black, whichever reads better, and a colour on which neither is readable enough (a "
            "contrast of 4.5:1, as the WCAG accessibility guidelines ask) is refused. Links and headings use it "
            "darkened where it is too light to read on the page."
        ),
    )
    brand_accent = forms.CharField(
        label=_("Accent colour"),
        required=False,
        max_length=50,  # the service says what a colour looks like
        widget=forms.TextInput(attrs=COLOUR_ATTRS),
        help_text=_(
            "For progress bars, stamps and the band on cards and posters; empty: the main colour. It is "
            "darkened where it would not show on white (a contrast of 3:1)."
        ),
    )

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if not logo or not hasattr(logo, "image"):  # nothing new uploaded
            return None
        problem = logo_problem(logo)
        if problem:
            raise forms.ValidationError(problem)
        return logo
