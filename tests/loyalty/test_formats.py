"""Numbers, lists and dates as people read them in English, Vietnamese and Persian."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import translation

from loyalty.formats import display_list, last_usable_day


@pytest.mark.parametrize(("language", "grouped"), [("en", "1,234,567"), ("vi", "1.234.567"), ("fa", "1,234,567")])
def test_thousands_are_grouped_in_every_language(language, grouped):
    with translation.override(language):
        assert intcomma(1234567) == grouped


@pytest.mark.parametrize(
    ("language", "listed"), [("en", "A, B, and C"), ("vi", "A, B và C"), ("fa", "A،\u200f B، و C")]
)
def test_lists_read_the_languages_way(language, listed):
    assert display_list(["A", "B", "C"], language) == listed


def test_something_expiring_at_midnight_is_usable_until_the_day_before():
    saigon = ZoneInfo("Asia/Ho_Chi_Minh")
    assert last_usable_day(datetime(2027, 1, 1, tzinfo=saigon), saigon) == date(2026, 12, 31)
    assert last_usable_day(datetime(2027, 1, 1, 15, 30, tzinfo=saigon), saigon) == date(2027, 1, 1)
