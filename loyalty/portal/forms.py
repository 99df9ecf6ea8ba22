"""Portal forms. They check what a person typed; the services decide what is allowed."""

from __future__ import annotations

from functools import cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.numbers import get_territory_currencies
from django import forms
from django.conf import settings
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext_lazy as _

from loyalty.errors import DomainError
from loyalty.models import Role, Shop
from loyalty.services.shops import country_codes, timezone_names

# Countries spanning several time zones: the zone most of their shops keep (otherwise CLDR's first).
MAIN_ZONE = {
    "US": "America/New_York", "CA": "America/Toronto", "AU": "Australia/Sydney", "BR": "America/Sao_Paulo",
    "RU": "Europe/Moscow", "MX": "America/Mexico_City", "ID": "Asia/Jakarta", "KZ": "Asia/Almaty",
    "CN": "Asia/Shanghai", "AR": "America/Argentina/Buenos_Aires", "ES": "Europe/Madrid",
    "PT": "Europe/Lisbon", "DE": "Europe/Berlin", "MY": "Asia/Kuala_Lumpur", "NZ": "Pacific/Auckland",
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


def display_locale() -> Locale:
    """Babel's locale for the language the page is shown in (country and currency names)."""
    try:
        return Locale.parse(to_locale(get_language() or settings.LANGUAGE_CODE))
    except (ValueError, UnknownLocaleError):
        return Locale("en")


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


def guess_country(request) -> str:
    """From the browser's languages (en-GB → GB), else the interface language's likely country (vi → VN)."""
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
        label=_("Language"), choices=settings.LANGUAGES,
        help_text=_("The language your customers see on their member pages."),
    )
    location_name = forms.CharField(
        label=_("Your first location"), max_length=200, required=False,
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
            (_("In %(country)s") % {"country": names.territories.get(country, country)},
             [(zone, zone) for zone in own_zones]),
            (_("Elsewhere"), [(zone, zone) for zone in sorted(offered_zones() - set(own_zones))]),
        ]


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


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Shows a service's refusal on the form: next to the fields it names, else above the form."""
    named = {field: message for field, message in error.fields.items() if field in form.fields}
    for field, message in named.items():
        form.add_error(field, str(message))
    if not named:
        form.add_error(None, error.message)
