"""Each event's trigger: enrolment, a purchase (receipt, reward unlocked), a tier reached, the birthday job,
points expiring within 30 days (one reminder in 30 days) and vouchers within 3 days; every job re-run sends
nothing twice, and a killed run's greeting still goes."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from loyalty.models import Bonus, LedgerEntry, Member, Message, MessageStatus, TierLevel
from loyalty.models.programs import ExpiryPolicy
from loyalty.services.bonuses import bonus_award
from loyalty.services.jobs import birthday_bonuses, run_all, tiers_review_all
from loyalty.services.member_messages import points_expiring_notify, vouchers_expiring_notify
from loyalty.services.purchases import purchase_record
from rewards.services import reward_save, voucher_issue
from tests.factories import enrol

from .helpers import T0, VN, member_with

_receipt = iter(range(1, 10**6))


def buy(member, amount="100000", at=None):
    receipt = f"N-{next(_receipt)}"
    return purchase_record(
        shop=member.shop, external_id=receipt, amount=Decimal(amount), member=member, occurred_at=at, now=at
    ).purchase


def events(member) -> list[str]:
    return sorted(Message.objects.filter(member=member).values_list("event", flat=True))


def test_enrolment_sends_the_welcome_with_the_sign_in_link(shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        member = enrol(shop, email="new@example.com")
    message = Message.objects.get(member=member)
    assert (message.event, message.status, message.kind) == ("welcome", MessageStatus.SENT, "transactional")
    assert "/m/link/" in mail.outbox[0].body


def test_a_failed_enrolment_sends_nothing(shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        member = enrol(shop, email="new@example.com")
        transaction.set_rollback(True)
    assert not Message.objects.filter(member_id=member.pk).exists() and not mail.outbox


def test_a_purchase_sends_the_receipt_by_text_once_the_shop_turns_texted_receipts_on(
    shop, text_outbox, django_capture_on_commit_callbacks
):
    shop.receipt_channels = ["email", "sms"]
    shop.save()
    member = member_with(shop)
    with django_capture_on_commit_callbacks(execute=True):
        purchase = buy(member)
    message = Message.objects.get(member=member)
    assert (message.event, message.dedupe_key) == ("purchase_receipt", f"receipt:{purchase.pk}")
    assert "2 points" in message.body and "₫100,000" in message.body and text_outbox


def test_receipts_go_by_email_only_unless_the_shop_chooses_more(shop, text_outbox, django_capture_on_commit_callbacks):
    """A text costs the shop money for every purchase: texted receipts are off, and no task is even queued."""
    texted, emailed = member_with(shop), member_with(shop, email="reader@example.com")
    with django_capture_on_commit_callbacks(execute=True) as queued:
        buy(texted)
    assert queued == [] and events(texted) == [] and text_outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        buy(emailed)
    assert events(emailed) == ["purchase_receipt"] and mail.outbox


def test_a_member_who_turned_receipts_off_gets_none(shop, django_capture_on_commit_callbacks):
    member = member_with(shop, email="quiet@example.com")
    Member.objects.filter(pk=member.pk).update(receipts=False)
    member.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True) as queued:
        buy(member)
    assert queued == [] and events(member) == []


def test_a_backdated_purchase_sends_no_receipt(shop, django_capture_on_commit_callbacks):
    member = member_with(shop)
    with django_capture_on_commit_callbacks(execute=True):
        purchase_record(
            shop=shop,
            external_id="late-sync",
            amount=Decimal("100000"),
            member=member,
            occurred_at=timezone.now() - timedelta(days=3),
        )
    assert "purchase_receipt" not in events(member)


def test_the_receipt_is_judged_from_the_moment_the_purchase_was_recorded_at(shop, django_capture_on_commit_callbacks):
    member = member_with(shop, email="then@example.com")
    moment = timezone.now() - timedelta(days=3)  # recorded as of then (a replay, a test of a past day)
    with django_capture_on_commit_callbacks(execute=True):
        purchase_record(
            shop=shop,
            external_id="as-of",
            amount=Decimal("100000"),
            member=member,
            occurred_at=moment - timedelta(hours=1),
            now=moment,
        )
    assert "purchase_receipt" in events(member)


def test_a_purchase_without_a_member_sends_nothing(shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        purchase_record(shop=shop, external_id="anon", amount=Decimal("100000"))
    assert not Message.objects.exists()


def test_reaching_a_rewards_price_unlocks_it_once(shop, django_capture_on_commit_callbacks):
    reward_save(shop=shop, name="Free coffee", kind="free_item", points=3, voucher_valid_days=30)
    reward_save(shop=shop, name="Cake", kind="free_item", points=500, voucher_valid_days=30)
    member = member_with(shop)
    for _purchase in range(3):  # 2 points: not yet; 4: the coffee; 6: the coffee was within reach already
        with django_capture_on_commit_callbacks(execute=True):  # each purchase's task runs after its commit
            buy(member)
    unlocked = Message.objects.filter(member=member, event="reward_unlocked")
    assert unlocked.count() == 1
    assert "Free coffee" in unlocked.get().body and "Cake" not in unlocked.get().body


def test_moving_up_a_tier_sends_tier_up(program, django_capture_on_commit_callbacks):
    TierLevel.objects.create(program=program, code="base", name="Base", threshold=0)
    TierLevel.objects.create(program=program, code="gold", name="Gold", threshold=5)
    member = member_with(program.shop)
    with django_capture_on_commit_callbacks(execute=True):
        buy(member, "200000")
    message = Message.objects.get(member=member, event="tier_up")
    assert "Gold" in message.body and message.status == MessageStatus.SENT


def test_every_member_sharing_the_account_hears_of_the_tier(program, django_capture_on_commit_callbacks):
    TierLevel.objects.create(program=program, code="gold", name="Gold", threshold=5)
    member, partner = member_with(program.shop), member_with(program.shop)
    Member.objects.filter(pk=partner.pk).update(account_id=member.account_id)
    with django_capture_on_commit_callbacks(execute=True):
        buy(member, "200000")
    keys = set(Message.objects.filter(event="tier_up").values_list("member_id", "dedupe_key"))
    assert {member_id for member_id, _key in keys} == {member.pk, partner.pk}
    assert all(key.endswith(f":{member_id}") for member_id, key in keys)


def test_the_tier_review_announces_its_upward_moves(program, django_capture_on_commit_callbacks):
    member = member_with(program.shop)
    buy(member, "200000")
    TierLevel.objects.create(program=program, code="gold", name="Gold", threshold=5)  # added after the purchase
    with django_capture_on_commit_callbacks(execute=True):
        tiers_review_all(as_of=timezone.now())
        tiers_review_all(as_of=timezone.now())
    assert events(member) == ["tier_up"]


def test_a_birthday_job_killed_after_the_bonus_still_greets_when_run_again(program, django_capture_on_commit_callbacks):
    Bonus.objects.create(program=program, event="birthday", points=10)
    member = member_with(program.shop, birthday=date(1990, 3, 10))
    bonus_award(member=member, event="birthday", at=T0)  # the run paid the bonus and was killed before greeting
    with django_capture_on_commit_callbacks(execute=True):
        assert birthday_bonuses(as_of=T0 + timedelta(hours=1)) == 0, "the bonus is not paid twice"
        birthday_bonuses(as_of=T0 + timedelta(hours=2))
    message = Message.objects.get(member=member)
    assert (message.event, message.status) == ("birthday", MessageStatus.SENT) and "10 points" in message.body


def test_a_birthday_bonus_paid_long_ago_this_year_is_not_greeted_now(program):
    Bonus.objects.create(program=program, event="birthday", points=10)
    member = member_with(program.shop, birthday=date(1990, 1, 20))
    bonus_award(member=member, event="birthday", at=datetime(2026, 1, 20, 9, tzinfo=VN))
    Member.objects.filter(pk=member.pk).update(birthday=date(1990, 3, 10))  # corrected since
    birthday_bonuses(as_of=T0)
    assert not Message.objects.filter(member=member).exists()


def test_the_birthday_job_greets_once_with_the_bonus(program, django_capture_on_commit_callbacks):
    Bonus.objects.create(program=program, event="birthday", points=10)
    member = member_with(program.shop, birthday=date(1990, 3, 10))
    with django_capture_on_commit_callbacks(execute=True):
        birthday_bonuses(as_of=T0)
        birthday_bonuses(as_of=T0 + timedelta(days=1))
    message = Message.objects.get(member=member)
    assert (message.event, message.kind, message.status) == ("birthday", "marketing", MessageStatus.SENT)
    assert "10 points" in message.body


def expiring_program(program, days=60):
    program.expiry_policy, program.expiry_days = ExpiryPolicy.DAYS_AFTER_EARN, days
    program.save()
    return program


def test_points_expiring_are_announced_at_most_once_in_30_days_with_the_total_and_the_first_day(program):
    expiring_program(program)
    member = member_with(program.shop)
    for day in range(10):  # a regular: every day a new expiry date enters the 30-day window
        buy(member, at=T0 + timedelta(days=day))
    sent = sum(points_expiring_notify(as_of=T0 + timedelta(days=day, hours=1)) for day in range(20, 80))
    first, second = Message.objects.filter(member=member, event="points_expiring").order_by("created_at")
    assert sent == 2 and second.created_at - first.created_at >= timedelta(days=30)
    assert "2 points" in first.body and "May 9, 2026" in first.body, "only the first purchase's within 30 days"
    assert "18 points" in second.body and "May 10, 2026" in second.body, "the total and the first day"


def test_points_expiring_re_run_for_the_same_moment_sends_nothing_twice(program):
    expiring_program(program)
    member = member_with(program.shop)
    buy(member, at=T0)
    assert points_expiring_notify(as_of=T0 + timedelta(days=29)) == 0, "60 days away: not yet"
    assert points_expiring_notify(as_of=T0 + timedelta(days=31)) == 1
    assert points_expiring_notify(as_of=T0 + timedelta(days=31)) == 0
    assert Message.objects.filter(member=member, event="points_expiring").count() == 1


def test_points_expiring_leave_out_erased_and_merged_members(program):
    expiring_program(program)
    erased, merged, kept = (member_with(program.shop) for _ in range(3))
    for member in (erased, merged, kept):
        buy(member, at=T0)
    Member.objects.filter(pk=erased.pk).update(erased_at=T0)
    Member.objects.filter(pk=merged.pk).update(merged_into=kept)
    assert points_expiring_notify(as_of=T0 + timedelta(days=31)) == 1
    assert list(Message.objects.values_list("member_id", flat=True)) == [kept.pk]


def test_points_expiring_at_midnight_name_the_day_before_as_the_last_day(program):
    expiring_program(program)
    member = member_with(program.shop, language="en")
    buy(member, at=T0)
    first_of_april = datetime(2026, 4, 1, tzinfo=VN)  # month-end expiry: at 00:00 on the 1st, the shop's time
    LedgerEntry.objects.filter(account_id=member.account_id, remaining__gt=0).update(expires_at=first_of_april)
    assert points_expiring_notify(as_of=T0 + timedelta(days=1)) == 1
    body = Message.objects.get(member=member, event="points_expiring").body
    assert "March 31, 2026" in body and "April 1" not in body


def test_a_voucher_expiring_at_midnight_names_the_day_before_as_the_last_day(shop):
    reward = reward_save(shop=shop, name="Free coffee", kind="free_item", points=0, voucher_valid_days=5)
    member = member_with(shop)
    voucher = voucher_issue(reward=reward, member=member, source="manual", at=T0)
    type(voucher).objects.filter(pk=voucher.pk).update(expires_at=datetime(2026, 3, 13, tzinfo=VN))
    assert vouchers_expiring_notify(as_of=T0 + timedelta(days=1)) == 1
    body = Message.objects.get(member=member).body
    assert "March 12, 2026" in body and "March 13" not in body


def test_the_jobs_look_up_sent_messages_within_their_shops(program, shop):
    """The unique (shop, dedupe_key) index serves the look-up only when it names the shops."""
    expiring_program(program)
    reward = reward_save(shop=shop, name="Free coffee", kind="free_item", points=0, voucher_valid_days=2)
    member = member_with(shop)
    buy(member, at=T0)
    voucher_issue(reward=reward, member=member, source="manual", at=T0)
    with CaptureQueriesContext(connection) as captured:
        points_expiring_notify(as_of=T0 + timedelta(days=31))
        vouchers_expiring_notify(as_of=T0 + timedelta(days=1))
    lookups = [q["sql"] for q in captured if "dedupe_key" in q["sql"] and q["sql"].startswith("SELECT")]
    message_table = Message._meta.db_table
    lookups = [sql for sql in lookups if f'FROM "{message_table}"' in sql and " IN (" in sql]
    assert len(lookups) >= 2
    assert all(f'"{message_table}"."shop_id" IN' in sql for sql in lookups), lookups


def test_vouchers_expiring_within_3_days_are_announced_once(shop):
    reward = reward_save(shop=shop, name="Free coffee", kind="free_item", points=0, voucher_valid_days=5)
    member = member_with(shop)
    voucher = voucher_issue(reward=reward, member=member, source="manual", at=T0)
    assert vouchers_expiring_notify(as_of=T0 + timedelta(days=1)) == 0
    assert vouchers_expiring_notify(as_of=T0 + timedelta(days=3)) == 1
    assert vouchers_expiring_notify(as_of=T0 + timedelta(days=4)) == 0
    message = Message.objects.get(member=member)
    assert message.dedupe_key == f"voucher_expiring:{voucher.pk}" and voucher.code in message.body


def test_run_all_runs_the_message_jobs(program):
    result = run_all(as_of=timezone.now())
    assert result["points_expiring_messages"] == 0 and result["vouchers_expiring_messages"] == 0
