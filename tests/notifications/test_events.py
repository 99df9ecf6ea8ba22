"""Each event's trigger: enrolment, a purchase (receipt, reward unlocked), a tier reached, the birthday job,
points expiring within 30 days and vouchers within 3 days; every job re-run sends nothing twice."""

from datetime import date, timedelta
from decimal import Decimal

from django.core import mail
from django.db import transaction
from django.utils import timezone

from loyalty.models import Bonus, Message, MessageStatus, TierLevel
from loyalty.models.programs import ExpiryPolicy
from loyalty.services.jobs import birthday_bonuses, run_all, tiers_review_all
from loyalty.services.notifications import points_expiring_notify, vouchers_expiring_notify
from loyalty.services.purchases import purchase_record
from rewards.services import reward_save, voucher_issue
from tests.factories import enrol

from .helpers import T0, member_with

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


def test_a_purchase_sends_the_receipt(shop, text_outbox, django_capture_on_commit_callbacks):
    member = member_with(shop)
    with django_capture_on_commit_callbacks(execute=True):
        purchase = buy(member)
    message = Message.objects.get(member=member)
    assert (message.event, message.dedupe_key) == ("purchase_receipt", f"receipt:{purchase.pk}")
    assert "2 points" in message.body and "₫100,000" in message.body and text_outbox


def test_a_backdated_purchase_sends_no_receipt(shop, django_capture_on_commit_callbacks):
    member = member_with(shop)
    with django_capture_on_commit_callbacks(execute=True):
        purchase_record(
            shop=shop, external_id="late-sync", amount=Decimal("100000"), member=member,
            occurred_at=timezone.now() - timedelta(days=3),
        )
    assert "purchase_receipt" not in events(member)


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


def test_the_tier_review_announces_its_upward_moves(program, django_capture_on_commit_callbacks):
    member = member_with(program.shop)
    buy(member, "200000")
    TierLevel.objects.create(program=program, code="gold", name="Gold", threshold=5)  # added after the purchase
    with django_capture_on_commit_callbacks(execute=True):
        tiers_review_all(as_of=timezone.now())
        tiers_review_all(as_of=timezone.now())
    assert events(member) == ["tier_up"]


def test_the_birthday_job_greets_once_with_the_bonus(program, django_capture_on_commit_callbacks):
    Bonus.objects.create(program=program, event="birthday", points=10)
    member = member_with(program.shop, birthday=date(1990, 3, 10))
    with django_capture_on_commit_callbacks(execute=True):
        birthday_bonuses(as_of=T0)
        birthday_bonuses(as_of=T0 + timedelta(days=1))
    message = Message.objects.get(member=member)
    assert (message.event, message.kind, message.status) == ("birthday", "marketing", MessageStatus.SENT)
    assert "10 points" in message.body


def test_points_expiring_within_30_days_are_announced_once_per_expiry_date(program):
    program.expiry_policy, program.expiry_days = ExpiryPolicy.DAYS_AFTER_EARN, 60
    program.save()
    member = member_with(program.shop)
    buy(member, at=T0)
    buy(member, at=T0 + timedelta(hours=1))  # the same expiry day
    buy(member, "200000", at=T0 + timedelta(days=5))
    assert points_expiring_notify(as_of=T0 + timedelta(days=29)) == 0, "60 days away: not yet"
    assert points_expiring_notify(as_of=T0 + timedelta(days=31)) == 1
    message = Message.objects.get(member=member, event="points_expiring")
    assert message.dedupe_key == f"points_expiring:{member.pk}:2026-05-09" and "4 points" in message.body
    assert points_expiring_notify(as_of=T0 + timedelta(days=32)) == 0, "a re-run sends nothing twice"
    assert points_expiring_notify(as_of=T0 + timedelta(days=36)) == 1, "the next expiry date has its own"


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
