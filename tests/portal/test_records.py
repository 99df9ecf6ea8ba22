"""The shop's purchases, ledger and vouchers tables: search, filters, sorting, CSV, HTMX answers, a fixed number of
queries whatever their size, managers only, and only the shop's rows."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from loyalty.services.ledger import Actor, points_adjust
from loyalty.services.purchases import purchase_record
from rewards.models import Reward
from rewards.services import voucher_issue
from tests.factories import enrol

PURCHASES, LEDGER, VOUCHERS = reverse("portal:purchases"), reverse("portal:ledger"), reverse("portal:vouchers")
HTMX = {"HX-Request": "true"}


@pytest.fixture
def manager_client(as_user, cafe_staff):
    return as_user(cafe_staff["manager"])


@pytest.fixture
def history(cafe, other_shop):
    lan, minh = enrol(cafe, name="Lan", phone="+84901234567"), enrol(cafe, name="Minh")
    now = timezone.now()
    purchase_record(shop=cafe, external_id="R-LAN", amount=Decimal("400000"), member=lan, now=now)
    purchase_record(shop=cafe, external_id="R-OLD", amount=Decimal("80000"), member=minh,
                    occurred_at=now - timedelta(days=40), now=now)  # fmt: skip
    points_adjust(account_id=minh.account_id, actor=Actor(shop=cafe), points=7, reason="missed stamp", at=now)
    voucher_issue(reward=Reward.objects.get(shop=cafe, code="free-coffee"), member=lan, source="manual")
    stranger = enrol(other_shop, name="Stranger")
    purchase_record(shop=other_shop, external_id="R-ELSE", amount=Decimal("50000"), member=stranger, now=now)
    return lan, minh


def rows(client, url, **query) -> list[list[str]]:
    response = client.get(url, {**query, "export": "csv"})
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_purchases_are_searched_by_member_or_receipt_and_filtered_by_period(manager_client, history):
    all_rows = rows(manager_client, PURCHASES)
    assert [row[2] for row in all_rows[1:]] == ["R-LAN", "R-OLD"] and all_rows[0][:3] == ["When", "Member", "Receipt"]
    assert [row[1] for row in rows(manager_client, PURCHASES, q="0901 234 567")[1:]] == ["Lan"]
    assert [row[2] for row in rows(manager_client, PURCHASES, q="R-OLD")[1:]] == ["R-OLD"]
    since = (timezone.localdate() - timedelta(days=7)).isoformat()
    assert [row[2] for row in rows(manager_client, PURCHASES, since=since)[1:]] == ["R-LAN"]
    assert [row[2] for row in rows(manager_client, PURCHASES, sort="amount")[1:]] == ["R-OLD", "R-LAN"]


def test_the_ledger_names_each_entrys_member_and_filters_by_kind(manager_client, history):
    adjusted = rows(manager_client, LEDGER, kind="adjust")
    assert [(row[1], row[3]) for row in adjusted[1:]] == [("Minh", "+7")]
    assert {row[1] for row in rows(manager_client, LEDGER, q="Lan")[1:]} == {"Lan"}


def test_vouchers_by_status_and_code(manager_client, history):
    lan, _minh = history
    voucher = lan.vouchers.get()
    assert [row[1] for row in rows(manager_client, VOUCHERS, status="issued")[1:]] == [voucher.code]
    assert rows(manager_client, VOUCHERS, status="used")[1:] == []
    assert [row[2] for row in rows(manager_client, VOUCHERS, q=voucher.code.lower())[1:]] == ["Lan"]


def test_htmx_gets_the_results_only(manager_client, history):
    html = manager_client.get(PURCHASES, {"q": "Lan"}, headers=HTMX).content.decode()
    assert html.lstrip().startswith('<div id="records-results">') and "R-LAN" in html and "1 row" in html


# The session, the user, the staff membership with its shop (the decorator's and the layout's), one of the page's
# own (the locations' or rewards' choices, or the reward names the ledger reads), the bounded count, the rows.
@pytest.mark.parametrize(("url", "queries"), [(PURCHASES, 7), (LEDGER, 7), (VOUCHERS, 7)])
def test_each_page_costs_the_same_queries_whatever_its_size(
    manager_client, history, cafe, url, queries, django_assert_num_queries
):
    manager_client.get(url)
    with django_assert_num_queries(queries):
        manager_client.get(url)
    for n in range(5):
        member = enrol(cafe, name=f"More {n}")
        purchase_record(shop=cafe, external_id=f"M-{n}", amount=Decimal("90000"), member=member)
        voucher_issue(reward=Reward.objects.get(shop=cafe, code="free-coffee"), member=member, source="manual")
    with django_assert_num_queries(queries):
        assert manager_client.get(url).status_code == 200


def test_cashiers_do_not_see_the_shops_records(as_user, cafe_staff):
    cashier = as_user(cafe_staff["cashier"])
    assert {cashier.get(url).status_code for url in (PURCHASES, LEDGER, VOUCHERS)} == {403}
