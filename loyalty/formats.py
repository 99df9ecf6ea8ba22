"""Lists and dates as a person reads them, in their language (Babel's CLDR data), for pages and messages alike."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from babel import Locale, UnknownLocaleError
from babel.lists import format_list
from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language, to_locale


def display_locale(language: str | None = None) -> Locale:
    """Babel's locale for `language`, else the language the page is shown in (English when Babel lacks it)."""
    try:
        return Locale.parse(to_locale(language or get_language() or settings.LANGUAGE_CODE))
    except (ValueError, UnknownLocaleError):
        return Locale("en")


def display_list(items, language: str | None = None) -> str:
    """Items as a sentence lists them: "A, B, and C", "A, B và C", "A، B، و C"."""
    return format_list([str(item) for item in items], style="standard", locale=display_locale(language))


def last_usable_day(expires_at: datetime, tz) -> date:
    """Points and vouchers expire at a moment (month-end lots at 00:00 local on the 1st): the day a person reads
    is the last one on which they still work, the day of the moment just before."""
    return timezone.localtime(expires_at - timedelta(microseconds=1), tz).date()
