"""`manage.py members_import` as cli.md defines it: CSV in every encoding and separator owners' spreadsheets write,
every row validated first, all or nothing unless --skip-invalid, phones merged, opening balances once."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import CommandError, call_command

from loyalty.models import Card, ConsentChange, EntryKind, LedgerEntry, Member, MemberChange
from loyalty.services.invariants import ledger_violations
from loyalty.services.ledger import Actor, points_adjust
from loyalty.services.members import card_number_new
from tests.factories import enrol

pytestmark = pytest.mark.django_db


def run(shop, tmp_path, content, *options, encoding="utf-8", name="members.csv"):
    path = tmp_path / name
    path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    from io import StringIO

    out = StringIO()
    call_command("members_import", shop.slug, str(path), *options, stdout=out)
    return out.getvalue().strip().splitlines()


def balance(shop, phone) -> int:
    return Member.objects.select_related("account").get(shop=shop, phone=phone).account.points_balance


def test_imports_members_with_opening_balances_cards_and_consent(shop, tmp_path):
    card = card_number_new()
    lines = run(
        shop,
        tmp_path,
        "phone,name,email,birthday,points,card_number,marketing_consent\n"
        f"0901 234 567,Nguyễn An,AN@Example.com,1990-04-30,120,{card},yes\n"
        "+84901234568,Bình,,30/04/1985,,,no\n",
    )
    assert lines[-1] == "imported 2, updated 0, skipped 0"
    an = Member.objects.get(shop=shop, phone="+84901234567")
    assert (an.name, an.email, an.birthday, an.marketing_consent) == (
        "Nguyễn An",
        "an@example.com",
        date(1990, 4, 30),
        True,
    )
    assert an.account.points_balance == 120 and an.account.lifetime_earned == 0
    assert Card.objects.get(number=card).member == an
    assert ConsentChange.objects.filter(member=an, granted=True, source="import").count() == 1
    lot = LedgerEntry.objects.get(account=an.account)
    assert (lot.kind, lot.points, lot.remaining) == (EntryKind.IMPORT, 120, 120)
    binh = Member.objects.get(shop=shop, phone="+84901234568")
    assert binh.birthday == date(1985, 4, 30) and binh.account.points_balance == 0
    assert binh.cards.count() == 1 and not binh.marketing_consent
    assert not LedgerEntry.objects.filter(account=binh.account).exists()
    assert ledger_violations() == []


def test_importing_the_same_file_twice_changes_nothing(shop, tmp_path):
    content = "phone,points\n0901234567,50\n0901234568,7\n"
    assert run(shop, tmp_path, content)[-1] == "imported 2, updated 0, skipped 0"
    assert run(shop, tmp_path, content)[-1] == "imported 0, updated 2, skipped 0"
    assert balance(shop, "+84901234567") == 50
    assert LedgerEntry.objects.filter(kind=EntryKind.IMPORT).count() == 2
    assert Member.objects.filter(shop=shop).count() == 2


def test_an_existing_member_is_updated_once_and_gets_one_opening_balance(shop, tmp_path):
    member = enrol(shop, phone="+84901234567", name="Old name")
    lines = run(shop, tmp_path, "phone,name,points\n090-123-4567,New name,30\n")
    assert lines[-1] == "imported 0, updated 1, skipped 0"
    member.refresh_from_db()
    assert member.name == "New name" and member.account.points_balance == 30
    assert MemberChange.objects.get(member=member).changed == {"name": ["Old name", "New name"]}
    run(shop, tmp_path, "phone,points\n0901234567,99\n")
    assert balance(shop, "+84901234567") == 30  # once per member, whatever a later file says
    assert ledger_violations() == []


def test_an_opening_balance_pays_an_existing_debt_first(shop, tmp_path):
    member = enrol(shop, phone="+84901234567")
    points_adjust(account_id=member.account_id, actor=Actor(shop=shop), points=5, reason="x", at=member.created_at)
    run(shop, tmp_path, "phone,points\n0901234567,10\n")
    assert balance(shop, "+84901234567") == 15
    assert ledger_violations() == []


def test_any_invalid_row_imports_nothing_and_names_each_bad_cell(shop, tmp_path):
    content = (
        "Phone;Name;Email;Birthday;Points\n"
        "0901234567;An;an@example.com;1990-01-01;10\n"
        "12;Bad phone;;;\n"
        "0901234568;;not-an-email;31/02/1990;-3\n"
        ";No phone;;;\n"
    )
    with pytest.raises(CommandError, match="3 invalid rows"):
        lines = run(shop, tmp_path, content)
    assert not Member.objects.filter(shop=shop).exists()
    path = tmp_path / "members.csv"
    from io import StringIO

    out = StringIO()
    with pytest.raises(CommandError):
        call_command("members_import", shop.slug, str(path), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines == [
        "row 3: phone: “12” is not a valid phone number",
        "row 4: email: not a valid email address",
        "row 4: birthday: not a date (use 1990-04-30 or 30/04/1990)",
        "row 4: points: must be a whole number of 0 or more",
        "row 5: phone: is required",
    ]


def test_skip_invalid_imports_the_valid_rows_and_lists_the_others(shop, tmp_path):
    lines = run(shop, tmp_path, "phone,points\n0901234567,5\nnope,1\n", "--skip-invalid")
    assert lines == ["row 3: phone: “nope” is not a valid phone number", "imported 1, updated 0, skipped 1"]
    assert balance(shop, "+84901234567") == 5


def test_dry_run_counts_and_changes_nothing(shop, tmp_path):
    enrol(shop, phone="+84901234567")
    assert run(shop, tmp_path, "phone\n0901234567\n0901234568\n", "--dry-run") == ["imported 1, updated 1, skipped 0"]
    assert Member.objects.filter(shop=shop).count() == 1


def test_unknown_and_missing_columns_are_refused(shop, tmp_path):
    with pytest.raises(CommandError, match="header"):
        run(shop, tmp_path, "name,colour\nAn,red\n")
    assert not Member.objects.exists()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le"])
def test_reads_utf8_with_a_bom_and_utf16(shop, tmp_path, encoding):
    lines = run(shop, tmp_path, "PHONE,Name\r\n0901234567,Trần Thị Bình\r\n", encoding=encoding)
    assert lines[-1] == "imported 1, updated 0, skipped 0"
    assert Member.objects.get(shop=shop).name == "Trần Thị Bình"


def test_reads_excel_quoting_and_semicolons(shop, tmp_path):
    content = 'name;phone\n"Phạm ""Bé"" Ba; the elder";"0901 234 567"\n"Line\nbreak";0901234568\n'
    assert run(shop, tmp_path, content)[-1] == "imported 2, updated 0, skipped 0"
    assert Member.objects.get(phone="+84901234567").name == 'Phạm "Bé" Ba; the elder'
    assert Member.objects.get(phone="+84901234568").name == "Line\nbreak"


def test_one_phone_twice_in_the_file_is_one_member(shop, tmp_path):
    lines = run(shop, tmp_path, "phone,name,email,points\n0901234567,An,,10\n+84901234567,,an@example.com,\n")
    assert lines[-1] == "imported 1, updated 1, skipped 0"
    member = Member.objects.get(shop=shop)
    assert (member.name, member.email, member.account.points_balance) == ("An", "an@example.com", 10)


def test_one_phone_with_two_opening_balances_is_refused(shop, tmp_path):
    with pytest.raises(CommandError):
        run(shop, tmp_path, "phone,points\n0901234567,10\n0901234567,20\n")
    assert not Member.objects.exists()


def test_a_card_of_another_member_or_twice_in_the_file_is_refused(shop, tmp_path):
    holder = enrol(shop)
    taken = holder.cards.get().number
    free = card_number_new()
    content = f"phone,card_number\n0901234567,{taken}\n0901234568,{free}\n0901234569,{free}\n0901234560,12345\n"
    lines = run(shop, tmp_path, content, "--skip-invalid")
    assert lines == [
        "row 2: card_number: this card belongs to another member",
        "row 4: card_number: the same card as row 3",
        "row 5: card_number: not a card number (its check digit is wrong)",
        "imported 1, updated 0, skipped 3",
    ]
    assert Card.objects.get(number=free).member.phone == "+84901234568"


def test_a_crash_midway_leaves_nothing(shop, tmp_path, monkeypatch):
    """SQLite writes chunk by chunk: the second chunk fails. PostgreSQL writes set-based: the statement after the
    members went in fails. Either way nothing is left."""
    from django.db import connection

    from loyalty.services import member_import_staged, member_import_write

    calls = []
    if connection.vendor == "postgresql":
        original = member_import_staged.StagedNewMembers._cards

        def failing(self):
            calls.append(Member.objects.count())
            raise RuntimeError("the worker died")

        monkeypatch.setattr(member_import_staged.StagedNewMembers, "_cards", failing)
        expected = [3]  # the members were in when it died
    else:
        monkeypatch.setattr(member_import_write, "CHUNK", 2)
        original = member_import_write._NewMembers.write

        def failing(self, rows):
            calls.append(len(rows))
            if len(calls) == 2:
                raise RuntimeError("the worker died")
            return original(self, rows)

        monkeypatch.setattr(member_import_write._NewMembers, "write", failing)
        expected = [2, 1]
    with pytest.raises(RuntimeError):
        run(shop, tmp_path, "phone,points\n0901234561,1\n0901234562,2\n0901234563,3\n")
    assert calls == expected
    assert not Member.objects.exists() and not LedgerEntry.objects.exists()


def test_an_unknown_shop_is_refused(db, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("phone\n0901234567\n")
    with pytest.raises(CommandError, match="slug"):
        call_command("members_import", "nope", str(path))


def test_new_numbers_are_valid_cards_and_codes_of_the_referral_alphabet():
    from loyalty.services.member_import_write import card_numbers_new, referral_codes_new
    from loyalty.services.members import REFERRAL_ALPHABET, card_number_valid

    cards, codes = card_numbers_new(500), referral_codes_new(500)
    assert len(cards) == len(codes) == 500
    assert all(card_number_valid(number) and len(number) == 9 and number[0] != "0" for number in cards)
    assert all(len(code) == 7 and set(code) <= set(REFERRAL_ALPHABET) for code in codes)
    assert len(set(codes)) > 490  # random, not repeated
