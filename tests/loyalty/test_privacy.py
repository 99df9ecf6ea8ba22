"""A member's data: the export holds everything about them; erasure forgets the person and keeps the figures."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from loyalty.errors import NotFound, ValidationFailed
from loyalty.member_site.access import member_from_link_token, member_link_token, member_user
from loyalty.models import (
    Card,
    ConsentChange,
    ConsentSource,
    LedgerEntry,
    Member,
    Message,
    Purchase,
    StampCard,
    StampProgress,
    TierLevel,
)
from loyalty.services.invariants import ledger_violations
from loyalty.services.members import consent_set, member_card_number, member_lookup, qr_payload
from loyalty.services.privacy import member_erase, member_export
from loyalty.services.purchases import purchase_record
from loyalty.services.refunds import purchase_refund
from loyalty.services.rules import Line
from rewards.models import Reward
from rewards.services import reward_redeem
from tests.factories import enrol


@pytest.fixture
def lan(shop):
    """A member with a bit of everything: consent, purchases with lines and a refund, a voucher, stamps, a message."""
    StampCard.objects.create(program=shop.program, code="coffee", name="Coffee card", stamps_required=8)
    TierLevel.objects.create(program=shop.program, code="gold", name="Gold", threshold=3)
    Reward.objects.create(shop=shop, code="cake", name="Cake", kind="free_item", points=1, value=Decimal("30000"))
    member = enrol(
        shop,
        phone="+84901234567",
        name="Nguyễn Lan",
        email="lan@example.com",
        birthday=date(1990, 4, 2),
        marketing_consent=True,
        consent_source=ConsentSource.COUNTER,
    )
    first = purchase_record(
        shop=shop,
        external_id="R-1",
        amount=Decimal("200000"),
        member=member,
        lines=[
            Line(amount=Decimal("150000"), category="coffee", sku="LATTE", quantity=3),
            Line(amount=Decimal("50000")),
        ],
    )
    purchase_refund(shop=shop, purchase_id=first.purchase.pk, amount=Decimal("50000"), external_id="RF-1")
    purchase_record(shop=shop, external_id="R-2", amount=Decimal("120000"), member=member)
    member.refresh_from_db()
    reward_redeem(member=member, reward_code="cake", actor=_actor(shop))
    Message.objects.create(
        shop=shop, member=member, event="test", kind="transactional", channel="sms", to=member.phone,
        language="vi", subject="Hello Lan", body="Chào Nguyễn Lan, your card is 123.",
    )  # fmt: skip
    member.refresh_from_db()
    return member


def _actor(shop):
    from loyalty.services.ledger import Actor

    return Actor(shop=shop)


# ---------------------------------------------------------------- export


def test_the_export_holds_the_profile_consent_cards_and_every_movement(lan):
    data = member_export(lan)
    json.dumps(data)  # JSON-serialisable as it is
    assert data["profile"]["phone"] == "+84901234567" and data["profile"]["name"] == "Nguyễn Lan"
    assert data["profile"]["email"] == "lan@example.com" and data["profile"]["birthday"] == "1990-04-02"
    assert [(c["granted"], c["source"]) for c in data["consent_history"]] == [(True, "counter")]
    assert data["cards"][0]["number"] == member_card_number(lan)
    first = next(p for p in data["purchases"] if p["external_id"] == "R-1")
    assert first["amount"] == "200000.0000" and first["refunded_amount"] == "50000.0000"
    assert {(line["sku"], line["quantity"], line["amount"]) for line in first["lines"]} == {
        ("LATTE", 3, "150000.0000"),
        ("", 1, "50000.0000"),
    }
    assert first["refunds"][0]["external_id"] == "RF-1" and first["refunds"][0]["amount"] == "50000.0000"
    assert len(data["points_ledger"]) == LedgerEntry.objects.filter(account=lan.account).count()
    assert sum(e["points"] for e in data["points_ledger"]) == data["account"]["points_balance"]
    assert data["vouchers"][0]["reward_name"] == "Cake" and data["vouchers"][0]["points_spent"] == 1
    assert data["stamps"][0]["card_name"] == "Coffee card" and data["stamps"][0]["count"] >= 1
    assert any(m["body"].startswith("Chào Nguyễn Lan") for m in data["messages"])
    assert data["shop"]["slug"] == lan.shop.slug
    assert data["tier_changes"][0]["to_tier_name"] == "Gold" and data["account"]["tier"] == "Gold"


def test_the_export_shows_only_this_members_data(lan, shop):
    other = enrol(shop, phone="+84907654321", name="Minh")
    purchase_record(shop=shop, external_id="X-9", amount=Decimal("90000"), member=other)
    data = member_export(lan)
    assert "X-9" not in json.dumps(data) and "Minh" not in json.dumps(data)


# ---------------------------------------------------------------- erasure


def test_erasure_replaces_the_personal_data_and_keeps_the_figures(lan, owner):
    user = member_user(lan)
    card = member_card_number(lan)
    before = {
        "balance": lan.account.points_balance,
        "entries": LedgerEntry.objects.filter(account=lan.account).count(),
        "purchases": Purchase.objects.filter(member=lan).count(),
        "vouchers": lan.vouchers.count(),
        "stamps": StampProgress.objects.get(account=lan.account).count,
    }
    erased = member_erase(member=lan, by=owner, source=ConsentSource.PORTAL)
    assert erased.phone == f"erased-{lan.pk}" and len(erased.phone) <= 20
    assert (erased.name, erased.email, erased.birthday, erased.language, erased.channel) == ("", "", None, "", "")
    assert erased.erased_at is not None and erased.user_id is None and not erased.marketing_consent
    assert erased.qr_key_version == lan.qr_key_version + 1
    assert not Card.objects.filter(member=lan, blocked_at__isnull=True).exists()
    assert Card.objects.get(number=card).member_id == lan.pk  # the card stays with the anonymous member, blocked
    assert not get_user_model().objects.filter(pk=user.pk).exists()  # a sign-in user used for nothing else
    message = Message.objects.get(member=lan, event="test")
    assert (message.to, message.subject, message.body) == ("", "", "")
    after = {
        "balance": erased.account.points_balance,
        "entries": LedgerEntry.objects.filter(account=lan.account).count(),
        "purchases": Purchase.objects.filter(member=lan).count(),
        "vouchers": lan.vouchers.count(),
        "stamps": StampProgress.objects.get(account=lan.account).count,
    }
    assert after == before
    assert ledger_violations() == []
    assert "Nguyễn Lan" not in json.dumps(member_export(erased)) and "+84901234567" not in json.dumps(
        member_export(erased)
    )


def test_the_consent_history_keeps_the_withdrawal_erasure_records(lan, owner):
    consent_set(member=lan, granted=False, source=ConsentSource.MEMBER)
    consent_set(member=lan, granted=True, source=ConsentSource.MEMBER)
    member_erase(member=lan, by=owner)
    history = list(ConsentChange.objects.filter(member=lan).order_by("at", "pk").values_list("granted", "source", "by"))
    assert history == [
        (True, "counter", None),
        (False, "member", None),
        (True, "member", None),
        (False, "erasure", owner.pk),
    ]


def test_after_erasure_the_old_phone_card_qr_and_welcome_link_find_no_one(lan, shop):
    card, payload, link = member_card_number(lan), qr_payload(lan), member_link_token(lan)
    member_erase(member=lan, source=ConsentSource.MEMBER)
    for query in ("+84901234567", "0901 234 567", card, payload):
        with pytest.raises(NotFound):
            member_lookup(shop, query)
    assert member_from_link_token(link) is None


def test_the_phone_can_join_again_after_erasure(lan, shop):
    member_erase(member=lan)
    again = enrol(shop, phone="0901234567")
    assert again.pk != lan.pk and Member.objects.filter(shop=shop).count() == 2


def test_erasing_twice_is_refused(lan):
    member_erase(member=lan)
    with pytest.raises(ValidationFailed) as refused:
        member_erase(member=lan)
    assert refused.value.code == "already_erased"


def test_erasure_on_request_comes_from_the_portal_or_the_member(lan):
    with pytest.raises(ValidationFailed):
        member_erase(member=lan, source=ConsentSource.COUNTER)
    assert Member.objects.get(pk=lan.pk).erased_at is None


def test_a_sign_in_user_shared_with_another_shop_is_kept_and_only_unlinked(lan, other_shop):
    user = member_user(lan)
    elsewhere = enrol(other_shop, phone="+84901234567")
    Member.objects.filter(pk=elsewhere.pk).update(user=user)
    member_erase(member=lan)
    assert Member.objects.get(pk=elsewhere.pk).user_id == user.pk
    assert Member.objects.get(pk=elsewhere.pk).phone == "+84901234567"


def test_erasure_is_atomic(lan, monkeypatch):
    import loyalty.services.privacy as privacy

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(privacy, "_sign_in_user_forget", broken)
    member_user(lan)
    with pytest.raises(RuntimeError):
        member_erase(member=lan)
    kept = Member.objects.get(pk=lan.pk)
    assert kept.phone == "+84901234567" and kept.erased_at is None and kept.marketing_consent
    assert Card.objects.filter(member=lan, blocked_at__isnull=True).exists()
    assert not ConsentChange.objects.filter(member=lan, source="erasure").exists()


def test_erasure_at_a_given_moment(lan):
    at = timezone.now().replace(microsecond=0)
    assert member_erase(member=lan, at=at).erased_at == at


def test_erasure_reaches_the_rows_merged_into_the_member(shop, lan):
    from loyalty.services.ledger import Actor
    from loyalty.services.members import members_merge

    duplicate = enrol(shop, phone="+84901000005", name="Dup Person", email="dup@example.com")
    members_merge(keep=lan, duplicate=duplicate, actor=Actor(shop=shop))
    exported = member_export(lan)
    assert [d["profile"]["name"] for d in exported["merged_duplicates"]] == ["Dup Person"]
    member_erase(member=lan, source="portal")
    duplicate.refresh_from_db()
    assert (duplicate.phone, duplicate.name, duplicate.email) == (f"erased-{duplicate.pk}", "", "")
    assert duplicate.erased_at is not None


def test_erasure_stops_queued_messages_and_blanks_their_errors(shop, lan):
    from loyalty.models import MessageStatus

    queued = Message.objects.create(
        shop=shop,
        member=lan,
        event="birthday",
        kind="marketing",
        channel="sms",
        to=lan.phone,
        language="vi",
        body="Happy birthday Lan",
    )
    failed = Message.objects.create(
        shop=shop,
        member=lan,
        event="welcome",
        kind="transactional",
        channel="email",
        to=lan.email,
        language="vi",
        status=MessageStatus.FAILED,
        reason="SMTPRecipientsRefused: {'lan@example.com': (550, 'no')}",
    )
    member_erase(member=lan, source="member")
    queued.refresh_from_db()
    failed.refresh_from_db()
    assert (queued.status, queued.to, queued.body) == (MessageStatus.SKIPPED, "", "")
    assert failed.reason == "" and failed.status == MessageStatus.FAILED


def test_erasure_forgets_sign_in_codes_and_what_webhooks_carried(shop, lan):
    from loyalty.models import Shop, SignInCode, WebhookDelivery, WebhookEndpoint
    from loyalty.services.webhooks import webhook_emit

    SignInCode.objects.create(phone=lan.phone, code_hash="x", expires_at=timezone.now())
    endpoint = WebhookEndpoint.objects.create(shop=shop, url="https://example.com/hook")
    shop = Shop.objects.get(pk=shop.pk)  # endpoints are read once per shop object
    webhook_emit(shop, "member.enrolled", {"member": str(lan.pk), "phone": lan.phone, "name": lan.name})
    other = enrol(shop, name="Someone Else")
    webhook_emit(shop, "member.enrolled", {"member": str(other.pk), "phone": other.phone, "name": other.name})
    member_erase(member=lan, source="portal")
    assert not SignInCode.objects.filter(phone="+84901234567").exists()
    bodies = [json.loads(d.body) for d in WebhookDelivery.objects.filter(endpoint=endpoint)]
    assert {"member": str(lan.pk), "erased": True} in [body["data"] for body in bodies]
    assert "+84901234567" not in json.dumps(bodies) and "Someone Else" in json.dumps(bodies)


def test_the_export_keeps_the_stamp_history(lan):
    assert member_export(lan)["stamp_history"]  # every stamp earned or taken back, with its receipt


def test_a_page_loaded_before_the_erasure_cannot_write_the_person_back(lan):
    from loyalty.services.members import member_update

    stale = Member.objects.get(pk=lan.pk)
    member_erase(member=lan, source="portal")
    with pytest.raises(ValidationFailed):
        member_update(member=stale, language="vi")
    assert Member.objects.get(pk=lan.pk).name == ""


def test_consent_is_decided_on_the_row_not_on_a_stale_copy(lan):
    stale = Member.objects.get(pk=lan.pk)  # consented
    consent_set(member=lan, granted=False, source=ConsentSource.UNSUBSCRIBE)
    consent_set(member=lan, granted=True, source=ConsentSource.MEMBER)
    consent_set(member=stale, granted=False, source=ConsentSource.UNSUBSCRIBE)  # stale copy still says True
    assert Member.objects.get(pk=lan.pk).marketing_consent is False
    history = ConsentChange.objects.filter(member=lan).order_by("at", "pk")
    assert [change.granted for change in history] == [True, False, True, False]


def test_the_history_of_changed_details_is_exported_and_erased_with_the_member(lan):
    from loyalty.services.members import member_update

    member_update(member=lan, name="Lan Trần", email="lan.tran@example.com")
    assert member_export(lan)["detail_changes"][0]["changed"]["name"] == ["Nguyễn Lan", "Lan Trần"]
    member_erase(member=lan)
    assert [change.changed for change in lan.changes.all()] == [{}]
