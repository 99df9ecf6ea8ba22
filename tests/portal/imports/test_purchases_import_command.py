"""`manage.py purchases_import` as docs/purchases_import.md defines it: past purchases of existing members, every
row validated first, all or nothing unless --skip-invalid, receipts once, history and tier basis only."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from loyalty.models import (
    LedgerEntry,
    Message,
    Purchase,
    PurchaseLine,
    StampCard,
    StampEntry,
    TierChange,
    TierLevel,
    WalletEntry,
    WebhookDelivery,
    WebhookEndpoint,
)
from loyalty.services.refunds import purchase_refund
from tests.factories import LocationFactory, enrol

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def run(shop, tmp_path, content, *options, encoding="utf-8"):
    path = tmp_path / "purchases.csv"
    path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    out = StringIO()
    call_command("purchases_import", shop.slug, str(path), *options, stdout=out)
    return out.getvalue().strip().splitlines()


def refused(shop, tmp_path, content, *options) -> list[str]:
    """The rows' errors of a file the command refuses whole."""
    out = StringIO()
    path = tmp_path / "purchases.csv"
    path.write_text(content)
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("purchases_import", shop.slug, str(path), *options, stdout=out)
    return out.getvalue().strip().splitlines()


@pytest.fixture
def an(shop):
    """A member, and an endpoint that wants every webhook from now on."""
    member = enrol(shop, phone="+84901234567", name="An", marketing_consent=True, email="an@example.com")
    WebhookEndpoint.objects.create(shop=shop, url="https://example.com/hook")
    return member


def test_imports_past_purchases_that_earn_nothing(shop, an, tmp_path):
    StampCard.objects.create(program=shop.program, code="coffee", name="Coffee card", stamps_required=8)
    shop.program.cashback_percent = Decimal("2")
    shop.program.save()
    location = LocationFactory(shop=shop, code="q1", name="District 1")
    card, messages = an.cards.get().number, Message.objects.count()
    lines = run(
        shop,
        tmp_path,
        "phone,card_number,amount,occurred_at,receipt,location,category\n"
        "0901 234 567,,120000,2025-05-31,R-1,q1,coffee\n"
        f",{card},80000,2025-06-01T18:30:00,R-2,District 1,\n"
        "+84901234567,,50000,2025-06-02T09:00:00+00:00,,,\n",
    )
    assert lines == ["imported 3, skipped 0, tiers raised 0"]
    purchases = {p.external_id: p for p in Purchase.objects.filter(shop=shop)}
    first = purchases["R-1"]
    assert (first.member, first.account_id, first.amount, first.location, first.imported) == (
        an,
        an.account_id,
        Decimal("120000"),
        location,
        True,
    )
    assert first.occurred_at == datetime(2025, 5, 31, tzinfo=VN)  # a date alone: its midnight in the shop's zone
    assert purchases["R-2"].occurred_at == datetime(2025, 6, 1, 18, 30, tzinfo=VN)
    made = next(p for key, p in purchases.items() if key.startswith("import-"))
    assert made.occurred_at == datetime(2025, 6, 2, 16, tzinfo=VN)  # an offset is kept
    assert list(PurchaseLine.objects.values_list("purchase__external_id", "category", "amount")) == [
        ("R-1", "coffee", Decimal("120000"))
    ]
    assert {p.points_earned for p in purchases.values()} == {0} and {p.cashback for p in purchases.values()} == {0}
    assert not LedgerEntry.objects.filter(account=an.account).exists()
    assert not StampEntry.objects.exists() and not WalletEntry.objects.exists()
    assert not WebhookDelivery.objects.exists() and messages == Message.objects.count()
    an.account.refresh_from_db()
    assert (an.account.points_balance, an.account.lifetime_earned) == (0, 0)
    out = StringIO()
    call_command("ledger_check", stdout=out)
    assert "every invariant holds" in out.getvalue()


def test_importing_the_same_file_twice_changes_nothing(shop, an, tmp_path):
    content = "phone,amount,occurred_at,receipt\n0901234567,10000,2025-01-02,A\n0901234567,10000,2025-01-02,\n"
    content += "0901234567,10000,2025-01-02,\n"  # the same as the row above: a second purchase, not a duplicate
    assert run(shop, tmp_path, content) == ["imported 3, skipped 0, tiers raised 0"]
    assert run(shop, tmp_path, content) == ["imported 0, skipped 3, tiers raised 0"]
    assert Purchase.objects.filter(shop=shop).count() == 3


def test_a_receipt_already_recorded_is_skipped_as_already_imported(shop, an, tmp_path):
    run(shop, tmp_path, "phone,amount,occurred_at,receipt\n0901234567,10000,2025-01-02,A\n")
    lines = run(
        shop, tmp_path, "phone,amount,occurred_at,receipt\n0901234567,99000,2025-03-02,A\n0901234567,1,2025-03-02,B\n"
    )
    assert lines == ["imported 1, skipped 1, tiers raised 0"]
    assert Purchase.objects.get(shop=shop, external_id="A").amount == Decimal("10000")


def test_every_kind_of_bad_row_is_listed_and_nothing_is_imported(shop, an, other_shop, tmp_path):
    stranger = enrol(other_shop, phone="+84907777777")
    tomorrow = (timezone.localdate() + timedelta(days=2)).isoformat()
    errors = refused(
        shop,
        tmp_path,
        "phone,card_number,amount,occurred_at,receipt,location\n"
        "0901234567,,12.5,2025-01-02,,\n"  # VND has no decimals
        "0901234567,,,2025-01-02,,\n"
        "0901234567,,-5,2025-01-02,,\n"
        "0901234567,,1000,yesterday,,\n"
        f"0901234567,,1000,{tomorrow},,\n"
        "0901234567,,1000,,,\n"
        "not a phone,,1000,2025-01-02,,\n"
        "0909999999,,1000,2025-01-02,,\n"
        f",{stranger.cards.get().number},1000,2025-01-02,,\n"
        ",123,1000,2025-01-02,,\n"
        ",,1000,2025-01-02,,\n"
        "0901234567,,1000,2025-01-02,,nowhere\n"
        f"0901234567,,1000,2025-01-02,{'x' * 101},\n"
        "0901234567,,1000,2025-01-02,D,\n"
        "0901234567,,2000,2025-01-03,D,\n"
        f"0907777777,{an.cards.get().number},1000,2025-01-02,,\n",
    )
    assert errors == [
        "row 2: amount: VND has 0 decimal places",
        "row 3: amount: is required",
        "row 4: amount: must not be negative",
        "row 5: occurred_at: not a date or date and time (use 2024-05-31 or 2024-05-31 18:30)",
        "row 6: occurred_at: must be in the past",
        "row 7: occurred_at: is required",
        "row 8: phone: “not a phone” is not a valid phone number",
        "row 9: phone: no member of the shop has this phone",
        "row 10: card_number: no member of the shop has this card",
        "row 11: card_number: not a card number (its check digit is wrong)",
        "row 12: phone: a phone or a card number is required",
        "row 13: location: no location of the shop has the code or name “nowhere”",
        "row 14: receipt: longer than 100 characters",
        "row 16: receipt: the same receipt as row 15",
        "row 17: phone: no member of the shop has this phone",
    ]
    assert not Purchase.objects.exists()


def test_both_phone_and_card_must_be_the_same_member(shop, an, tmp_path):
    bao = enrol(shop, phone="+84901234568")
    errors = refused(
        shop, tmp_path, f"phone,card_number,amount,occurred_at\n0901234567,{bao.cards.get().number},1,2025-01-02\n"
    )
    assert errors == ["row 2: card_number: this card belongs to another member"]


def test_skip_invalid_imports_the_others(shop, an, tmp_path):
    lines = run(
        shop,
        tmp_path,
        "phone,amount,occurred_at\n0901234567,1000,2025-01-02\n0909999999,1000,2025-01-02\n",
        "--skip-invalid",
    )
    assert lines == ["row 3: phone: no member of the shop has this phone", "imported 1, skipped 1, tiers raised 0"]
    assert Purchase.objects.filter(shop=shop).count() == 1


def test_dry_run_changes_nothing(shop, an, tmp_path):
    assert run(shop, tmp_path, "phone,amount,occurred_at\n0901234567,1000,2025-01-02\n", "--dry-run") == [
        "imported 1, skipped 0, tiers raised 0"
    ]
    assert not Purchase.objects.exists()


def test_the_header_needs_a_member_column_an_amount_and_a_moment(shop, tmp_path):
    errors = refused(shop, tmp_path, "name,amount\nAn,1\n").__iter__()
    assert list(errors) == [
        "row 1: name: unknown column (columns: phone, card_number, amount, occurred_at, receipt, location, category)",
        "row 1: phone: the phone / card_number column is missing",
        "row 1: occurred_at: the occurred_at column is missing",
    ]


@pytest.mark.parametrize("encoding,separator", [("utf-8-sig", ","), ("utf-16", "\t"), ("utf-16", ";"), ("utf-8", ";")])
def test_reads_the_files_spreadsheets_write(shop, an, tmp_path, encoding, separator):
    content = separator.join(["SĐT", "amount", "occurred_at"]).replace("SĐT", "phone") + "\r\n"
    content += separator.join(["0901 234 567", "5000", "2025-01-02 10:00"]) + "\r\n"
    assert run(shop, tmp_path, content, encoding=encoding) == ["imported 1, skipped 0, tiers raised 0"]


def test_imported_spend_raises_the_tier_quietly_and_counts_at_the_review(shop, an, tmp_path):
    program = shop.program
    program.tier_basis, program.tier_window = "amount_spent", "rolling_12_months"
    program.save()
    TierLevel.objects.create(program=program, code="base", name="Base", threshold=0)
    gold = TierLevel.objects.create(program=program, code="gold", name="Gold", threshold=200000)
    recent, messages = (timezone.now() - timedelta(days=10)).date().isoformat(), Message.objects.count()
    lines = run(shop, tmp_path, f"phone,amount,occurred_at\n0901234567,150000,{recent}\n0901234567,60000,{recent}\n")
    assert lines == ["imported 2, skipped 0, tiers raised 1"]
    an.account.refresh_from_db()
    assert an.account.tier == gold
    assert TierChange.objects.get(account=an.account, to_tier=gold).reason == "import"
    assert not WebhookDelivery.objects.exists() and messages == Message.objects.count()
    from loyalty.services.tiers import basis_by_account

    assert basis_by_account(program, timezone.now(), shop.tz)[an.account_id] == Decimal("210000")


def test_purchases_older_than_the_window_do_not_raise_the_tier(shop, an, tmp_path):
    program = shop.program
    program.tier_basis, program.tier_window = "visits", "rolling_12_months"
    program.save()
    TierLevel.objects.create(program=program, code="gold", name="Gold", threshold=2)
    lines = run(shop, tmp_path, "phone,amount,occurred_at\n0901234567,1,2019-01-02\n0901234567,1,2019-01-03\n")
    assert lines == ["imported 2, skipped 0, tiers raised 0"]


def test_an_imported_purchase_can_be_refunded_with_no_points_to_reverse(shop, an, tmp_path):
    run(shop, tmp_path, "phone,amount,occurred_at,receipt\n0901234567,100000,2025-01-02,A\n")
    purchase = Purchase.objects.get(shop=shop, external_id="A")
    result = purchase_refund(shop=shop, purchase_id=purchase.pk, amount=Decimal("40000"), external_id="RF-1")
    assert result.points_reversed == 0
    purchase.refresh_from_db()
    an.account.refresh_from_db()
    assert purchase.refunded_amount == Decimal("40000") and an.account.points_balance == 0
    assert not LedgerEntry.objects.filter(account=an.account).exists()


def _import_queries(shop, rows: list[str]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from loyalty.services.csv_files import csv_rows
    from loyalty.services.ledger import Actor
    from loyalty.services.member_import import columns_exact
    from loyalty.services.purchase_import import COLUMNS, REQUIRED, purchases_plan
    from loyalty.services.purchase_import_write import purchases_import

    header, cells = csv_rows(("phone,amount,occurred_at,category\n" + "\n".join(rows)).encode())
    with CaptureQueriesContext(connection) as queries:
        plan = purchases_plan(shop, cells, columns_exact(header, COLUMNS, REQUIRED)[0])
        purchases_import(plan=plan, actor=Actor(shop=shop))
    assert not plan.errors
    return len(queries)


def test_the_import_is_set_based_whatever_the_number_of_rows(shop):
    shop.program.tier_basis = "amount_spent"
    shop.program.save()
    gold = TierLevel.objects.create(program=shop.program, code="gold", name="Gold", threshold=1)
    phones = [enrol(shop).phone for _ in range(6)]
    _import_queries(shop, [f"{phones[5]},500,2024-01-01,"])  # the shop's program is read once, then kept
    few = _import_queries(shop, [f"{phones[0]},1000,2025-01-0{n},tea" for n in range(1, 3)])
    many = _import_queries(shop, [f"{phone},2000,2025-02-0{n},cake" for phone in phones[1:5] for n in range(1, 9)])
    assert many == few
    assert Purchase.objects.filter(shop=shop, imported=True).count() == 35
    assert TierChange.objects.filter(to_tier=gold, reason="import").count() == 6
