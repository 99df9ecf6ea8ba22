"""What notify decides: consent for marketing only, the weekly cap, at most once per dedupe key, the member's
language, and a skipped row with its reason whenever nothing is sent."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone, translation

from loyalty.errors import ValidationFailed
from loyalty.models import Member, Message, MessageStatus
from loyalty.services import notifications
from loyalty.services.members import consent_set
from loyalty.services.message_delivery import message_deliver
from loyalty.services.notifications import Money, marketing_cap_set, notify

from .helpers import T0, member_with


def birthday(member, at=None, key=None):
    return notify(member=member, event="birthday", context={"points": 10}, at=at, dedupe_key=key)


def test_marketing_without_consent_is_skipped_but_transactional_is_sent(shop, django_capture_on_commit_callbacks):
    member = member_with(shop, consent=False, email="an@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        skipped = birthday(member)
        sent = notify(member=member, event="tier_up", context={"tier": "Gold"})
    assert (skipped.status, skipped.reason, skipped.kind) == (MessageStatus.SKIPPED, "no_consent", "marketing")
    assert skipped.body == "" and skipped.to == "an@example.com"
    sent.refresh_from_db()
    assert sent.status == MessageStatus.SENT and sent.kind == "transactional"
    assert [m.subject for m in mail.outbox] == [sent.subject]


def test_consent_withdrawn_after_the_member_was_read_is_respected(shop):
    member = member_with(shop)
    stale = Member.objects.get(pk=member.pk)
    consent_set(member=member, granted=False, source="member")
    assert birthday(stale).reason == "no_consent"


def test_the_third_marketing_message_in_seven_days_is_skipped_and_allowed_again_after_a_week(shop):
    member = member_with(shop)
    assert birthday(member, at=T0).status == MessageStatus.QUEUED
    assert birthday(member, at=T0 + timedelta(days=1)).status == MessageStatus.QUEUED
    third = birthday(member, at=T0 + timedelta(days=6, hours=23))
    assert (third.status, third.reason) == (MessageStatus.SKIPPED, "weekly_cap")
    assert notify(member=member, event="tier_up", context={"tier": "Gold"}, at=T0 + timedelta(days=2)).status == (
        MessageStatus.QUEUED
    ), "transactional messages do not count and are not capped"
    assert birthday(member, at=T0 + timedelta(days=7, minutes=1)).status == MessageStatus.QUEUED


def test_failed_and_skipped_marketing_do_not_use_up_the_cap(shop):
    member = member_with(shop)
    Message.objects.bulk_create(
        [
            Message(shop=shop, member=member, event="birthday", kind="marketing", channel="sms", status=status)
            for status in (MessageStatus.FAILED, MessageStatus.SKIPPED, MessageStatus.SKIPPED)
        ]
    )
    assert birthday(member).status == MessageStatus.QUEUED


def test_the_owner_sets_the_cap(shop):
    member = member_with(shop)
    marketing_cap_set(shop=shop, cap=0)
    member.shop.refresh_from_db()
    assert birthday(member).reason == "weekly_cap"
    with pytest.raises(ValidationFailed):
        marketing_cap_set(shop=shop, cap=99)


def test_a_dedupe_key_sends_once(shop, text_outbox, django_capture_on_commit_callbacks):
    member = member_with(shop)
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(member=member, event="tier_up", context={"tier": "Gold"}, dedupe_key="tier_up:1")
        again = notify(member=member, event="tier_up", context={"tier": "Gold"}, dedupe_key="tier_up:1")
    assert first is not None and again is None
    assert Message.objects.filter(dedupe_key="tier_up:1").count() == 1 and len(text_outbox) == 1


def test_losing_the_dedupe_race_keeps_the_callers_transaction_usable(shop):
    member = member_with(shop)
    notify(member=member, event="tier_up", context={"tier": "Gold"}, dedupe_key="k")
    with transaction.atomic():
        # As if another worker inserted the key between the early check and the insert.
        with mock.patch.object(notifications.Message.objects, "filter", wraps=Message.objects.filter) as lookup:
            lookup.return_value.exists.side_effect = [False, True]
            assert notify(member=member, event="tier_up", context={"tier": "Gold"}, dedupe_key="k") is None
        assert Member.objects.filter(pk=member.pk).exists()  # still usable: the savepoint took the error
    assert Message.objects.filter(dedupe_key="k").count() == 1


def test_the_same_key_in_another_shop_is_another_message(shop, other_shop):
    notify(member=member_with(shop), event="tier_up", context={"tier": "Gold"}, dedupe_key="k")
    assert notify(member=member_with(other_shop), event="tier_up", context={"tier": "Gold"}, dedupe_key="k")


def test_the_message_is_written_in_the_members_language(shop):
    member = member_with(shop, language="vi")
    expires = timezone.now() + timedelta(days=10)
    with mock.patch.object(notifications.translation, "override", wraps=notifications.translation.override) as used:
        message = notify(member=member, event="points_expiring", context={"points": 5, "last_day": expires})
    used.assert_called_with("vi")
    assert message.language == "vi"
    assert "tháng" in message.body, "the date is written the Vietnamese way (Django's vi formats)"


def test_without_a_language_of_their_own_members_get_the_shops(shop):
    shop.language = "fa"
    shop.save()
    assert notify(member=member_with(shop), event="tier_up", context={"tier": "Gold"}).language == "fa"


def test_money_is_formatted_in_the_members_locale_and_the_shops_currency(shop):
    context = {
        "amount": Money(Decimal("100000"), "VND"),
        "points_earned": 2,
        "points_redeemed": 0,
        "pending": 0,
        "available": 2,
    }
    vi = notify(
        member=member_with(shop, language="vi", email="vi@example.com"), event="purchase_receipt", context=context
    )
    en = notify(
        member=member_with(shop, language="en", email="en@example.com"), event="purchase_receipt", context=context
    )
    assert "100.000" in vi.body and "₫" in vi.body
    assert "₫100,000" in en.body


def test_dates_are_the_shops_calendar_day(shop):
    # 20:00 UTC on the 9th is already the 10th in Ho Chi Minh City.
    expires = T0.replace(hour=3)  # 03:00 on the 10th in Vietnam = 20:00 UTC on the 9th
    message = notify(member=member_with(shop), event="points_expiring", context={"points": 5, "last_day": expires})
    assert "March 10, 2026" in message.body


def test_erased_members_and_members_without_an_address_are_skipped(shop):
    erased = member_with(shop)
    Member.objects.filter(pk=erased.pk).update(erased_at=timezone.now())
    erased.refresh_from_db()
    assert notify(member=erased, event="tier_up", context={"tier": "Gold"}).reason == "erased"
    no_email = member_with(shop, channel="email")
    skipped = notify(member=no_email, event="tier_up", context={"tier": "Gold"})
    assert (skipped.status, skipped.reason, skipped.channel) == (MessageStatus.SKIPPED, "no_address", "email")


def test_marketing_ends_with_the_unsubscribe_link_in_every_channel(shop):
    message = birthday(member_with(shop))
    assert message.channel == "sms"
    assert message.body.rsplit("\n", 1)[-1].startswith("Unsubscribe: http://")
    assert "/m/unsubscribe/" in message.body


def test_only_a_queued_message_is_delivered(shop, text_outbox):
    member = member_with(shop)
    message = notify(member=member, event="tier_up", context={"tier": "Gold"})
    assert message_deliver(message.pk).status == MessageStatus.SENT
    assert message_deliver(message.pk).attempts == 1, "a duplicate task sends nothing"
    skipped = birthday(member_with(shop, consent=False))
    assert message_deliver(skipped.pk).status == MessageStatus.SKIPPED
    assert len(text_outbox) == 1


def test_nothing_is_queued_for_a_rolled_back_change(shop, text_outbox, django_capture_on_commit_callbacks):
    member = member_with(shop)
    with django_capture_on_commit_callbacks(execute=True) as queued, pytest.raises(RuntimeError), transaction.atomic():
        notify(member=member, event="tier_up", context={"tier": "Gold"})
        raise RuntimeError("the change failed")
    assert queued == [] and not Message.objects.exists() and text_outbox == []


def test_unknown_events_are_refused(shop):
    with pytest.raises(ValueError):
        notify(member=member_with(shop), event="pizza_ready")


def test_points_are_grouped_for_the_members_locale(shop):
    en = notify(member=member_with(shop, language="en"), event="birthday", context={"points": 12345})
    vi = notify(member=member_with(shop, language="vi"), event="birthday", context={"points": 12345})
    assert "12,345 points" in en.body
    assert "12.345 điểm" in vi.body


def test_the_programs_name_for_its_points_is_used(program):
    program.points_name = "stars"
    program.save()
    member = member_with(program.shop, language="en", email="stars@example.com")
    context = {"points_earned": 1200, "points_redeemed": 0, "pending": 0, "available": 1, "amount": 5}
    receipt = notify(member=member, event="purchase_receipt", context=context)
    assert "1,200 stars" in receipt.subject and "1,200 stars" in receipt.body
    assert " point" not in receipt.body
    birthday_message = notify(member=member, event="birthday", context={"points": 10})
    assert "10 stars" in birthday_message.body


def test_rewards_are_listed_with_the_languages_separator(shop):
    context = {"rewards": ["Coffee", "Cake", "Tea"], "available": 10}
    en = notify(member=member_with(shop, language="en"), event="reward_unlocked", context=context)
    fa = notify(member=member_with(shop, language="fa"), event="reward_unlocked", context=context)
    assert "Coffee, Cake, and Tea" in en.body
    assert "Cake، و Tea" in fa.body and "Coffee, Cake" not in fa.body


def test_the_caps_error_is_in_the_owners_language(shop):
    with translation.override("vi"), pytest.raises(ValidationFailed) as refused:
        marketing_cap_set(shop=shop, cap=99)
    error = refused.value.fields["marketing_cap_per_week"]
    assert "14" in str(error) and "must be between" not in str(error)


def test_a_receipt_by_a_channel_the_shop_turned_off_or_to_a_member_who_refused_them_is_skipped(shop):
    context = {"amount": Money(Decimal("100000"), "VND"), "points_earned": 2, "points_redeemed": 0, "pending": 0}
    texted = notify(member=member_with(shop), event="purchase_receipt", context={**context, "available": 2})
    refusing = member_with(shop, email="no-receipts@example.com")
    Member.objects.filter(pk=refusing.pk).update(receipts=False)
    refusing.refresh_from_db()
    refused = notify(member=refusing, event="purchase_receipt", context={**context, "available": 2})
    assert (texted.status, texted.reason) == ("skipped", "channel_off")
    assert (refused.status, refused.reason) == ("skipped", "receipts_off")
