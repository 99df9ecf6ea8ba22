"""Reading many phone numbers of one country fast (an import of 100,000 customers): the common spellings of the
shop's own numbers — `0912 345 678`, `+84 91 234 5678`, `0912-345-678` — are read without `phonenumbers.parse`,
whose general parser cost more than the rest of a row's checks together. The check of the number itself is the
library's: the same metadata patterns (`_number_type_helper`: the general description and then any number type),
compiled once per length. Anything else (letters, extensions, another country's code, a leading 00, a second
national prefix) goes to `phone_normalise`, so a number is accepted or refused exactly as it would be there;
tests/portal/imports/test_phone_reader.py compares the two on many spellings."""

from __future__ import annotations

import re

import phonenumbers

from .members import phone_normalise

SEPARATORS = str.maketrans("", "", " -.()/\u00a0")
TYPE_DESCS = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
    "mobile",
)


class PhoneReader:
    """`reader(raw)` is `phone_normalise(raw, country)`, fast for the country's usual spellings."""

    def __init__(self, country: str):
        self.country = country
        self.metadata = phonenumbers.PhoneMetadata.metadata_for_region(country)
        self.by_length: dict[int, re.Pattern] = {}
        if self._fast_possible():
            self.code = str(self.metadata.country_code)
            self.prefix = self.metadata.national_prefix
            self.by_length = self._patterns()

    def _fast_possible(self) -> bool:
        """Only where the calling code is this country's alone and the national prefix is a plain one."""
        m = self.metadata
        return bool(
            m is not None
            and m.national_prefix
            and m.national_prefix_for_parsing in (None, m.national_prefix)
            and not m.national_prefix_transform_rule
            and phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(m.country_code) == (self.country,)
        )

    def _patterns(self) -> dict[int, re.Pattern]:
        """For each length the general description allows: one pattern that is the general one and any type's."""
        general = self.metadata.general_desc
        patterns = {}
        for length in general.possible_length:
            alternatives = [
                desc.national_number_pattern
                for desc in (getattr(self.metadata, name) for name in TYPE_DESCS)
                if desc is not None
                and desc.national_number_pattern
                and (not desc.possible_length or length in desc.possible_length)
            ]
            if alternatives:
                any_type = "|".join(f"(?:{pattern})" for pattern in alternatives)
                patterns[length] = re.compile(f"(?=(?:{general.national_number_pattern})$)(?:{any_type})")
        return patterns

    def national(self, raw: str) -> str | None:
        """The national significant number of a usual spelling of the country's own number, else None."""
        text = raw.translate(SEPARATORS)
        if text.startswith("+"):
            rest = text[1:]
            if not rest.startswith(self.code):
                return None
            number = rest[len(self.code) :]
        elif text.startswith(self.prefix):
            number = text[len(self.prefix) :]
        else:
            return None
        if not number.isdigit() or not number.isascii() or number[0] == "0" or number.startswith(self.prefix):
            return None
        return number

    def __call__(self, raw: str) -> str:
        if self.by_length:
            number = self.national(raw)
            if number is not None:
                pattern = self.by_length.get(len(number))
                if pattern is not None and pattern.fullmatch(number):
                    return f"+{self.code}{number}"
        return phone_normalise(raw, self.country)
