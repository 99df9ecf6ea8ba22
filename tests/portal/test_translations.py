"""The Vietnamese and Persian catalogs are complete, and the committed .mo files are compiled from them
(a fresh machine needs no gettext)."""

from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def as_tuple(value) -> tuple:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def translations(catalog) -> dict:
    return {
        as_tuple(message.id): as_tuple(message.string)
        for message in catalog
        if message.id and "fuzzy" not in message.flags
    }


@pytest.mark.parametrize("language", ["vi", "fa"])
def test_every_message_is_translated(language):
    with open(LOCALE / language / "LC_MESSAGES" / "django.po", "rb") as source:
        catalog = read_po(source, locale=language)
    untranslated = [
        message.id
        for message in catalog
        if message.id and ("fuzzy" in message.flags or not all(as_tuple(message.string)))
    ]
    assert not untranslated, f"translate these in locale/{language}: {untranslated}"


@pytest.mark.parametrize("language", ["vi", "fa"])
def test_the_compiled_catalog_matches_its_source(language):
    folder = LOCALE / language / "LC_MESSAGES"
    with open(folder / "django.po", "rb") as source, open(folder / "django.mo", "rb") as compiled:
        assert translations(read_mo(compiled)) == translations(read_po(source, locale=language)), (
            f"run `manage.py compilemessages` and commit locale/{language}/LC_MESSAGES/django.mo"
        )
