"""The core's extension points (loyalty/hooks.py), seen by a test "app" that registers for the tests only: each
event once per change and inside its transaction, an error in a handler rolling the whole change back, benefit
sources read by the quote, the purchase and the discount, and the registries of jobs, configuration sections,
page sections and API member fields."""

from collections import defaultdict
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from loyalty import hooks
from loyalty.errors import ConfigurationError, ValidationFailed
from loyalty.models import LedgerEntry, Member, Purchase
from loyalty.selectors import member_discount_percent
from loyalty.services.config import config_import
from loyalty.services.config_export import config_export
from loyalty.services.config_reader import Reader
from loyalty.services.jobs import run_all
from loyalty.services.ledger import Actor
from loyalty.services.purchases import purchase_quote, purchase_record
from loyalty.services.refunds import purchase_refund
from rewards.services import reward_redeem, reward_save
from tests.factories import enrol

from .documents import document, program


@contextmanager
def listening(event_type, handler=None):
    """Subscribe `handler` (default: record the events) for the block; yields the recorded events."""
    seen = []

    def record(event):
        assert connection.in_atomic_block, "handlers run inside the change's transaction"
        seen.append(event)

    stop = hooks.subscribe(event_type, handler or record)
    try:
        yield seen
    finally:
        stop()


def test_each_event_is_emitted_once_inside_the_transaction_of_its_change(shop, monkeypatch):
    # Only this test's listeners: the installed apps' handlers would refuse the made-up partner codes.
    monkeypatch.setattr(hooks, "_handlers", defaultdict(list))
    reward_save(shop=shop, name="Cake", kind="free_item", points=1, voucher_valid_days=30)
    with listening(hooks.MemberEnrolled) as enrolled:
        member = enrol(shop, referral_code="", partner_code="kaj-30", channel="counter")
    with listening(hooks.PurchaseRecorded) as recorded:
        first = purchase_record(shop=shop, external_id="H-1", amount=Decimal("100000"), member=member).purchase
        purchase_record(shop=shop, external_id="H-2", amount=Decimal("80000"), member=member, partner_code="P2")
    with listening(hooks.PurchaseRefunded) as refunded:
        purchase_refund(shop=shop, purchase_id=first.pk, amount=Decimal("40000"), external_id="RF-1")
        purchase_refund(shop=shop, purchase_id=first.pk, amount=Decimal("60000"), external_id="RF-2")
    with listening(hooks.VoucherRedeemed) as redeemed:
        voucher = reward_redeem(member=member, reward_code="cake", actor=Actor(shop=shop))

    assert [(e.member.pk, e.channel, e.partner_code) for e in enrolled] == [(member.pk, "counter", "KAJ30")]
    assert [(e.purchase.external_id, e.first, e.partner_code) for e in recorded] == [
        ("H-1", True, ""),
        ("H-2", False, "P2"),
    ]
    assert [(e.share, e.complete) for e in refunded] == [(Decimal("0.4"), False), (Decimal("0.6"), True)]
    assert [e.voucher.pk for e in redeemed] == [voucher.pk]


def test_an_error_in_a_handler_rolls_the_whole_change_back(shop):
    def refuse(event):
        raise ValidationFailed("No such partner.", code="invalid_partner_code", fields={"partner_code": "unknown"})

    with listening(hooks.MemberEnrolled, refuse), pytest.raises(ValidationFailed) as caught:
        enrol(shop, phone="+84901112223", partner_code="NOPE")
    assert caught.value.code == "invalid_partner_code"
    assert not Member.objects.filter(phone="+84901112223").exists()

    member = enrol(shop)
    entries = LedgerEntry.objects.count()
    with listening(hooks.PurchaseRecorded, refuse), pytest.raises(ValidationFailed):
        purchase_record(shop=shop, external_id="ROLLED", amount=Decimal("100000"), member=member)
    assert not Purchase.objects.filter(external_id="ROLLED").exists()
    assert LedgerEntry.objects.count() == entries
    member.account.refresh_from_db()
    assert member.account.purchases_count == 0 and member.account.points_balance == 0


def test_an_event_outside_a_transaction_is_a_programming_error(shop, transactional_db):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        hooks.emit(hooks.VoucherRedeemed(voucher=None, member=None, at=timezone.now()))


def test_a_benefit_source_is_read_by_the_quote_the_purchase_and_the_discount(shop):
    member = enrol(shop)

    def club(who, at):
        if who.pk == member.pk:
            yield hooks.Benefit(label="VIP club", points_multiplier=Decimal("2"), discount_percent=Decimal("7"))

    hooks.benefit_source(club)
    try:
        quoted = purchase_quote(
            shop=shop, member=member, amount=Decimal("100000"), lines=[], occurred_at=timezone.now()
        )
        bought = purchase_record(shop=shop, external_id="VIP-1", amount=Decimal("100000"), member=member)
        discount = member_discount_percent(member, timezone.now())
    finally:
        hooks._benefit_sources.remove(club)
    assert quoted.points == bought.purchase.points_earned == 5  # 2.5 × 2
    assert "× 2 for VIP club" in bought.explanation.steps
    assert discount == Decimal("7")


def test_a_registered_job_runs_in_its_place_of_the_order(shop):
    ran = []
    hooks.job("referrals_approved")(lambda *, as_of: ran.append(as_of) or 1)
    try:
        names = [job.name for job in hooks.jobs_in_order()]
        result = run_all(as_of=timezone.now())
    finally:
        del hooks._jobs["referrals_approved"]
    assert names.index("tiers") < names.index("referrals_approved") < names.index("birthday_bonuses")
    assert result["referrals_approved"] == 1 and len(ran) == 1


class LoyaltyClubSection:
    """A test app's section of the configuration document: {"loyalty_club": {"motto": "…"}}."""

    key = "loyalty_club"
    applied = {}

    def parse(self, value, ctx):
        return Reader(value, self.key, required=("motto",)).text("motto")

    def apply(self, shop, parsed):
        self.applied[shop.slug] = parsed

    def export(self, shop):
        motto = self.applied.get(shop.slug)
        return None if motto is None else {"motto": motto}


@pytest.fixture
def club_section():
    section = hooks.config_section(LoyaltyClubSection())
    yield section
    del hooks._sections[section.key]


def test_a_registered_configuration_section_is_parsed_applied_and_exported(db, club_section):
    doc = document("club-shop", program("40000"), loyalty_club={"motto": "Come back soon"})
    shop = config_import(doc)
    assert club_section.applied["club-shop"] == "Come back soon"
    assert config_export(shop)["loyalty_club"] == {"motto": "Come back soon"}
    with pytest.raises(ConfigurationError) as caught:
        config_import(document("club-2", program("40000"), loyalty_club={"slogan": "x"}), update=True)
    assert caught.value.message.startswith("loyalty_club.slogan: is not a known key")
    with transaction.atomic():
        config_import(document("club-shop", program("40000")), update=True)  # left out: the shop has none
    assert club_section.applied["club-shop"] is None


def test_a_page_section_shows_on_the_counters_member_page(shop, client):
    from tests.factories import StaffFactory

    staff = StaffFactory(shop=shop, role="cashier").user
    client.force_login(staff)
    member = enrol(shop, name="Lan")
    register = hooks.page_section("counter.member", "partials/hidden_fields.html")

    def seen(*, request, member):
        """A form with one hidden field stands for the app's partial: its value shows it was rendered."""
        from django import forms

        class Marker(forms.Form):
            marker = forms.CharField(widget=forms.HiddenInput, initial=f"section-of-{member.pk}")

        return {"form": Marker()}

    register(seen)
    try:
        page = client.get(f"/counter/members/{member.pk}/").content.decode()
    finally:
        hooks._page_sections["counter.member"].pop()
    assert f'value="section-of-{member.pk}"' in page


def test_a_member_field_fills_the_api_member(shop):
    from loyalty.api.present import member_out

    member = enrol(shop)
    installed = hooks._member_fields.get("membership")  # the memberships app's own field, put back afterwards
    hooks.member_field("membership")(lambda who, at: {"plan": "vip", "status": "active", "ends_at": None})
    try:
        shown = member_out(member, timezone.now())
    finally:
        del hooks._member_fields["membership"]
        if installed is not None:
            hooks._member_fields["membership"] = installed
    assert shown["membership"] == {"plan": "vip", "status": "active", "ends_at": None}
