"""Members: phones in any format, card numbers with a check digit, signed rotating QR payloads, lookup,
enrolment rules, bonuses with limits, and merging a customer who enrolled twice."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import signing
from django.utils import timezone

from loyalty.errors import CardInUse, MemberExists, NotFound, ValidationFailed
from loyalty.models import Bonus, EntryKind, LedgerEntry
from loyalty.models.programs import ExpiryPolicy
from loyalty.services.bonuses import bonus_award
from loyalty.services.invariants import ledger_violations
from loyalty.services.ledger import Actor
from loyalty.services.members import (
    QR_SALT,
    card_number_new,
    card_number_valid,
    luhn_digit,
    member_card_number,
    member_lookup,
    members_merge,
    phone_grouped,
    phone_normalise,
    qr_payload,
)
from loyalty.services.purchases import purchase_record
from tests.factories import enrol

VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize("raw", ["0901234567", "090 123 4567", "+84 90 123 4567", "84901234567", "(090) 123-4567"])
def test_phones_in_any_common_format_become_e164_in_the_shops_country(raw):
    assert phone_normalise(raw, "VN") == "+84901234567"


@pytest.mark.parametrize("raw", ["not a phone", "123", "", "+84 12"])
def test_invalid_phones_are_refused_with_invalid_phone(raw):
    with pytest.raises(ValidationFailed) as caught:
        phone_normalise(raw, "VN")
    assert caught.value.code == "invalid_phone"


def test_the_phone_is_read_back_in_groups():
    assert phone_grouped("+84901234567") == "+84 901 234 567"


def test_card_numbers_carry_a_check_digit_that_catches_one_wrong_digit():
    number = card_number_new()
    assert len(number) == 9 and card_number_valid(number)
    for position in range(len(number)):
        wrong = number[:position] + str((int(number[position]) + 1) % 10) + number[position + 1 :]
        assert not card_number_valid(wrong)
    assert luhn_digit("7992739871") == "3"  # the textbook Luhn example


def test_enrolment_normalises_the_phone_and_refuses_a_second_enrolment(shop):
    member = enrol(shop, phone="090 123 4567")
    assert member.phone == "+84901234567"
    with pytest.raises(MemberExists) as caught:
        enrol(shop, phone="+84901234567")
    assert caught.value.fields["member"] == str(member.pk)


def test_the_same_phone_may_be_a_member_of_two_shops(shop, other_shop):
    assert enrol(shop, phone="0901234567").account_id != enrol(other_shop, phone="0901234567").account_id


def test_a_pre_printed_card_is_attached_and_cannot_be_given_to_two_members(shop):
    number = card_number_new()
    first = enrol(shop, card_number=number)
    assert member_card_number(first) == number
    with pytest.raises(CardInUse):
        enrol(shop, card_number=number)
    with pytest.raises(ValidationFailed):
        enrol(shop, card_number=number[:-1] + str((int(number[-1]) + 1) % 10))


def test_lookup_by_qr_payload_card_number_or_phone(shop):
    member = enrol(shop, phone="0901234567")
    card = member_card_number(member)
    assert member_lookup(shop, qr_payload(member)) == member
    assert member_lookup(shop, card) == member
    assert member_lookup(shop, "090-123-4567") == member
    with pytest.raises(NotFound):
        member_lookup(shop, "0909999999")


def test_lookup_never_finds_another_shops_member(shop, other_shop):
    theirs = enrol(other_shop, phone="0901234567")
    for query in (qr_payload(theirs), member_card_number(theirs), "0901234567"):
        with pytest.raises(NotFound):
            member_lookup(shop, query)


def test_a_qr_payload_expires_and_cannot_be_forged_into_another_member(shop, settings):
    member, other = enrol(shop), enrol(shop)
    payload = qr_payload(member)
    forged = payload.replace(f"M{member.pk}.", f"M{other.pk}.", 1)
    with pytest.raises(NotFound):
        member_lookup(shop, forged)
    old = signing.TimestampSigner(salt=QR_SALT)
    stale = old.sign(f"M{member.pk}.{member.qr_key_version}")
    settings.QR_PAYLOAD_MAX_AGE = -1  # every payload is now too old
    with pytest.raises(NotFound):
        member_lookup(shop, stale)


def test_bumping_the_qr_key_version_invalidates_old_payloads(shop):
    member = enrol(shop)
    payload = qr_payload(member)
    member.qr_key_version += 1
    member.save()
    with pytest.raises(NotFound):
        member_lookup(shop, payload)
    assert member_lookup(shop, qr_payload(member)) == member


def test_an_unknown_referral_code_is_refused(shop):
    with pytest.raises(ValidationFailed) as caught:
        enrol(shop, referral_code="NOSUCH")
    assert caught.value.code == "invalid_referral_code"


def test_signup_bonus_is_paid_once_at_enrolment(shop):
    Bonus.objects.create(program=shop.program, event="signup", points=5)
    member = enrol(shop)
    member.account.refresh_from_db()
    assert member.account.points_balance == 5
    assert bonus_award(member=member, event="signup") == 0


def test_bonus_limits_count_per_period_in_the_shops_time_zone(shop):
    Bonus.objects.create(program=shop.program, event="review", points=3, limit_count=2, limit_per="day")
    member = enrol(shop)
    day = datetime(2026, 5, 1, 23, 30, tzinfo=VN)
    assert [bonus_award(member=member, event="review", at=day + timedelta(minutes=m)) for m in (0, 1, 2)] == [3, 3, 0]
    assert bonus_award(member=member, event="review", at=day + timedelta(hours=1)) == 3  # the next day in Vietnam
    assert bonus_award(member=member, event="no-such-event") == 0


def test_merging_a_duplicate_moves_points_with_their_dates_and_closes_it(shop):
    shop.program.expiry_policy, shop.program.expiry_days = ExpiryPolicy.DAYS_AFTER_EARN, 30
    shop.program.save()
    keep, duplicate = enrol(shop), enrol(shop)
    now = timezone.now()
    purchase_record(shop=shop, external_id="M-1", amount=Decimal("200000"), member=duplicate, now=now)
    purchase_record(shop=shop, external_id="M-2", amount=Decimal("80000"), member=keep, now=now)
    lot = LedgerEntry.objects.get(account=duplicate.account, kind=EntryKind.EARN)
    members_merge(keep=keep, duplicate=duplicate, actor=Actor(shop=shop))
    keep.account.refresh_from_db()
    duplicate.account.refresh_from_db()
    assert (keep.account.points_balance, duplicate.account.points_balance) == (7, 0)
    mirrored = LedgerEntry.objects.get(account=keep.account, kind=EntryKind.MERGE)
    assert (mirrored.points, mirrored.expires_at, mirrored.available_at) == (5, lot.expires_at, lot.available_at)
    assert duplicate.account.closed_at is not None
    assert set(shop.purchases.values_list("member_id", flat=True)) == {keep.pk}
    duplicate.refresh_from_db()
    assert duplicate.merged_into == keep
    with pytest.raises(NotFound):
        member_lookup(shop, duplicate.phone)
    assert ledger_violations() == []


def test_a_merge_moves_the_purchases_to_the_kept_account_with_their_figures(shop):
    """What the apps count from the account (a challenge's visits) follows the purchases; a refund of a moved
    purchase takes its points back from the kept account, where they went, not from the closed one."""
    keep, duplicate = enrol(shop, name="Keep"), enrol(shop, name="Duplicate")
    now = timezone.now()
    purchase_record(shop=shop, external_id="A-1", amount=Decimal("200000"), member=duplicate, now=now)
    purchase_record(shop=shop, external_id="A-2", amount=Decimal("80000"), member=keep, now=now - timedelta(days=2))
    members_merge(keep=keep, duplicate=duplicate, actor=Actor(shop=shop))
    assert set(shop.purchases.values_list("account_id", flat=True)) == {keep.account_id}
    keep.account.refresh_from_db()
    duplicate.account.refresh_from_db()
    assert (keep.account.purchases_count, duplicate.account.purchases_count) == (2, 0)
    assert keep.account.last_purchase_at == now
    assert ledger_violations() == []


def test_a_purchase_merged_from_a_duplicate_can_still_be_refunded(shop):
    """Its earning lot stayed on the closed account with the lifetime it counted: the reversal is written there,
    so the kept account's lifetime never goes below zero and the ledger stays sound."""
    from loyalty.services.refunds import purchase_refund

    keep, duplicate = enrol(shop, name="Keep"), enrol(shop, name="Duplicate")
    purchase = purchase_record(
        shop=shop, external_id="B-1", amount=Decimal("200000"), member=duplicate, now=timezone.now()
    ).purchase
    members_merge(keep=keep, duplicate=duplicate, actor=Actor(shop=shop))
    result = purchase_refund(shop=shop, purchase_id=purchase.pk, amount=Decimal("200000"), external_id="R-1")
    assert result.points_reversed == 5
    keep.account.refresh_from_db()
    assert keep.account.lifetime_earned == 0
    assert ledger_violations() == []
