"""Reading a JSON configuration document: every value checked for its type and range, and every error naming
its JSON path, written with dots and [index] (program-config.md). Program apps parse their sections with it."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from loyalty.errors import ConfigurationError
from loyalty.money import MoneyError, parse_money

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,59}$")


def fail(path: str, message: str):
    """Refuse the document. `message` is already in the reader's language (gettext at the call), the path never
    is: it is the JSON the owner edits."""
    raise ConfigurationError(f"{path}: {message}")


class Reader:
    """Walks one JSON object, checking keys and types; every error names its JSON path."""

    def __init__(self, data, path: str, *, required=(), optional=()):
        if not isinstance(data, dict):
            fail(path or "document", _("must be an object"))
        unknown = sorted(set(data) - set(required) - set(optional))
        if unknown:
            fail(self._join(path, unknown[0]), _("is not a known key"))
        for key in required:
            if key not in data:
                fail(self._join(path, key), _("is required"))
        self.data, self.path = data, path

    @staticmethod
    def _join(path: str, key) -> str:
        return f"{path}[{key}]" if isinstance(key, int) else (f"{path}.{key}" if path else key)

    def at(self, key) -> str:
        return self._join(self.path, key)

    def has(self, key) -> bool:
        return key in self.data and self.data[key] is not None

    def raw(self, key, default=None):
        return self.data.get(key, default)

    def text(self, key, default: str = "", *, max_length: int = 200, pattern=None, choices=None) -> str:
        value = self.data.get(key, default)
        if value is None:
            value = default
        if not isinstance(value, str):
            fail(self.at(key), _("must be a string"))
        if len(value) > max_length:
            fail(self.at(key), _("must be at most %(count)d characters") % {"count": max_length})
        if pattern is not None and not pattern.match(value):
            fail(
                self.at(key),
                _("must be lower-case letters, digits and dashes")
                if pattern is SLUG
                else _("must be letters, digits, dashes and underscores"),
            )
        if choices is not None and value not in choices:
            fail(self.at(key), _("must be one of %(choices)s") % {"choices": ", ".join(sorted(choices))})
        return value

    def whole(self, key, default=None, *, minimum: int = 0, allow_null: bool = False):
        value = self.data.get(key, default)
        if value is None and allow_null:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            fail(self.at(key), _("must be a whole number"))
        if value < minimum:
            fail(self.at(key), _("must be at least %(minimum)s") % {"minimum": minimum})
        return value

    def decimal(self, key, default: str = "0", *, minimum: Decimal = Decimal(0), positive: bool = False) -> Decimal:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            fail(self.at(key), _("must be a decimal string"))
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            fail(self.at(key), _("must be a decimal string"))
        if positive and number <= 0:
            fail(self.at(key), _("must be greater than 0"))
        if number < minimum:
            fail(self.at(key), _("must be at least %(minimum)s") % {"minimum": minimum})
        return number

    def money(self, key, currency: str, default: str | None = "0", *, allow_null: bool = False, positive=False):
        value = self.data.get(key, default)
        if value is None and allow_null:
            return None
        try:
            amount = parse_money(value, currency)
        except MoneyError as error:
            fail(self.at(key), str(error))
        if positive and amount <= 0:
            fail(self.at(key), _("must be greater than 0"))
        return amount

    def boolean(self, key, default: bool = False) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            fail(self.at(key), _("must be true or false"))
        return value

    def day(self, key):
        value = self.data.get(key)
        if value is None:
            return None
        try:
            return (
                date.fromisoformat(value)
                if isinstance(value, str) and len(value) == 10
                else fail(self.at(key), _("must be a date (YYYY-MM-DD)"))
            )
        except ValueError:
            fail(self.at(key), _("must be a date (YYYY-MM-DD)"))

    def items(self, key) -> list:
        value = self.data.get(key, [])
        if value is None:
            return []
        if not isinstance(value, list):
            fail(self.at(key), _("must be a list"))
        return value

    def strings(self, key, *, choices=None) -> list[str]:
        values = self.items(key)
        for index, value in enumerate(values):
            if not isinstance(value, str) or not value or len(value) > 100:
                fail(f"{self.at(key)}[{index}]", _("must be a non-empty string"))
            if choices is not None and value not in choices:
                fail(
                    f"{self.at(key)}[{index}]",
                    _("must be one of %(choices)s") % {"choices": ", ".join(sorted(choices))},
                )
        return values

    def child(self, key, **keys) -> Reader:
        return Reader(self.data.get(key, {}) if self.data.get(key) is not None else {}, self.at(key), **keys)


def unique_codes(rows: list[dict], path: str, key: str = "code") -> None:
    seen = set()
    for index, row in enumerate(rows):
        if row[key] in seen:
            fail(f"{path}[{index}].{key}", _("%(value)r appears twice") % {"value": row[key]})
        seen.add(row[key])
