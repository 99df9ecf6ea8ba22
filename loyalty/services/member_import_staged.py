"""The PostgreSQL path of writing an import's new members (member_import_write.py), set-based: the plan's rows go
into a temporary table by one COPY, then each table is one INSERT … SELECT from it — accounts, members, cards
(a pre-printed card the file names is attached by one UPDATE … FROM), opening-balance lots and consent records —
and one aggregate query checks the new accounts' balances against their lots. No model instance is built per
row: for 100,000 customers building them cost more than the database's work.

Every column a table has is written: those that differ per row from the staging table, the rest from one
template instance prepared as Model.save would (defaults, the actor, the import's moment), as parameters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.db import connection

from loyalty.models import Account, Card, ConsentChange, ConsentSource, EntryKind, LedgerEntry, Member

from .member_import import IMPORT_SOURCE, OPENING_BALANCE_KEY
from .sql import table

STAGE = "member_import_stage"
STEPS = 6  # progress is reported after each of the statements that write


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def insert_select(template, exprs: dict, source: str, params: list | None = None) -> int:
    """INSERT INTO the template's table one row per row of `source` (a FROM … clause, with `params`): the columns
    named in `exprs` (field name → SQL, or (SQL, its parameters)) from it, every other column the template's value.
    The primary key is left to the database unless `exprs` names it."""
    model = type(template)
    meta = model._meta
    columns, values, values_params = [], [], []
    for field in meta.concrete_fields:
        expr = exprs.get(field.name, exprs.get(field.attname))
        if expr is None and field is meta.pk:
            continue
        columns.append(_quote(field.column))
        if expr is None:
            values.append("%s")
            values_params.append(field.get_db_prep_save(field.pre_save(template, add=True), connection))
        else:
            sql, expr_params = expr if isinstance(expr, tuple) else (expr, [])
            values.append(sql)
            values_params += expr_params
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table(model)} ({', '.join(columns)}) SELECT {', '.join(values)} {source}",
            [*values_params, *(params or [])],
        )
        return cursor.rowcount


def _sequence(model) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, model._meta.pk.column])
        return cursor.fetchone()[0]


class StagedNewMembers:
    """Writes all of an import's new members at once; `member_ids` and `account_ids` afterwards."""

    def __init__(self, *, shop, program, actor, at: datetime, tier, expires_at, progress: Callable[[int], None]):
        self.shop, self.program, self.actor, self.at = shop, program, actor, at
        self.tier, self.expires_at, self.progress = tier, expires_at, progress
        self.member_ids: list[int] = []
        self.account_ids: list[int] = []

    def write(self, rows: list, codes: list[str], fresh_cards: list[str]) -> None:
        if not rows:
            return
        self._stage(rows, codes, fresh_cards)
        self._insert_accounts()
        self._insert_members()
        self._cards()
        self._lots()
        self._consents()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT member_id, account_id FROM {STAGE} ORDER BY n")
            pairs = cursor.fetchall()
        self.member_ids = [member_id for member_id, _ in pairs]
        self.account_ids = [account_id for _, account_id in pairs]

    def _stage(self, rows: list, codes: list[str], fresh_cards: list[str]) -> None:
        """The rows in a temporary table (gone at commit or rollback), each with its new account's and member's
        keys drawn from their tables' sequences."""
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {STAGE} (n integer PRIMARY KEY, phone text, name text, email text,"
                " birthday date, points bigint, card_number text, consent boolean, referral_code text,"
                f" fresh_card text, account_id bigint DEFAULT nextval('{_sequence(Account)}'),"
                f" member_id bigint DEFAULT nextval('{_sequence(Member)}')) ON COMMIT DROP"
            )
            cards = iter(fresh_cards)
            with cursor.cursor.copy(
                f"COPY {STAGE} (n, phone, name, email, birthday, points, card_number, consent, referral_code,"
                " fresh_card) FROM STDIN"
            ) as copy:
                for n, (row, code) in enumerate(zip(rows, codes, strict=True)):
                    copy.write_row(
                        (
                            n,
                            row.phone,
                            row.name or "",
                            row.email or "",
                            row.birthday,
                            row.points or 0,
                            row.card_number,
                            bool(row.marketing_consent),
                            code,
                            None if row.card_number else next(cards),
                        )
                    )
            cursor.execute(f"ANALYZE {STAGE}")
        self._step(1)

    source = f"FROM {STAGE} s ORDER BY s.n"

    def _step(self, number: int) -> None:
        self.progress(number)

    def _insert_accounts(self) -> None:
        template = Account(program=self.program, tier=self.tier, tier_since=self.at if self.tier else None)
        at = ("%s::timestamptz", [self.at])
        insert_select(template, {"id": "s.account_id", "points_balance": "s.points", "created_at": at}, self.source)
        self._step(2)

    def _insert_members(self) -> None:
        template = Member(
            shop=self.shop, enrolled_location=self.actor.location, enrolled_by=self.actor.staff, referral_code=""
        )
        exprs = {
            "id": "s.member_id",
            "account": "s.account_id",
            "phone": "s.phone",
            "name": "s.name",
            "email": "s.email",
            "birthday": "s.birthday",
            "marketing_consent": "s.consent",
            "consent_at": ("CASE WHEN s.consent THEN %s::timestamptz END", [self.at]),
            "consent_source": ("CASE WHEN s.consent THEN %s ELSE '' END", [ConsentSource.IMPORT.value]),
            "referral_code": "s.referral_code",
            "created_at": ("%s::timestamptz", [self.at]),
        }
        insert_select(template, exprs, self.source)
        self._step(3)

    def _cards(self) -> None:
        """The card the file names: a printed one the shop holds unattached is attached; one the database does not
        know is made (printed); a row without one gets its new number."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table(Card)} c SET member_id = s.member_id FROM {STAGE} s WHERE s.card_number IS NOT NULL"
                " AND c.number = s.card_number AND c.shop_id = %s AND c.member_id IS NULL",
                [self.shop.pk],
            )
        template = Card(shop=self.shop)
        insert_select(
            template,
            {
                "number": "COALESCE(s.card_number, s.fresh_card)",
                "member": "s.member_id",
                "printed": "s.card_number IS NOT NULL",
                "created_at": ("%s::timestamptz", [self.at]),
            },
            f"FROM {STAGE} s WHERE s.card_number IS NULL OR NOT EXISTS"
            f" (SELECT 1 FROM {table(Card)} c WHERE c.number = s.card_number) ORDER BY s.n",
        )
        self._step(4)

    def _lots(self) -> None:
        template = LedgerEntry(
            kind=EntryKind.IMPORT,
            occurred_at=self.at,
            available_at=self.at,
            expires_at=self.expires_at,
            source=IMPORT_SOURCE,
            event_key=OPENING_BALANCE_KEY,
            reason="opening balance",
            **self.actor.entry_fields(),
        )
        insert_select(
            template,
            {"account": "s.account_id", "points": "s.points", "remaining": "s.points"},
            f"FROM {STAGE} s WHERE s.points > 0 ORDER BY s.n",
        )
        self._step(5)

    def _consents(self) -> None:
        template = ConsentChange(granted=True, source=ConsentSource.IMPORT, at=self.at, by=self.actor.staff)
        insert_select(template, {"member": "s.member_id"}, f"FROM {STAGE} s WHERE s.consent ORDER BY s.n")
        self._step(6)

    def violations(self) -> list[str]:
        """The new accounts whose balance is not the sum of their entries, or not what their lots hold (their
        only entries are the opening lots, so the sum and cover invariants are all there is to check)."""
        if not self.account_ids:
            return []
        with connection.cursor() as cursor:
            # Driven from the staging table by index look-ups (the accounts' primary key, the ledger's index on
            # account): the new rows are not in the tables' statistics yet, so a plan the planner would pick from
            # them could scan the whole ledger once per account.
            cursor.execute(
                f"SELECT a.id, a.points_balance, COALESCE(e.points, 0), COALESCE(e.held, 0)"
                f" FROM {STAGE} s JOIN {table(Account)} a ON a.id = s.account_id"
                f" LEFT JOIN LATERAL (SELECT SUM(l.points) AS points, SUM(l.remaining) AS held"
                f" FROM {table(LedgerEntry)} l WHERE l.account_id = s.account_id) e ON true"
                " WHERE a.points_balance <> COALESCE(e.points, 0) OR a.points_balance <> COALESCE(e.held, 0) LIMIT 5"
            )
            return [f"account {pk}: balance {balance}, ledger {total}" for pk, balance, total, _held in cursor]
