"""The catalogue's portal forms: they check what an owner typed; rewards.services decides what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from loyalty.errors import DomainError
from loyalty.models import TierLevel
from loyalty.money import quantum

from .models import RewardKind
from .services import REWARD_FIELDS

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_PIXELS = 25_000_000  # a small file can claim a huge picture that would fill the memory once decoded
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """A service's refusal on the form: beside the fields it names, else above the form."""
    named = {field: message for field, message in error.fields.items() if field in form.fields}
    for field, message in named.items():
        form.add_error(field, str(message))
    if not named:
        form.add_error(None, error.message)


class RewardForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    code = forms.SlugField(
        label=_("Code"),
        max_length=60,
        required=False,
        help_text=_(
            "How tills, stamp cards and the configuration file name it. "
            "Leave empty to make one from the name; it cannot change later."
        ),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=RewardKind.choices)
    points = forms.IntegerField(
        label=_("Price in points"),
        min_value=0,
        initial=0,
        help_text=_("0: never bought with points, only given (stamp cards, referrals)."),
    )
    value = forms.DecimalField(
        label=_("Value"),
        min_value=0,
        max_digits=16,
        decimal_places=4,
        required=False,
        help_text=_("The amount off or credited; for a percentage off, the percentage."),
    )
    max_discount = forms.DecimalField(
        label=_("At most (percentage off)"),
        min_value=0,
        max_digits=16,
        decimal_places=4,
        required=False,
        help_text=_("The largest discount a percentage gives; empty: no cap."),
    )
    tiers = forms.MultipleChoiceField(
        label=_("Only for tiers"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every member."),
    )
    stock = forms.IntegerField(
        label=_("Stock"), min_value=0, required=False, help_text=_("How many there are in all; empty: unlimited.")
    )
    per_member_limit = forms.IntegerField(
        label=_("Per member"),
        min_value=1,
        required=False,
        help_text=_("How many one member may have; empty: no limit."),
    )
    starts = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ends = forms.DateField(
        label=_("Until (not included)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    voucher_valid_days = forms.IntegerField(label=_("Voucher valid for (days)"), min_value=1, initial=30)
    refund_points_on_expiry = forms.BooleanField(
        label=_("Give the points back if the voucher expires unused"), required=False
    )
    photo = forms.ImageField(label=_("Photo"), required=False)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, shop, reward=None, **kwargs):
        """A reward's code stays once made, so the edit form has no code field."""
        super().__init__(*args, **kwargs)
        self.shop = shop
        tiers = TierLevel.objects.filter(program__shop=shop).order_by("threshold")
        self.fields["tiers"].choices = [(tier.code, tier.name) for tier in tiers]
        if not self.fields["tiers"].choices:
            del self.fields["tiers"]
        if reward is not None:
            del self.fields["code"]
        self.fields["value"].help_text = _(
            "The amount off or credited, in %(currency)s; for a percentage off, the percentage."
        ) % {"currency": shop.currency}

    def clean_photo(self):
        """A photo the catalogue can show: a small JPEG, PNG, WebP or GIF. Pillow has read it (an SVG, which could
        carry a script, is no image to it); its size and pixel count are checked before anything decodes it."""
        photo = self.cleaned_data.get("photo")
        if not photo or not hasattr(photo, "image"):  # nothing new uploaded
            return photo
        if photo.size > PHOTO_MAX_BYTES:
            raise forms.ValidationError(_("The photo is too large: at most 5 MB."))
        width, height = photo.image.size
        if width * height > PHOTO_MAX_PIXELS:
            raise forms.ValidationError(_("The photo has too many pixels: at most 25 megapixels."))
        if photo.image.format not in PHOTO_FORMATS:
            raise forms.ValidationError(_("Upload a JPEG, PNG, WebP or GIF photo."))
        return photo

    def clean(self):
        data = super().clean()
        unit = quantum(self.shop.currency)
        for name in ("value", "max_discount"):
            amount = data.get(name)
            is_money = name == "max_discount" or data.get("kind") != RewardKind.PERCENT_OFF
            if amount is not None and is_money and amount != amount.quantize(unit):
                self.add_error(
                    name,
                    _("%(currency)s has no smaller unit than %(unit)s.")
                    % {"currency": self.shop.currency, "unit": unit},
                )
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        fields = {name: data.get(name) for name in REWARD_FIELDS}
        fields["tiers"] = data.get("tiers") or []
        return fields


class QuickItemForm(forms.Form):
    label = forms.CharField(label=_("Button text"), max_length=60)
    amount = forms.DecimalField(label=_("Price"), min_value=0, max_digits=16, decimal_places=4)
    sku = forms.CharField(
        label=_("SKU"), max_length=100, required=False, help_text=_("The till's product code, if the rules use it.")
    )
    category = forms.CharField(
        label=_("Category"),
        max_length=100,
        required=False,
        help_text=_("Category rules and stamp cards count by it, e.g. coffee."),
    )
    active = forms.BooleanField(label=_("Shown on the counter"), required=False, initial=True)
