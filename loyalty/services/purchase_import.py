"""Bringing a shop's past purchases in from a CSV file (docs/purchases_import.md: purchases_import).

The same two steps as the member import (member_import.py, whose CSV reading, column mapping, phone reading and
row errors this reuses): `purchases_plan` reads and validates every row, reading the database and writing
nothing; `purchases_import` (purchase_import_write.py) writes the plan in one transaction, set-based.

An imported purchase is history: it earns nothing (no lot, no stamps, no cashback, no webhook) and is marked
`imported`. It counts in the tier basis by spend or by visits, like any purchase. Its receipt is the purchase's
receipt number (unique per shop): a receipt already recorded is skipped as already imported, so a second run of
the same file changes nothing. A row without a receipt gets one made from its own cells, for the same reason.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty.errors import ValidationFailed
from loyalty.models import Card, Member, Purchase, Shop
from loyalty.money import MoneyError, parse_money

from .member_import import RowError, card_cell, chunks
from .phone_reader import PhoneReader

COLUMNS = ("phone", "card_number", "amount", "occurred_at", "receipt", "location", "category")
REQUIRED = (("phone", "card_number"), ("amount",), ("occurred_at",))
RECEIPT_PREFIX = "import-"  # the receipt made for a row without one

COLUMN_GUESSES = {
    "phone": ("phone", "phone number", "mobile", "tel", "telephone", "sđt", "sdt", "số điện thoại", "điện thoại"),
    "card_number": ("card_number", "card", "card number", "card no", "số thẻ", "mã thẻ", "thẻ"),
    "amount": ("amount", "total", "spend", "value", "số tiền", "tổng tiền", "thành tiền", "tiền"),
    "occurred_at": ("occurred_at", "date", "time", "datetime", "purchase date", "ngày", "thời gian", "ngày mua"),
    "receipt": ("receipt", "receipt number", "receipt no", "invoice", "order", "order id", "hóa đơn", "số hóa đơn"),
    "location": ("location", "store", "branch", "shop", "cửa hàng", "chi nhánh"),
    "category": ("category", "department", "danh mục", "loại", "nhóm hàng"),
}


@dataclass
class PurchaseRow:
    """One valid row: the member it belongs to, what was bought, when and where."""

    row: int
    amount: Decimal
    occurred_at: datetime
    receipt: str
    member_id: int = 0
    account_id: int = 0
    location_id: int | None = None
    category: str = ""


@dataclass
class PurchasePlan:
    shop: Shop
    new: list[PurchaseRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    already: int = 0  # rows whose receipt is recorded already
    rows: int = 0

    @property
    def skipped(self) -> int:
        return self.rows - len(self.new)


@dataclass
class _Cells:
    row: int
    phone: str = ""
    card_number: str = ""
    values: dict = field(default_factory=dict)


# ---------------------------------------------------------------- one row's cells


def _occurred_at(raw: str, tz, now: datetime) -> datetime:
    """An ISO date (fromisoformat reads it as its midnight) or date and time, in the shop's time zone unless it
    names an offset; in the past."""
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(_("not a date or date and time (use 2024-05-31 or 2024-05-31 18:30)")) from None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=tz)
    if moment > now:
        raise ValueError(_("must be in the past"))
    return moment


def _receipt(raw: str) -> str:
    if len(raw) > Purchase._meta.get_field("external_id").max_length:
        raise ValueError(_("longer than 100 characters"))
    return raw


def _category(raw: str) -> str:
    if len(raw) > 100:
        raise ValueError(_("longer than 100 characters"))
    return raw


class _RowReader:
    """Reads one row's cells with the shop's currency, time zone, phone region and locations."""

    def __init__(self, shop: Shop, mapping: dict[int, str]):
        self.shop, self.mapping, self.tz, self.now = shop, mapping, shop.tz, timezone.now()
        self.phone = PhoneReader(shop.country)
        self.locations = {}
        for pk, code, name in shop.locations.values_list("id", "code", "name"):
            self.locations.setdefault(name.strip().lower(), pk)
            self.locations[code.lower()] = pk

    def __call__(self, number: int, cells: list[str]) -> _Cells | list[RowError]:
        read, errors = _Cells(row=number), []
        for index, column in self.mapping.items():
            raw = cells[index].strip() if index < len(cells) else ""
            try:
                self._cell(read, column, raw)
            except ValueError as error:
                errors.append(RowError(number, column, str(error)))
        if not errors and not (read.phone or read.card_number):
            errors.append(RowError(number, "phone", _("a phone or a card number is required")))
        return errors or read

    def _cell(self, read: _Cells, column: str, raw: str) -> None:
        if not raw:
            if column in ("amount", "occurred_at"):
                raise ValueError(_("is required"))
        elif column == "phone":
            try:
                read.phone = self.phone(raw)
            except ValidationFailed:
                raise ValueError(_("“%s” is not a valid phone number") % raw) from None
        elif column == "card_number":
            read.card_number = card_cell(raw)
        elif column == "amount":
            try:
                read.values["amount"] = parse_money(raw, self.shop.currency)
            except MoneyError as error:
                raise ValueError(str(error)) from None
        elif column == "occurred_at":
            read.values["occurred_at"] = _occurred_at(raw, self.tz, self.now)
        elif column == "location":
            if raw.lower() not in self.locations:
                raise ValueError(_("no location of the shop has the code or name “%s”") % raw)
            read.values["location_id"] = self.locations[raw.lower()]
        elif column == "receipt":
            read.values["receipt"] = _receipt(raw)
        elif column == "category":
            read.values["category"] = _category(raw)


# ---------------------------------------------------------------- the plan


def purchases_plan(shop: Shop, rows: list[tuple[int, list[str]]], mapping: dict[int, str]) -> PurchasePlan:
    """Validate every row: its cells, its member (who must exist already), its receipt (once in the file; one
    already recorded is skipped). Reads the database, writes nothing."""
    plan = PurchasePlan(shop=shop, rows=len(rows))
    read_row = _RowReader(shop, mapping)
    good = []
    for number, cells in rows:
        read = read_row(number, cells)
        if isinstance(read, list):
            plan.errors.extend(read)
        else:
            good.append(read)
    by_phone = _members_by("phone", shop, {c.phone for c in good if c.phone})
    by_card = _members_by("card", shop, {c.card_number for c in good if c.card_number})
    planned = [row for row in (_with_member(c, by_phone, by_card, plan) for c in good) if row is not None]
    _receipts_made(planned)
    planned = _once_per_receipt(planned, plan)
    recorded = receipts_recorded(shop, [row.receipt for row in planned])
    plan.new = [row for row in planned if row.receipt not in recorded]
    plan.already = len(planned) - len(plan.new)
    return plan


def _with_member(cells: _Cells, by_phone: dict, by_card: dict, plan: PurchasePlan) -> PurchaseRow | None:
    """The row with its member: by phone, or by card; both given must be the same member."""
    member = by_phone.get(cells.phone) if cells.phone else None
    if cells.phone and member is None:
        plan.errors.append(RowError(cells.row, "phone", _("no member of the shop has this phone")))
        return None
    if cells.card_number:
        holder = by_card.get(cells.card_number)
        if holder is None:
            plan.errors.append(RowError(cells.row, "card_number", _("no member of the shop has this card")))
            return None
        if member is not None and holder != member:
            plan.errors.append(RowError(cells.row, "card_number", _("this card belongs to another member")))
            return None
        member = holder
    values = {"receipt": "", **cells.values}
    return PurchaseRow(row=cells.row, member_id=member[0], account_id=member[1], **values)


def _members_by(key: str, shop: Shop, values: set[str]) -> dict[str, tuple[int, int]]:
    """The shop's current members among the phones or card numbers: value → (member id, account id)."""
    found = {}
    for chunk in chunks(sorted(values)):
        if key == "phone":
            rows = Member.objects.current().filter(shop=shop, phone__in=chunk).values_list("phone", "id", "account_id")
        else:
            rows = Card.objects.filter(
                shop=shop, number__in=chunk, blocked_at__isnull=True, member__merged_into__isnull=True,
                member__erased_at__isnull=True,
            ).values_list("number", "member_id", "member__account_id")  # fmt: skip
        found.update((value, (member_id, account_id)) for value, member_id, account_id in rows.iterator())
    return found


def _receipts_made(rows: list[PurchaseRow]) -> None:
    """A row without a receipt gets one from its cells (and how many identical rows came before it), so that the
    same file imported again finds it recorded."""
    seen: dict[str, int] = {}
    for row in rows:
        if row.receipt:
            continue
        cells = f"{row.member_id}|{row.amount}|{row.occurred_at.isoformat()}|{row.location_id}|{row.category}"
        seen[cells] = seen.get(cells, 0) + 1
        digest = hashlib.sha256(f"{cells}|{seen[cells]}".encode()).hexdigest()[:32]
        row.receipt = RECEIPT_PREFIX + digest


def _once_per_receipt(rows: list[PurchaseRow], plan: PurchasePlan) -> list[PurchaseRow]:
    first: dict[str, int] = {}
    kept = []
    for row in rows:
        if row.receipt in first:
            plan.errors.append(RowError(row.row, "receipt", _("the same receipt as row %s") % first[row.receipt]))
        else:
            first[row.receipt] = row.row
            kept.append(row)
    return kept


def receipts_recorded(shop: Shop, receipts: list[str]) -> set[str]:
    found = set()
    for chunk in chunks(receipts):
        found.update(Purchase.objects.filter(shop=shop, external_id__in=chunk).values_list("external_id", flat=True))
    return found


@dataclass(frozen=True)
class PurchaseImportResult:
    imported: int
    skipped: int
    tiers_raised: int = 0

    def __str__(self) -> str:
        return f"imported {self.imported}, skipped {self.skipped}, tiers raised {self.tiers_raised}"
