"""Random activity across three coalition shops — earning, spending points on a purchase and on a reward, refunds
(which reverse what was earned and give back what was spent) and expiry — always settles to zero: for every month
the nets plus the pool's change are zero, and every shop's row is what the ledger says, recomputed here from its
rows one by one (not by the statement's aggregate). Over all months, what was issued less what was redeemed and
what expired is exactly the points the customers hold.

Leaving a coalition is not in the steps: the leaving service is not built on this branch (docs/coalitions.md).

Each example runs in a savepoint rolled back at its end, so every example starts from the same three shops with no
activity. Deterministic unless COALITION_EXAMPLES asks for that many random histories."""

from __future__ import annotations

import contextlib
import os
from collections import defaultdict
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from coalitions.models import Coalition, CoalitionShop
from coalitions.services.settlement import statement
from loyalty.errors import InsufficientPoints, RefundExceedsPurchase
from loyalty.models import Account, LedgerEntry, Purchase
from loyalty.models.ledger import EARNING_KINDS, EntryKind
from loyalty.services.config import config_import, document_import
from loyalty.services.expiry import points_expire
from loyalty.services.invariants import ledger_violations
from loyalty.services.ledger import Actor
from loyalty.services.members import member_enrol, member_lookup
from loyalty.services.purchases import purchase_record
from loyalty.services.refunds import purchase_refund
from rewards.services import reward_redeem
from tests.loyalty.documents import document, program, reward

D = Decimal
TERMS = [("100", "90"), ("120", "75"), ("7", "6")]  # money in VND, whole dong
PHONES = ["+84901110001", "+84901110002", "+84901110003"]
DEEPER = int(os.environ.get("COALITION_EXAMPLES", 0))
SETTINGS = settings(
    max_examples=DEEPER or 15,
    deadline=None,
    derandomize=not DEEPER,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

shop_index = st.integers(0, 2)
customer = st.integers(0, 2)
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("earn"), shop_index, customer, st.integers(10, 400)),  # thousands of VND
        st.tuples(st.just("pay_with_points"), shop_index, customer, st.integers(1, 40)),
        st.tuples(st.just("reward"), shop_index, customer, st.just(0)),
        st.tuples(st.just("refund"), st.integers(-3, 30), st.integers(1, 4), st.just(0)),  # a purchase, quarters
        st.tuples(st.just("time_passes"), st.integers(1, 40), st.just(0), st.just(0)),  # days
        st.tuples(st.just("expire"), st.just(0), st.just(0), st.just(0)),
    ),
    min_size=4,
    max_size=20,
)


# One history always run: points earned at one shop, spent on a purchase at another and given back by its refund, a
# reward at the third, the rest expiring.
SPELLED_OUT = [
    ("earn", 0, 0, 400),
    ("pay_with_points", 1, 0, 20),
    ("refund", -1, 2, 0),
    ("reward", 2, 0, 0),
    ("time_passes", 40, 0, 0),
    ("expire", 0, 0, 0),
]


@pytest.fixture
def club(db):
    shops = []
    for index in range(3):
        made = program("10000", expiry={"policy": "days_after_earn", "days": 30})
        shops.append(config_import(document(f"p{index}-shop", made, rewards=[reward("gift", "gift", 15, "10000")])))
    terms = [
        {"merchant": shop.slug, "cost_per_point": cost, "reimbursement_per_point": back}
        for shop, (cost, back) in zip(shops, TERMS, strict=True)
    ]
    document_import({"coalition": {"code": "p-club", "name": "Club", "currency": "VND", "members": terms}})
    start = timezone.now() - timedelta(days=100)
    CoalitionShop.objects.update(joined_at=start - timedelta(days=1))
    return Coalition.objects.get(code="p-club"), shops, start


class History:
    def __init__(self, shops, start):
        self.shops, self.clock, self.purchases, self.receipt = shops, start, [], 0
        self.members = {}  # (shop index, customer) -> member
        for who, phone in enumerate(PHONES):
            home = who % 3
            self.members[home, who] = member_enrol(shop=shops[home], phone=phone, at=start)

    def member(self, index, who):
        if (index, who) not in self.members:  # first seen at this shop: the counter finds the shared account
            self.members[index, who] = member_lookup(self.shops[index], PHONES[who])
        return self.members[index, who]

    def _now(self):
        self.clock = min(self.clock + timedelta(minutes=7), timezone.now())
        return self.clock

    def step(self, kind, a, b, c):
        getattr(self, kind)(a, b, c)

    def earn(self, index, who, thousands):
        self._purchase(index, who, D(thousands * 1000), 0)

    def pay_with_points(self, index, who, points):
        self._purchase(index, who, D(50000), points)

    def _purchase(self, index, who, amount, points):
        self.receipt += 1
        now = self._now()
        try:
            made = purchase_record(
                shop=self.shops[index],
                external_id=f"R{self.receipt}",
                amount=amount,
                member=self.member(index, who),
                points_redeemed=points,
                now=now,
                occurred_at=now,
            )
        except InsufficientPoints:
            return
        self.purchases.append(made.purchase)

    def reward(self, index, who, _c):
        with contextlib.suppress(InsufficientPoints):
            reward_redeem(
                member=self.member(index, who), reward_code="gift", actor=Actor(shop=self.shops[index]), at=self._now()
            )

    def refund(self, which, quarters, _c):
        if not self.purchases:
            return
        purchase = self.purchases[which % len(self.purchases)]
        self.receipt += 1
        with contextlib.suppress(RefundExceedsPurchase):
            purchase_refund(
                shop=purchase.shop,
                purchase_id=purchase.pk,
                amount=(purchase.amount * quarters / 4).quantize(D(1)),
                external_id=f"RF{self.receipt}",
                now=self._now(),
            )

    def time_passes(self, days, _b, _c):
        self.clock = min(self.clock + timedelta(days=days), timezone.now())

    def expire(self, _a, _b, _c):
        points_expire(as_of=self._now())


def ledger_rows(coalition, shops) -> dict:
    """Per (shop slug, month): issued and redeemed, from the ledger's rows one at a time."""
    tz = shops[0].tz
    figures = defaultdict(lambda: {"issued": 0, "redeemed": 0})
    entries = LedgerEntry.objects.filter(shop__in=shops).select_related("reverses", "shop")
    for entry in entries:
        month = entry.occurred_at.astimezone(tz).strftime("%Y-%m")
        row = figures[entry.shop.slug, month]
        if entry.kind in EARNING_KINDS or entry.kind == EntryKind.REVERSE and entry.reverses.kind in EARNING_KINDS:
            row["issued"] += entry.points
        elif entry.kind == EntryKind.REDEEM or entry.kind == EntryKind.REFUND_REDEEM:
            row["redeemed"] -= entry.points
    return figures


def settles(coalition, shops):
    rows = ledger_rows(coalition, shops)
    months = sorted({month for _slug, month in rows} | {timezone.now().astimezone(shops[0].tz).strftime("%Y-%m")})
    terms = {t.shop.slug: t for t in CoalitionShop.objects.filter(coalition=coalition).select_related("shop")}
    issued_less_redeemed = 0
    for month in months:
        result = statement(coalition, month)
        assert sum(r.net for r in result.rows) + result.pool_change == 0
        assert result.pool_change == sum(r.owes for r in result.rows) - sum(r.owed for r in result.rows)
        for row in result.rows:
            expected = rows.get((row.merchant, month), {"issued": 0, "redeemed": 0})
            assert (row.issued, row.redeemed) == (expected["issued"], expected["redeemed"]), (row, month)
            term = terms[row.merchant]
            assert row.owes == (term.cost_per_point * row.issued).quantize(D(1), ROUND_HALF_UP)
            assert row.owed == (term.reimbursement_per_point * row.redeemed).quantize(D(1), ROUND_HALF_UP)
            issued_less_redeemed += row.issued - row.redeemed
    expired = LedgerEntry.objects.filter(shop__in=shops, kind=EntryKind.EXPIRE).aggregate(n=Sum("points"))["n"] or 0
    held = Account.objects.filter(members__shop__in=shops).distinct().aggregate(n=Sum("points_balance"))["n"] or 0
    assert issued_less_redeemed + expired == held, "issued − redeemed − expired is what the customers hold"


def test_random_activity_across_three_shops_always_settles_to_zero(club):
    coalition, shops, start = club
    seen = set()

    @SETTINGS
    @given(steps=STEPS)
    @example(steps=SPELLED_OUT)
    def run(steps):
        savepoint = transaction.savepoint()
        try:
            history = History(shops, start)
            for step in steps:
                history.step(*step)
            assert Purchase.objects.filter(shop__in=shops).count() == len(history.purchases)
            settles(coalition, shops)
            assert ledger_violations() == []
            seen.update(LedgerEntry.objects.filter(shop__in=shops).values_list("kind", flat=True))
            seen.update(["at_a_second_shop"] if len(history.members) > 3 else [])
        finally:
            transaction.savepoint_rollback(savepoint)

    run()
    reached = {EntryKind.EARN, EntryKind.REDEEM, EntryKind.REVERSE, EntryKind.REFUND_REDEEM, EntryKind.EXPIRE}
    assert reached | {"at_a_second_shop"} <= seen, f"the histories reached only {seen}"
