"""Support merges a customer who enrolled twice with the Member admin's "Merge duplicates" action."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from loyalty.models import Card, EntryKind, LedgerEntry, Member
from loyalty.services.ledger import Actor, points_adjust
from loyalty.services.purchases import purchase_record
from loyalty.services.refunds import purchase_refund
from tests.factories import enrol

CHANGELIST = reverse("admin:loyalty_member_changelist")


@pytest.fixture
def support_user(db):
    return get_user_model().objects.create_superuser("support", "support@example.com", "x-long-pw-1")


@pytest.fixture
def support(client, support_user):
    client.force_login(support_user)
    return client


def give(member, points):
    points_adjust(
        account_id=member.account_id, actor=Actor(shop=member.shop), points=points, reason="test", at=timezone.now()
    )


def act(client, members, **extra):
    return client.post(
        CHANGELIST, {"action": "merge_duplicates", "_selected_action": [m.pk for m in members], **extra}, follow=True
    )


def test_the_action_asks_which_member_to_keep(support, shop):
    lan, again = enrol(shop, name="Lan"), enrol(shop, name="Lan (again)")
    html = act(support, [lan, again]).content.decode()
    assert "Which member do you keep?" in html
    assert f'name="keep" id="keep-{lan.pk}" value="{lan.pk}" checked' in html and again.phone in html
    assert not Member.objects.filter(merged_into__isnull=False).exists()


def test_confirming_merges_the_duplicate_into_the_kept_member(support, support_user, shop):
    lan, again = enrol(shop, name="Lan"), enrol(shop, name="Lan (again)")
    give(lan, 10)
    give(again, 7)
    response = act(support, [lan, again], post="yes", keep=again.pk)
    assert response.redirect_chain == [(CHANGELIST, 302)]
    assert "was merged into Lan (again)" in response.content.decode()
    lan.refresh_from_db()
    again.account.refresh_from_db()
    assert lan.merged_into == again and again.account.points_balance == 17
    merge = LedgerEntry.objects.get(account=lan.account, kind=EntryKind.MERGE)
    assert merge.staff == support_user and merge.points == -10
    assert not Card.objects.filter(member=lan, blocked_at__isnull=True).exists()


@pytest.mark.parametrize("count", [1, 3])
def test_exactly_two_members_are_needed(support, shop, count):
    members = [enrol(shop) for _ in range(count)]
    html = act(support, members, post="yes", keep=members[0].pk).content.decode()
    assert "Select exactly two members to merge." in html
    assert not Member.objects.filter(merged_into__isnull=False).exists()


def test_members_of_different_shops_are_not_merged(support, shop, other_shop):
    ours, theirs = enrol(shop), enrol(other_shop)
    html = act(support, [ours, theirs], post="yes", keep=ours.pk).content.decode()
    assert "different shops" in html
    assert not Member.objects.filter(merged_into__isnull=False).exists()


def test_a_refusal_of_the_service_shows_as_a_message(support, shop):
    """A duplicate that owes points after a refund cannot be merged (LEDGER.md: Merge)."""
    keep, owing = enrol(shop, name="Keep"), enrol(shop, name="Owing")
    purchase = purchase_record(shop=shop, external_id="r1", amount=Decimal("400000"), member=owing).purchase
    give(owing, -10)
    purchase_refund(shop=shop, purchase_id=purchase.pk, amount=Decimal("400000"), external_id="rf1")
    owing.account.refresh_from_db()
    assert owing.account.points_balance < 0
    html = act(support, [keep, owing], post="yes", keep=keep.pk).content.decode()
    assert "owes points" in html
    owing.refresh_from_db()
    assert owing.merged_into is None


def test_the_admin_stays_read_only(support, shop):
    member = enrol(shop)
    html = support.get(reverse("admin:loyalty_member_change", args=[member.pk])).content.decode()
    assert 'name="_save"' not in html
