"""Leaving a coalition with notice: the notice's rule, the coalitions_left job, the final statement to the dong,
the shared balance at the remaining shops, a balance of their own at the leaving shop, and the card page's notice."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from coalitions.errors import NoticeRefused
from coalitions.models import AccountSplit, Coalition, CoalitionShop
from coalitions.services.leaving import NOTICE_DAYS, coalition_leave, coalitions_left, notice_give, notice_withdraw
from coalitions.services.settlement import statement
from loyalty.errors import NotFound
from loyalty.models import LedgerEntry
from loyalty.services.invariants import ledger_violations
from loyalty.services.ledger import Actor
from loyalty.services.members import member_lookup
from loyalty.services.purchases import purchase_record
from rewards.services import reward_redeem
from tests.factories import enrol
from tests.member_site.conftest import signed_in

from .helpers import two_shops

pytestmark = pytest.mark.django_db
D = Decimal


def period() -> str:
    return timezone.now().astimezone(timezone.get_default_timezone()).strftime("%Y-%m")


def test_notice_is_at_least_thirty_days_and_the_job_makes_the_shop_leave_at_that_moment():
    store, brand = two_shops()
    today = timezone.localdate(timezone=store.tz)
    with pytest.raises(NoticeRefused):
        notice_give(shop=brand, leaves_on=today + timedelta(days=NOTICE_DAYS - 1))
    term = notice_give(shop=brand, leaves_on=today + timedelta(days=NOTICE_DAYS))
    assert timezone.localtime(term.leaves_at, store.tz).date() == today + timedelta(days=NOTICE_DAYS)
    assert coalitions_left(as_of=term.leaves_at - timedelta(seconds=1)) == 0
    assert coalitions_left(as_of=term.leaves_at) == 1
    term.refresh_from_db()
    assert term.left_at == term.leaves_at
    assert coalitions_left(as_of=term.leaves_at + timedelta(days=1)) == 0, "a re-run changes nothing"
    with pytest.raises(NotFound):
        notice_give(shop=brand, leaves_on=today + timedelta(days=60))


def test_a_notice_can_be_withdrawn_before_it_takes_effect():
    store, brand = two_shops()
    term = notice_give(shop=brand, leaves_on=timezone.localdate(timezone=store.tz) + timedelta(days=45))
    notice_withdraw(shop=brand)
    term.refresh_from_db()
    assert term.leaves_at is None
    assert coalitions_left(as_of=timezone.now() + timedelta(days=90)) == 0
    with pytest.raises(NoticeRefused):
        notice_withdraw(shop=brand)


def leave_after_example_9():
    """Example 9 (the store issues 2,000 hearts, 600 are redeemed at the brand), then the brand leaves."""
    store, brand = two_shops()
    customer = enrol(store)
    purchase_record(shop=store, external_id="B1", amount=D("20000000"), member=customer)
    at_brand = member_lookup(brand, customer.phone)
    reward_redeem(member=at_brand, reward_code="tin", actor=Actor(shop=brand))
    coalition_leave(term=CoalitionShop.objects.get(shop=brand), at=timezone.now())
    return store, brand, customer, at_brand


def test_the_final_statement_settles_to_the_dong_up_to_the_moment_the_shop_leaves():
    store, brand, customer, _before = leave_after_example_9()
    at_brand = member_lookup(brand, customer.phone)
    purchase_record(shop=brand, external_id="B2", amount=D("10000000"), member=at_brand)
    reward_redeem(member=member_lookup(brand, customer.phone), reward_code="tin", actor=Actor(shop=brand))
    result = statement(Coalition.objects.get(code="c-club"), period())
    rows = {r.merchant: r for r in result.rows}
    assert (rows["c-store"].issued, rows["c-store"].owes, rows["c-store"].net) == (2000, D("200000"), D("-200000"))
    assert (rows["c-brand"].issued, rows["c-brand"].redeemed) == (0, 600), "nothing after it left"
    assert (rows["c-brand"].owes, rows["c-brand"].owed, rows["c-brand"].net) == (0, D("54000"), D("54000"))
    assert result.pool_change == D("146000")
    assert sum(r.net for r in result.rows) + result.pool_change == 0


def test_the_shared_balance_stays_usable_at_the_remaining_shops_and_the_leaving_shop_starts_afresh():
    store, brand, customer, before = leave_after_example_9()
    shared = customer.account
    at_brand = member_lookup(brand, customer.phone)
    assert at_brand.pk == before.pk and at_brand.account_id != shared.pk
    assert at_brand.account.points_balance == 0 and at_brand.account.program == brand.program
    split = AccountSplit.objects.get(member=at_brand)
    assert (split.shared_account_id, split.own_account_id) == (shared.pk, at_brand.account_id)
    reward_redeem(member=member_lookup(store, customer.phone), reward_code="tin", actor=Actor(shop=store))
    shared.refresh_from_db()
    assert shared.points_balance == 800
    history = LedgerEntry.objects.filter(account=shared, shop=brand)
    assert list(history.values_list("kind", "points")) == [("redeem", -600)], "history stays where it was"
    purchase_record(shop=brand, external_id="B2", amount=D("10000000"), member=at_brand)
    at_brand.account.refresh_from_db()
    shared.refresh_from_db()
    assert (at_brand.account.points_balance, shared.points_balance) == (1000, 800)
    assert ledger_violations([shared.pk, at_brand.account_id]) == []


def test_a_phone_first_seen_after_leaving_is_not_shared():
    store, brand, _customer, _at_brand = leave_after_example_9()
    newcomer = enrol(brand)
    with pytest.raises(NotFound):
        member_lookup(store, newcomer.phone)


def test_the_card_page_at_the_leaving_shop_says_the_balance_there_is_their_own():
    store, brand, customer, at_brand = leave_after_example_9()
    html = signed_in(at_brand).get(f"/m/{brand.slug}/").content.decode()
    assert "data-coalition-left" in html and "A balance of your own here" in html
    assert "1,400" in html and store.name in html
    assert "data-coalition-left" not in signed_in(customer).get(f"/m/{store.slug}/").content.decode()
