"""Bringing a shop's existing customers in from a CSV file (cli.md: members_import; the portal's import page).

Two steps. `import_plan` reads and validates every row (reading the database, writing nothing) and says what
each valid row would do: make a member or update one. `members_import` then writes the plan in one transaction,
set-based: accounts, members, cards, opening-balance lots and consent records go in with a few bulk INSERTs per
chunk of rows, never one service call per row, so 100,000 customers take seconds. Nothing of a failed import
is left: the transaction is rolled back whole.

Rules (cli.md, docs/core.md): a phone already a member is updated, never duplicated; rows of one phone within
the file are one member (later cells fill in and correct earlier ones); an opening balance is an `import` lot
given once per member (`event_key` "import", unique per account in the database), so a second run of the same
file changes nothing. Empty cells leave an existing member's value as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty.errors import ValidationFailed
from loyalty.models import Card, LedgerEntry, Member, Shop

from .members import card_number_valid
from .phone_reader import PhoneReader
from .sql import table

COLUMNS = ("phone", "name", "email", "birthday", "points", "card_number", "marketing_consent")

# Headers owners' files commonly have, in English and Vietnamese, for the portal's guess at the mapping.
COLUMN_GUESSES = {
    "phone": ("phone", "phone number", "mobile", "tel", "telephone", "sđt", "sdt", "số điện thoại", "điện thoại"),
    "name": ("name", "full name", "customer", "customer name", "tên", "họ tên", "họ và tên", "tên khách hàng"),
    "email": ("email", "e-mail", "mail", "thư điện tử"),
    "birthday": ("birthday", "birth date", "date of birth", "dob", "ngày sinh", "sinh nhật"),
    "points": ("points", "balance", "point balance", "điểm", "số điểm", "điểm tích lũy"),
    "card_number": ("card_number", "card", "card number", "card no", "số thẻ", "mã thẻ", "thẻ"),
    "marketing_consent": (
        "marketing_consent",
        "consent",
        "marketing",
        "newsletter",
        "opt in",
        "đồng ý",
        "nhận tin",
        "đồng ý nhận tin",
    ),
}
YES = {"1", "true", "yes", "y", "x", "có", "co", "đồng ý"}
NO = {"0", "false", "no", "n", "không", "khong", ""}
EARLIEST_BIRTHDAY = date(1900, 1, 1)
IMPORT_SOURCE = "import"  # the source of the ledger entries and consent records an import writes
OPENING_BALANCE_KEY = "import"  # the event_key of a member's one opening-balance lot


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.column}: {self.reason}"


@dataclass
class ImportRow:
    """One valid row's values; None where the cell is empty (an existing member keeps that value)."""

    row: int
    phone: str
    name: str | None = None
    email: str | None = None
    birthday: date | None = None
    points: int | None = None
    card_number: str | None = None
    marketing_consent: bool | None = None

    def merge(self, later: ImportRow) -> None:
        """A later row of the same phone: its non-empty cells win."""
        for name in ("name", "email", "birthday", "points", "card_number", "marketing_consent"):
            if getattr(later, name) is not None:
                setattr(self, name, getattr(later, name))


@dataclass
class ImportPlan:
    """What the file would do: the members to make, the members to update (by member id) and the bad rows."""

    shop: Shop
    new: list[ImportRow] = field(default_factory=list)
    existing: dict[int, ImportRow] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    imported: int = 0  # rows that make a member
    updated: int = 0  # rows of a phone already a member, or already met earlier in the file
    rows: int = 0

    @property
    def skipped(self) -> int:
        return self.rows - self.imported - self.updated


# ---------------------------------------------------------------- columns


def _header_key(header: str) -> str:
    return " ".join(header.strip().lower().replace("_", " ").split())


def columns_exact(
    header: list[str], columns: tuple[str, ...] = COLUMNS, required: tuple[tuple[str, ...], ...] = (("phone",),)
) -> tuple[dict[int, str], list[RowError]]:
    """The command's mapping: each header must be one of `columns` (any case); unknown or repeated ones are refused,
    and of each group in `required` one column must be there."""
    mapping, errors = {}, []
    known = {_header_key(name): name for name in columns}
    for index, cell in enumerate(header):
        column = known.get(_header_key(cell))
        if column is None:
            errors.append(RowError(1, cell or f"#{index + 1}", _("unknown column (columns: %s)") % ", ".join(columns)))
        elif column in mapping.values():
            errors.append(RowError(1, cell, _("the column appears twice")))
        else:
            mapping[index] = column
    for group in required:
        if not set(group) & set(mapping.values()):
            errors.append(RowError(1, group[0], _("the %s column is missing") % " / ".join(group)))
    return mapping, errors


def columns_guess(header: list[str], known: dict[str, tuple[str, ...]] = COLUMN_GUESSES) -> dict[int, str]:
    """The portal's first guess at which column is which, by the usual names in English and Vietnamese."""
    guesses = {_header_key(alias): column for column, aliases in known.items() for alias in aliases}
    mapping = {}
    for index, cell in enumerate(header):
        column = guesses.get(_header_key(cell))
        if column and column not in mapping.values():
            mapping[index] = column
    return mapping


# ---------------------------------------------------------------- one row's cells


def _birthday(raw: str) -> date:
    """ISO (1990-04-30) or day first as Vietnam writes it (30/04/1990, 30-04-1990, 30.04.1990)."""
    text = raw.strip()
    try:
        if len(text) == 10 and text[4] == "-":
            value = date.fromisoformat(text)
        else:
            day, month, year = (int(part) for part in text.replace("-", "/").replace(".", "/").split("/"))
            value = date(year, month, day)
    except ValueError:
        raise ValueError(_("not a date (use 1990-04-30 or 30/04/1990)")) from None
    # Today by the active time zone only for a date near it: reading the clock per row is a noticeable part of
    # checking 100,000 rows.
    if value < EARLIEST_BIRTHDAY or (value.year >= date.today().year - 1 and value > timezone.localdate()):
        raise ValueError(_("not a date of birth"))
    return value


def _points(raw: str) -> int:
    text = raw.strip().replace(" ", "")
    if not text.isdigit():
        raise ValueError(_("must be a whole number of 0 or more"))
    value = int(text)
    if value > 10**12:
        raise ValueError(_("is too large"))
    return value


def _email(raw: str) -> str:
    email = raw.strip().lower()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValueError(_("not a valid email address")) from None
    return email


def _name(raw: str) -> str:
    name = raw.strip()
    if len(name) > 200:
        raise ValueError(_("longer than 200 characters"))
    return name


def card_cell(raw: str) -> str:
    number = raw.strip().replace(" ", "").replace("-", "")
    if not card_number_valid(number):
        raise ValueError(_("not a card number (its check digit is wrong)"))
    return number


def _consent(raw: str) -> bool:
    text = raw.strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(_("must be yes or no"))


CELL_READERS = {
    "name": _name,
    "email": _email,
    "birthday": _birthday,
    "points": _points,
    "card_number": card_cell,
    "marketing_consent": _consent,
}


def _read_row(number: int, cells: list[str], mapping: dict[int, str], phone: PhoneReader) -> ImportRow | list[RowError]:
    values, errors = {}, []
    for index, column in mapping.items():
        raw = cells[index].strip() if index < len(cells) else ""
        if column == "phone":
            if not raw:
                errors.append(RowError(number, column, _("is required")))
                continue
            try:
                values["phone"] = phone(raw)
            except ValidationFailed:
                errors.append(RowError(number, column, _("“%s” is not a valid phone number") % raw))
        elif raw:
            try:
                values[column] = CELL_READERS[column](raw)
            except ValueError as error:
                errors.append(RowError(number, column, str(error)))
    return errors or ImportRow(row=number, **values)


# ---------------------------------------------------------------- the plan


def import_plan(shop: Shop, rows: list[tuple[int, list[str]]], mapping: dict[int, str]) -> ImportPlan:
    """Validate every row and decide what each valid one does; reads the database, writes nothing."""
    plan = ImportPlan(shop=shop, rows=len(rows))
    by_phone: dict[str, ImportRow] = {}
    group_size: dict[str, int] = {}
    phone = PhoneReader(shop.country)
    for number, cells in rows:
        read = _read_row(number, cells, mapping, phone)
        if isinstance(read, list):
            plan.errors.extend(read)
            continue
        earlier = by_phone.get(read.phone)
        if earlier is None:
            by_phone[read.phone], group_size[read.phone] = read, 1
        elif not _conflicts(earlier, read, plan):
            earlier.merge(read)
            group_size[read.phone] += 1
    refused = _check_cards(shop, by_phone, plan)
    members = _members_by_phone(shop, list(by_phone))
    for phone, row in by_phone.items():
        if phone in refused:
            continue
        if phone in members:
            plan.existing[members[phone]] = row
            plan.updated += group_size[phone]
        else:
            plan.new.append(row)
            plan.imported += 1
            plan.updated += group_size[phone] - 1
    return plan


def _conflicts(earlier: ImportRow, later: ImportRow, plan: ImportPlan) -> bool:
    """Two rows of one phone may not disagree on what can be given once: the opening balance and the card."""
    found = False
    for name in ("points", "card_number"):
        before, after = getattr(earlier, name), getattr(later, name)
        if before is not None and after is not None and before != after:
            plan.errors.append(
                RowError(later.row, name, _("row %(row)s has the same phone with another value") % {"row": earlier.row})
            )
            found = True
    return found


def chunks(items: list, size: int = 5000):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _members_by_phone(shop: Shop, phones: list[str]) -> dict[str, int]:
    """The shop's current members among the phones: on PostgreSQL one statement whose phones are one parameter
    (thousands of separate ones cost more to send and plan than the look-up), elsewhere in chunks."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT phone, id FROM {table(Member)} WHERE shop_id = %s AND merged_into_id IS NULL"
                " AND erased_at IS NULL AND phone = ANY(string_to_array(%s, ','))",
                [shop.pk, ",".join(phones)],
            )
            return dict(cursor.fetchall())
    found = {}
    for chunk in chunks(phones):
        found.update(Member.objects.current().filter(shop=shop, phone__in=chunk).values_list("phone", "id").iterator())
    return found


def _check_cards(shop: Shop, by_phone: dict[str, ImportRow], plan: ImportPlan) -> set[str]:
    """A card may be in the file once, and must be free or already this member's own; returns the phones whose
    rows are refused for their card."""
    holders: dict[str, ImportRow] = {}
    refused = set()
    for row in by_phone.values():
        if row.card_number is None:
            continue
        if row.card_number in holders:
            other = holders[row.card_number]
            plan.errors.append(RowError(row.row, "card_number", _("the same card as row %s") % other.row))
            refused.add(row.phone)
        else:
            holders[row.card_number] = row
    for chunk in chunks(list(holders)):
        cards = Card.objects.filter(number__in=chunk).values_list("number", "shop_id", "member__phone", "blocked_at")
        for number, shop_id, phone, blocked_at in cards:
            row = holders[number]
            if shop_id != shop.pk or blocked_at or (phone and phone != row.phone):
                plan.errors.append(RowError(row.row, "card_number", _("this card belongs to another member")))
                refused.add(row.phone)
    return refused


def accounts_with_opening_balance(account_ids: list[int]) -> set[int]:
    found = set()
    for chunk in chunks(account_ids):
        found.update(
            LedgerEntry.objects.filter(account_id__in=chunk, event_key=OPENING_BALANCE_KEY)
            .values_list("account_id", flat=True)
            .iterator()
        )
    return found


@dataclass(frozen=True)
class ImportResult:
    imported: int
    updated: int
    skipped: int
    member_ids: tuple = ()
    at: datetime | None = None

    def __str__(self) -> str:
        return f"imported {self.imported}, updated {self.updated}, skipped {self.skipped}"
