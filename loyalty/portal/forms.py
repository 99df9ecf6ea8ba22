"""Portal forms. They check what a person typed; the services decide what is allowed."""

from __future__ import annotations

import json
from functools import cache

from babel.core import get_global
from babel.numbers import get_territory_currencies
from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from loyalty.errors import DomainError
from loyalty.formats import display_locale
from loyalty.models import WEBHOOK_EVENTS, Channel, Location, Role, Shop, TierLevel
from loyalty.models.purchases import PaymentMethod
from loyalty.services.notifications import MAX_MARKETING_CAP
from loyalty.services.shops import country_codes, timezone_names

# Countries spanning several time zones: the zone most of their shops keep (otherwise CLDR's first).
MAIN_ZONE = {
    "US": "America/New_York",
    "CA": "America/Toronto",
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "RU": "Europe/Moscow",
    "MX": "America/Mexico_City",
    "ID": "Asia/Jakarta",
    "KZ": "Asia/Almaty",
    "CN": "Asia/Shanghai",
    "AR": "America/Argentina/Buenos_Aires",
    "ES": "Europe/Madrid",
    "PT": "Europe/Lisbon",
    "DE": "Europe/Berlin",
    "MY": "Asia/Kuala_Lumpur",
    "NZ": "Pacific/Auckland",
}
SUPPORTED_LANGUAGES = [code for code, _name in settings.LANGUAGES]


@cache
def offered_currencies() -> list[str]:
    """Currencies some country tenders today (ISO 4217 also lists withdrawn ones)."""
    return sorted({code for country in country_codes() for code in get_territory_currencies(country, tender=True)})


@cache
def offered_zones() -> frozenset[str]:
    """Canonical zones that belong to a country, and UTC (not the older aliases such as US/Eastern)."""
    zones = {zone for zones in get_global("territory_zones").values() for zone in zones}
    return frozenset((zones | {"UTC"}) & timezone_names())


def country_zones(country: str) -> list[str]:
    return [zone for zone in get_global("territory_zones").get(country, []) if zone in offered_zones()]


def country_defaults(country: str) -> dict:
    """The currency, time zone and language a shop in this country most likely uses."""
    currencies = get_territory_currencies(country, tender=True)
    zones = country_zones(country)
    spoken = get_global("territory_languages").get(country, {})
    language = next((code for code in SUPPORTED_LANGUAGES if code in spoken), None)
    return {
        "currency": currencies[0] if currencies else "USD",
        "timezone": MAIN_ZONE.get(country) if MAIN_ZONE.get(country) in zones else (zones[0] if zones else "UTC"),
        "language": language or (get_language() if get_language() in SUPPORTED_LANGUAGES else "en"),
    }


def browser_zone(request) -> str | None:
    """The time zone the onboarding page's script sent (?zone=), as its canonical name (browsers still say
    Asia/Saigon for Asia/Ho_Chi_Minh); None when it is not one a shop may choose."""
    zone = request.GET.get("zone", "")
    zone = get_global("zone_aliases").get(zone, zone)
    return zone if zone in offered_zones() else None


def zone_country(zone: str) -> str | None:
    """The country a time zone is in (Asia/Ho_Chi_Minh → VN), for the zones a shop may choose."""
    for country, zones in get_global("territory_zones").items():
        if zone in zones and country in country_codes():
            return country
    return None


def guess_country(request) -> str:
    """From the browser's time zone when the page sent it (?zone=Asia/Tehran → IR), else its languages (en-GB →
    GB), else the interface language's likely country (vi → VN)."""
    zone = browser_zone(request)
    if zone and zone_country(zone):
        return zone_country(zone)
    for tag in request.META.get("HTTP_ACCEPT_LANGUAGE", "").split(","):
        parts = tag.split(";")[0].strip().replace("_", "-").split("-")
        if len(parts) > 1 and parts[-1].upper() in country_codes():
            return parts[-1].upper()
    likely = get_global("likely_subtags").get(get_language() or "en", "en_Latn_US")
    country = likely.split("_")[-1]
    return country if country in country_codes() else "US"


class OnboardingForm(forms.Form):
    name = forms.CharField(label=_("Shop name"), max_length=200)
    country = forms.ChoiceField(label=_("Country"))
    currency = forms.ChoiceField(label=_("Currency"))
    timezone = forms.ChoiceField(label=_("Time zone"))
    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        help_text=_("The language your customers see on their member pages."),
    )
    location_name = forms.CharField(
        label=_("Your first location"),
        max_length=200,
        required=False,
        help_text=_("Where your counter is, for example “Hai Ba Trung street”. You can add more later."),
    )

    def __init__(self, *args, country: str, **kwargs):
        """`country` is the one the choices are arranged for (its own time zones first)."""
        super().__init__(*args, **kwargs)
        names = display_locale()
        self.fields["country"].choices = sorted(
            ((code, names.territories.get(code, code)) for code in country_codes()), key=lambda pair: pair[1]
        )
        self.fields["currency"].choices = [
            (code, f"{code} · {names.currencies.get(code, code)}") for code in offered_currencies()
        ]
        own_zones = country_zones(country)
        self.fields["timezone"].choices = [
            (
                _("In %(country)s") % {"country": names.territories.get(country, country)},
                [(zone, zone) for zone in own_zones],
            ),
            (_("Elsewhere"), [(zone, zone) for zone in sorted(offered_zones() - set(own_zones))]),
        ]


class ShopSettingsForm(OnboardingForm):
    """The onboarding form without what cannot change: the currency, and the first location (see Locations)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["currency"], self.fields["location_name"]
        self.fields["name"].help_text = _("Your poster's and cards' links stay the same when the name changes.")


class ShopSwitchForm(forms.Form):
    shop = forms.ModelChoiceField(queryset=Shop.objects.none())

    def __init__(self, *args, user, **kwargs):
        """Only the person's own shops are choices, so another shop's id is simply not valid."""
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = Shop.objects.filter(staff__user=user)


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.CASHIER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class LocationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)


class CardBatchForm(forms.Form):
    count = forms.IntegerField(
        label=_("Number of cards"),
        min_value=1,
        max_value=500,
        initial=50,
        help_text=_("Ten cards fit on an A4 sheet."),
    )


class CardAttachForm(forms.Form):
    card_number = forms.CharField(
        label=_("Replacement card number"),
        max_length=30,
        help_text=_("The number printed under the QR code of a new card."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Shows a service's refusal on the form: next to the fields it names, else above the form."""
    named = {field: message for field, message in error.fields.items() if field in form.fields}
    for field, message in named.items():
        form.add_error(field, str(message))
    if not named:
        form.add_error(None, error.message)


# ---------------------------------------------------------------- the program

CONFIG_MAX_BYTES = 2 * 1024 * 1024


class ConfigUploadForm(forms.Form):
    document = forms.FileField(
        label=_("Configuration file"),
        help_text=_(
            "A JSON file, such as one downloaded from this page. It replaces the program, tiers, stamp cards "
            "and rewards; members keep their points."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )

    def clean_document(self):
        """The file's JSON, read as UTF-8 (with or without a byte order mark)."""
        upload = self.cleaned_data["document"]
        if upload.size > CONFIG_MAX_BYTES:
            raise forms.ValidationError(_("The file is too large: a configuration file is at most 2 MB."))
        try:
            return json.loads(upload.read().decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise forms.ValidationError(_("The file is not text in UTF-8.")) from None
        except RecursionError:
            raise forms.ValidationError(_("The file's JSON is nested too deeply to be a configuration.")) from None
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                _("The file is not valid JSON: %(problem)s at line %(line)s, column %(column)s.")
                % {"problem": error.msg, "line": error.lineno, "column": error.colno}
            ) from None


class TemplateForm(forms.Form):
    template = forms.ChoiceField(label=_("Template"))

    def __init__(self, *args, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [(template.code, template.name) for template in templates]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class PreviewForm(forms.Form):
    """A purchase to try the rules on. The date and time are the shop's local time (the view reads them in the
    shop's time zone)."""

    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=16, decimal_places=4)
    category = forms.CharField(
        label=_("Category"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"list": "categories"}),
        help_text=_("Optional, for rules that depend on what was bought."),
    )
    occurred_at = forms.DateTimeField(
        label=_("Date and time"), required=False, widget=DateTimeLocalInput(), help_text=_("Empty: now.")
    )
    tier = forms.ModelChoiceField(
        label=_("Tier"), queryset=TierLevel.objects.none(), required=False, empty_label=_("No tier")
    )
    payment_method = forms.ChoiceField(label=_("Payment method"), required=False)

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].queryset = program.tiers.order_by("threshold")
        self.fields["payment_method"].choices = [("", _("Any"))] + list(PaymentMethod.choices)


# ---------------------------------------------------------------- members


class PointsAdjustForm(forms.Form):
    points = forms.IntegerField(
        label=_("Points"), min_value=-(10**9), max_value=10**9, help_text=_("Positive to add, negative to take away.")
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_("Kept in the member's history, for example “missed stamp on 3 May”."),
    )

    def clean_points(self):
        points = self.cleaned_data["points"]
        if points == 0:
            raise forms.ValidationError(_("Enter a number other than 0."))
        return points


class ConsentForm(forms.Form):
    marketing_consent = forms.BooleanField(required=False)


class MemberDetailsForm(forms.Form):
    """A member's personal details as the shop keeps them; every change is recorded with who made it."""

    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    phone = forms.CharField(
        label=_("Phone"), max_length=30, widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "dir": "ltr"})
    )
    email = forms.EmailField(
        label=_("Email"), max_length=254, required=False, widget=forms.EmailInput(attrs={"dir": "ltr"})
    )
    birthday = forms.DateField(
        label=_("Birthday"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean_birthday(self):
        birthday = self.cleaned_data["birthday"]
        if birthday and birthday >= timezone.localdate():
            raise forms.ValidationError(_("A birthday is a day in the past."))
        return birthday


class MemberAddForm(MemberDetailsForm):
    card_number = forms.CharField(
        label=_("Card number"), max_length=30, required=False, help_text=_("A pre-printed card; else one is issued.")
    )
    marketing_consent = forms.BooleanField(label=_("They agree to receive offers and news"), required=False)


# ---------------------------------------------------------------- API keys and webhooks


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, help_text=_("For example “Till 1”."))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(Role.CASHIER, Role.CASHIER.label), (Role.MANAGER, Role.MANAGER.label)],
        initial=Role.CASHIER,
        help_text=_(
            "Cashier keys do everything a till needs; manager keys may also adjust points and read partner reports."
        ),
    )
    location = forms.ModelChoiceField(
        label=_("Location"),
        queryset=Location.objects.none(),
        required=False,
        empty_label=_("Any location"),
        help_text=_("A till at one location records its purchases there."),
    )

    def __init__(self, *args, shop, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = shop.locations.all()


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(
        label=_("Address"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Where Regulars sends events: an https:// address of your system."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(event, event) for event in WEBHOOK_EVENTS],
        help_text=_("None ticked: every event, including ones added later."),
    )


class MarketingCapForm(forms.Form):
    marketing_cap_per_week = forms.IntegerField(
        label=_("Marketing messages per member per week"),
        min_value=0,
        max_value=MAX_MARKETING_CAP,
        help_text=_("At most this many offers, birthday wishes and reward news reach a member in seven days."),
    )
    receipt_channels = forms.MultipleChoiceField(
        label=_("Send purchase receipts by"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every text message costs the shop money: texted receipts are off until you choose them."),
    )
