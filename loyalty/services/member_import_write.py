"""Writing an import plan (member_import.py) in one transaction, set-based: a few bulk INSERTs per chunk of rows
for the new members, one aggregated UPDATE for the opening balances of existing ones (LEDGER.md: bulk import),
then the ledger's invariants over every account it touched."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from functools import cache

from django.db import connection, transaction
from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from loyalty import hooks
from loyalty.models import Account, Card, ConsentChange, EntryKind, LedgerEntry, Member, MemberChange, Shop

from .invariants import ledger_violations
from .ledger import Actor, lot_create
from .member_import import (
    IMPORT_SOURCE,
    OPENING_BALANCE_KEY,
    ImportPlan,
    ImportResult,
    ImportRow,
    accounts_with_opening_balance,
)
from .member_import_staged import STEPS, StagedNewMembers
from .members import REFERRAL_ALPHABET, card_attach, consent_set
from .rules import lot_expiry
from .sql import bulk_insert, table
from .tiers import starting_tier

CHUNK = 2000

Progress = Callable[[int, int], None]  # progress(rows done, rows in all)


def members_import(
    *, plan: ImportPlan, actor: Actor, at: datetime | None = None, progress: Progress | None = None
) -> ImportResult:
    """Write the plan: all of it or, on any error, nothing. Imports of one shop run one after another (the shop's
    row is locked), so two of them cannot both give a member an opening balance or the same card."""
    at = at or timezone.now()
    shop, total = plan.shop, len(plan.new) + len(plan.existing)
    with transaction.atomic():
        Shop.objects.select_for_update().only("id").get(pk=shop.pk)
        program = shop.program
        member_ids = _write_new(plan, shop=shop, program=program, actor=actor, at=at, progress=progress)
        done = len(plan.new)
        touched = []
        existing = list(plan.existing.items())
        for chunk in _chunks(existing):
            touched += _update_existing(dict(chunk), shop=shop, program=program, actor=actor, at=at)
            done += len(chunk)
            _report(progress, done, total)
        _check_ledger(touched)
        if member_ids:
            hooks.emit(hooks.MembersImported(shop=shop, member_ids=tuple(member_ids), actor=actor, at=at))
    return ImportResult(
        imported=plan.imported, updated=plan.updated, skipped=plan.skipped, member_ids=tuple(member_ids), at=at
    )


def _write_new(plan: ImportPlan, *, shop, program, actor: Actor, at: datetime, progress) -> list[int]:
    """The new members: on PostgreSQL set-based through a staging table (member_import_staged.py), elsewhere by
    bulk INSERTs per chunk. Returns their ids in the file's order."""
    total = len(plan.new) + len(plan.existing)
    if connection.vendor == "postgresql":
        tier = starting_tier(list(program.tiers.order_by("threshold")))
        given = sum(1 for row in plan.new if row.card_number)
        staged = StagedNewMembers(
            shop=shop, program=program, actor=actor, at=at, tier=tier, expires_at=lot_expiry(program, at, shop.tz),
            progress=lambda step: _report(progress, len(plan.new) * step // STEPS, total),
        )  # fmt: skip
        staged.write(
            plan.new,
            _free_values(Member, "referral_code", referral_codes_new, len(plan.new)),
            _free_values(Card, "number", card_numbers_new, len(plan.new) - given),
        )
        _refuse(staged.violations())
        return staged.member_ids
    writer = _NewMembers(shop=shop, program=program, actor=actor, at=at)
    member_ids, done = [], 0
    for chunk in _chunks(plan.new):
        member_ids += writer.write(chunk)
        done += len(chunk)
        _report(progress, done, total)
    _check_new_accounts(writer.account_ids)
    return member_ids


def _chunks(items: list, size: int | None = None):
    size = size or CHUNK  # read when called, so a test can make chunks small
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _report(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)


def _check_new_accounts(account_ids: list[int]) -> None:
    """The new accounts' balances equal their lots, in one aggregate query per chunk (their only entries are the
    opening lots, so the sum and cover invariants are all there is to check)."""
    for chunk in _chunks(account_ids, 20000):
        wrong = (
            Account.objects.filter(pk__in=chunk)
            .annotate(total=Coalesce(Sum("entries__points"), 0), held=Coalesce(Sum("entries__remaining"), 0))
            .exclude(Q(points_balance=F("total")) & Q(points_balance=F("held")))
            .values_list("pk", "points_balance", "total")[:5]
        )
        _refuse([f"account {pk}: balance {balance}, ledger {total}" for pk, balance, total in wrong])


def _check_ledger(member_ids: list[int]) -> None:
    """The ledger's invariants over the existing accounts that took an opening balance."""
    account_ids = list(Member.objects.filter(pk__in=member_ids).values_list("account_id", flat=True))
    _refuse([p for chunk in _chunks(account_ids, 20000) for p in ledger_violations(account_ids=chunk)])


def _refuse(problems: list[str]) -> None:
    if problems:  # a bug, never the file's fault: refuse the whole import rather than leave a wrong ledger
        raise RuntimeError("the import would break the ledger: " + "; ".join(problems[:5]))


class _NewMembers:
    """Members made from rows: their accounts (opening balance already in the cached figures), members, cards,
    opening-balance lots and consent records, each table one INSERT per chunk."""

    def __init__(self, *, shop: Shop, program, actor: Actor, at: datetime):
        self.shop, self.program, self.actor, self.at = shop, program, actor, at
        self.tier = starting_tier(list(program.tiers.order_by("threshold")))
        self.expires_at = lot_expiry(program, at, shop.tz)
        self.account_ids: list[int] = []

    def write(self, rows: list[ImportRow]) -> list[int]:
        accounts = [
            Account(
                program=self.program,
                tier=self.tier,
                tier_since=self.at if self.tier else None,
                points_balance=row.points or 0,
            )
            for row in rows
        ]
        bulk_insert(accounts)
        self.account_ids += [account.pk for account in accounts]
        codes = _free_values(Member, "referral_code", referral_codes_new, len(rows))
        members = [
            Member(
                shop=self.shop,
                account=account,
                phone=row.phone,
                name=row.name or "",
                email=row.email or "",
                birthday=row.birthday,
                marketing_consent=bool(row.marketing_consent),
                consent_at=self.at if row.marketing_consent else None,
                consent_source=IMPORT_SOURCE if row.marketing_consent else "",
                enrolled_location=self.actor.location,
                enrolled_by=self.actor.staff,
                referral_code=code,
            )
            for row, account, code in zip(rows, accounts, codes, strict=True)
        ]
        bulk_insert(members)
        self._cards(rows, members)
        bulk_insert(
            [
                _opening_lot(account, row.points, shop=self.shop, actor=self.actor, at=self.at, expires=self.expires_at)
                for row, account in zip(rows, accounts, strict=True)
                if row.points
            ]
        )
        bulk_insert(
            [
                ConsentChange(member=member, granted=True, source=IMPORT_SOURCE, at=self.at, by=self.actor.staff)
                for row, member in zip(rows, members, strict=True)
                if row.marketing_consent
            ]
        )
        return [member.pk for member in members]

    def _cards(self, rows: list[ImportRow], members: list[Member]) -> None:
        """The card the file names (pre-printed, or the old system's), else a new number; a given card the shop
        printed already and nobody holds is attached."""
        given = [(row.card_number, member) for row, member in zip(rows, members, strict=True) if row.card_number]
        printed = dict(
            Card.objects.filter(shop=self.shop, number__in=[number for number, _ in given], member__isnull=True)
            .values_list("number", "id")
            .iterator()
        )
        for number, member in given:
            if number in printed:
                Card.objects.filter(pk=printed[number]).update(member=member)
        fresh = _free_values(Card, "number", card_numbers_new, len(members) - len(given))
        new_cards = [
            Card(shop=self.shop, number=number, member=member, printed=True)
            for number, member in given
            if number not in printed
        ]
        drawn = iter(fresh)
        new_cards += [
            Card(shop=self.shop, number=next(drawn), member=m)
            for r, m in zip(rows, members, strict=True)
            if not r.card_number
        ]
        bulk_insert(new_cards)


def _opening_lot(account: Account, points: int, *, shop: Shop, actor: Actor, at: datetime, expires) -> LedgerEntry:
    return LedgerEntry(
        account=account,
        kind=EntryKind.IMPORT,
        points=points,
        occurred_at=at,
        available_at=at,
        expires_at=expires,
        remaining=points,
        source=IMPORT_SOURCE,
        event_key=OPENING_BALANCE_KEY,
        reason="opening balance",
        **actor.entry_fields(),
    )


def _random_texts(count: int, alphabets: list[str]) -> list[str]:
    """`count` random texts, character i drawn from alphabets[i], from a few reads of the system's randomness (a
    draw per character costs a system call each: for 100,000 members that was the slowest part of an import).
    Each random byte becomes a character by one `bytes.translate` per alphabet, which drops the bytes past the
    last whole multiple of the alphabet's size, so every character is equally likely."""
    columns = {}
    for alphabet in set(alphabets):
        columns[alphabet] = _random_chars(alphabet, count * alphabets.count(alphabet))
    taken = dict.fromkeys(columns, 0)
    texts_chars = []
    for alphabet in alphabets:
        start = taken[alphabet]
        texts_chars.append(columns[alphabet][start : start + count])
        taken[alphabet] = start + count
    return ["".join(chars) for chars in zip(*texts_chars, strict=True)]


def _random_chars(alphabet: str, count: int) -> str:
    size = len(alphabet)
    keep = 256 - 256 % size
    table = bytes(alphabet.encode("ascii")[byte % size] if byte < keep else 0 for byte in range(256))
    drop = bytes(range(keep, 256))
    chars = b""
    while len(chars) < count:
        chars += secrets.token_bytes(2 * (count - len(chars)) + 16).translate(table, drop)
    return chars[:count].decode("ascii")


def referral_codes_new(count: int) -> list[str]:
    return _random_texts(count, [REFERRAL_ALPHABET] * 7)


def card_numbers_new(count: int) -> list[str]:
    """As card_number_new draws them: eight digits, the first not 0, and a Luhn check digit."""
    return [body + _luhn_of_eight(body) for body in _random_texts(count, ["123456789"] + ["0123456789"] * 7)]


@cache
def _luhn_halves() -> dict[str, int]:
    """The Luhn sum of every four digits at the places a half of an eight-digit body takes (the places' parities
    are the same in both halves), so a check digit is two look-ups."""
    total = {}
    for value in range(10_000):
        digits = f"{value:04d}"
        total[digits] = sum(
            (2 * int(char) - 9 if 2 * int(char) > 9 else 2 * int(char)) if index % 2 == 0 else int(char)
            for index, char in enumerate(reversed(digits))
        )
    return total


def _luhn_of_eight(body: str) -> str:
    halves = _luhn_halves()
    return str((10 - (halves[body[:4]] + halves[body[4:]]) % 10) % 10)


def _free_values(model, field: str, draw: Callable[[int], list[str]], count: int) -> list[str]:
    """`count` distinct random values (referral codes, card numbers) no row holds yet, checked in one query per
    round; the unique index still has the last word."""
    values: set[str] = set()
    while len(values) < count:
        wanted = set(draw(count - len(values))) - values
        values |= wanted - _taken(model, field, list(wanted))
    return list(values)[:count]


def _taken(model, field: str, wanted: list[str]) -> set[str]:
    """Which of the values rows hold. On PostgreSQL one parameter (`= ANY(…)`): thousands of separate parameters
    cost more to send and plan than the lookup itself."""
    if connection.vendor != "postgresql":
        return set(model.objects.filter(**{f"{field}__in": wanted}).values_list(field, flat=True))
    column = connection.ops.quote_name(model._meta.get_field(field).column)
    with connection.cursor() as cursor:
        # The values are letters and digits (codes, card numbers): one comma-joined text is the cheapest to send.
        cursor.execute(
            f"SELECT {column} FROM {table(model)} WHERE {column} = ANY(string_to_array(%s, ','))", [",".join(wanted)]
        )
        return {value for (value,) in cursor.fetchall()}


# ---------------------------------------------------------------- members already there


def _update_existing(rows: dict[int, ImportRow], *, shop: Shop, program, actor: Actor, at: datetime) -> list[int]:
    """Existing members: details the file changes (kept in their history), consent, a new card, and an opening
    balance for those who never had one. Returns the ids of members whose points changed."""
    members = {
        member.pk: member
        for member in Member.objects.filter(pk__in=list(rows)).only(
            "id", "account_id", "shop_id", "name", "email", "birthday", "marketing_consent"
        )
    }
    changed, changes = [], []
    for member_id, row in rows.items():
        member = members[member_id]
        diff = _details_diff(member, row)
        if diff:
            for name, (_before, after) in diff.items():
                setattr(member, name, after)
            changed.append(member)
            changes.append(MemberChange(member=member, at=at, by=actor.staff, changed=_as_json(diff)))
        if row.marketing_consent is not None and row.marketing_consent != member.marketing_consent:
            consent_set(member=member, granted=row.marketing_consent, source=IMPORT_SOURCE, by=actor.staff, at=at)
        if row.card_number and not Card.objects.filter(number=row.card_number, member=member).exists():
            member.shop = shop
            card_attach(member=member, number=row.card_number)
    Member.objects.bulk_update(changed, ["name", "email", "birthday"])
    MemberChange.objects.bulk_create(changes)
    return _opening_balances(members, rows, shop=shop, program=program, actor=actor, at=at)


def _details_diff(member: Member, row: ImportRow) -> dict:
    return {
        name: (getattr(member, name), getattr(row, name))
        for name in ("name", "email", "birthday")
        if getattr(row, name) is not None and getattr(row, name) != getattr(member, name)
    }


def _as_json(diff: dict) -> dict:
    return {name: [v.isoformat() if hasattr(v, "isoformat") else v for v in values] for name, values in diff.items()}


def _opening_balances(members: dict, rows: dict, *, shop, program, actor: Actor, at: datetime) -> list[int]:
    """Opening balances of existing members who never had one: one lot each and one aggregated UPDATE of the
    cached balances; an account in debt takes its lot through the ledger's own path, which pays the debt first."""
    wanted = {members[mid].account_id: (mid, row.points) for mid, row in rows.items() if row.points}
    if not wanted:
        return []
    had = accounts_with_opening_balance(list(wanted))
    due = {account_id: value for account_id, value in wanted.items() if account_id not in had}
    locked = {a.pk: a for a in Account.objects.select_for_update(no_key=True).filter(pk__in=list(due)).order_by("pk")}
    expires = lot_expiry(program, at, shop.tz)
    plain = [account_id for account_id in due if locked[account_id].points_balance >= 0]
    LedgerEntry.objects.bulk_create(
        [_opening_lot(locked[aid], due[aid][1], shop=shop, actor=actor, at=at, expires=expires) for aid in plain]
    )
    opening = LedgerEntry.objects.filter(account=OuterRef("pk"), event_key=OPENING_BALANCE_KEY).values("points")[:1]
    Account.objects.filter(pk__in=plain).update(points_balance=F("points_balance") + Subquery(opening))
    for account_id in set(due) - set(plain):
        lot_create(
            account=locked[account_id],
            actor=actor,
            kind=EntryKind.IMPORT,
            points=due[account_id][1],
            occurred_at=at,
            available_at=at,
            expires_at=expires,
            source=IMPORT_SOURCE,
            reason="opening balance",
            event_key=OPENING_BALANCE_KEY,
        )
    return [mid for mid, _points in due.values()]
