"""Campaigns: the holdout drawn and recorded and given nothing, consent and the weekly cap judged per member,
quiet hours, points and vouchers given once even when the job dies midway, the preview, and the checks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from insights.models import Campaign, CampaignMember, CampaignStatus, Group, Segment
from insights.services import campaigns as service
from insights.services.campaigns import campaign_cancel, campaign_preview, campaign_save, campaign_send, campaigns_sent
from insights.services.rules import segment_save
from loyalty.errors import DomainError, ValidationFailed
from loyalty.models import LedgerEntry, Message, MessageStatus
from loyalty.services.members import consent_set
from rewards.models import Reward, Voucher

from .conftest import enrol, utc

T = utc(2031, 5, 15, 3, 0)  # 10:00 in Ho Chi Minh City
TEXTS = {"en": {"subject": "We miss you", "body": "Come back for a coffee."}}


def everyone(shop):
    rules = [{"field": "visits", "op": "gte", "value": 0}]
    return Segment.objects.filter(shop=shop, name="Everyone").first() or segment_save(
        shop=shop, name="Everyone", match="all", rules=rules
    )


def people(shop, count: int, *, consent: bool = True, **fields):
    made = [
        enrol(shop, email=f"m{index}-{shop.pk}@example.com", at=T - timedelta(days=30), **fields)
        for index in range(count)
    ]
    if consent:
        for member in made:
            consent_set(member=member, granted=True, source="portal", at=T - timedelta(days=30))
    return made


def campaign(shop, **fields):
    made = {"name": "Come back", "segment": everyone(shop), "texts": TEXTS, "send_at": T, "now": T}
    made.update(fields)
    return campaign_save(shop=shop, **made)


def test_the_holdout_is_drawn_recorded_and_gets_nothing(saigon):
    people(saigon, 20)
    sent = campaign(saigon, holdout_percent=10, points=5, reason="We miss you")
    assert campaign_send(sent.pk, at=T) == 18
    groups = CampaignMember.objects.filter(campaign=sent)
    held = {row.member_id for row in groups.filter(group=Group.HOLDOUT)}
    assert len(held) == 2 and groups.filter(group=Group.TARGET).count() == 18
    assert not Message.objects.filter(member_id__in=held, event="campaign").exists()
    assert not LedgerEntry.objects.filter(account__members__in=held, source=f"campaign:{sent.pk}").exists()
    assert Message.objects.filter(event="campaign", status=MessageStatus.QUEUED).count() == 18
    assert LedgerEntry.objects.filter(source=f"campaign:{sent.pk}", points=5).count() == 18
    sent.refresh_from_db()
    assert (sent.status, sent.started_at, sent.sent_at) == (CampaignStatus.SENT, T, T)


def test_consent_and_the_weekly_cap_are_judged_per_member(saigon):
    saigon.marketing_cap_per_week = 1
    saigon.save(update_fields=["marketing_cap_per_week"])
    agreed = people(saigon, 2)
    (refused,) = people(saigon, 1, consent=False)
    first = campaign(saigon, name="First", holdout_percent=0)
    campaign_send(first.pk, at=T)
    reasons = dict(Message.objects.filter(event="campaign").values_list("member_id", "reason"))
    assert reasons == {agreed[0].pk: "", agreed[1].pk: "", refused.pk: "no_consent"}
    second = campaign(saigon, name="Second", holdout_percent=0, send_at=T + timedelta(days=2), now=T)
    campaign_send(second.pk, at=T + timedelta(days=2))
    again = Message.objects.filter(event="campaign", dedupe_key__startswith=f"campaign:{second.pk}:")
    assert {m.reason for m in again} == {"weekly_cap", "no_consent"}
    third = campaign(saigon, name="Third", holdout_percent=0, send_at=T + timedelta(days=8))
    campaign_send(third.pk, at=T + timedelta(days=8))  # a week later the cap allows one again
    later = Message.objects.filter(dedupe_key__startswith=f"campaign:{third.pk}:", status=MessageStatus.QUEUED)
    assert later.count() == 2


def test_a_campaign_killed_midway_gives_nobody_anything_twice(saigon, monkeypatch):
    people(saigon, 6)
    sent = campaign(saigon, holdout_percent=0, points=7, reason="Thanks")
    real_handle, calls = service._handle, []

    def dies_on_the_fourth(campaign, row_id, at):
        calls.append(row_id)
        if len(calls) == 4:
            real_handle(campaign, row_id, at)
            raise RuntimeError("the worker was killed")
        return real_handle(campaign, row_id, at)

    monkeypatch.setattr(service, "_handle", dies_on_the_fourth)
    with pytest.raises(RuntimeError):
        campaign_send(sent.pk, at=T)
    monkeypatch.setattr(service, "_handle", real_handle)
    assert Campaign.objects.get(pk=sent.pk).status == CampaignStatus.SENDING
    assert campaigns_sent(as_of=T + timedelta(minutes=15)) == {"members_handled": 2}
    assert campaigns_sent(as_of=T + timedelta(minutes=30)) == {"members_handled": 0}
    assert Message.objects.filter(event="campaign").count() == 6
    assert LedgerEntry.objects.filter(source=f"campaign:{sent.pk}").count() == 6
    assert CampaignMember.objects.filter(campaign=sent, handled_at__isnull=True).count() == 0


def test_quiet_hours_hold_a_message_until_morning(saigon):
    people(saigon, 3)
    night = utc(2031, 5, 15, 15, 0)  # 22:00 there
    sent = campaign(saigon, holdout_percent=0, send_at=night, now=night)
    assert campaign_send(sent.pk, at=night) == 0
    assert Campaign.objects.get(pk=sent.pk).status == CampaignStatus.SCHEDULED
    assert campaign_send(sent.pk, at=utc(2031, 5, 16, 1, 5)) == 3  # 08:05 there


def test_a_bulk_grant_without_a_message_goes_at_any_hour_and_needs_no_consent(saigon):
    members = people(saigon, 4, consent=False)
    night = utc(2031, 5, 15, 18, 0)
    grant = campaign(
        saigon, texts={}, points=50, reason="Sorry for the broken machine", holdout_percent=0, send_at=night, now=night
    )
    assert campaign_send(grant.pk, at=night) == 4
    for member in members:
        member.account.refresh_from_db()
        assert member.account.points_balance == 50
    assert not Message.objects.filter(event="campaign").exists()


def test_a_voucher_goes_with_its_code_in_the_message(saigon):
    (member,) = people(saigon, 1)
    reward = Reward.objects.get(shop=saigon, code="coffee")
    sent = campaign(saigon, holdout_percent=0, reward=reward, reason="Welcome back")
    campaign_send(sent.pk, at=T)
    voucher = Voucher.objects.get(member=member)
    message = Message.objects.get(member=member, event="campaign")
    assert voucher.code in message.body and "Come back for a coffee." in message.body
    assert CampaignMember.objects.get(campaign=sent).voucher == voucher


def test_the_message_is_in_the_members_language(saigon):
    (viet,) = people(saigon, 1)
    viet.language = "vi"
    viet.save(update_fields=["language"])
    texts = {**TEXTS, "vi": {"subject": "Nhớ bạn", "body": "Ghé uống cà phê nhé."}}
    sent = campaign(saigon, holdout_percent=0, texts=texts)
    subject, body = campaign_preview(sent, viet)
    assert subject == "Nhớ bạn" and "Ghé uống cà phê nhé." in body
    assert not Message.objects.exists()  # a preview sends nothing
    campaign_send(sent.pk, at=T)
    assert Message.objects.get(member=viet).subject == "Nhớ bạn"


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"name": " "}, "name"),
        ({"holdout_percent": 95}, "holdout_percent"),
        ({"points": 10}, "reason"),
        ({"texts": {}}, "texts"),
        ({"texts": {"vi": {"subject": "x", "body": "y"}}}, "texts.en"),
        ({"texts": {"en": {"subject": "x", "body": ""}}}, "texts.en"),
    ],
)
def test_a_campaign_is_checked(saigon, fields, error):
    with pytest.raises(ValidationFailed) as raised:
        campaign(saigon, **fields)
    assert error in raised.value.fields


def test_another_shops_segment_is_refused(saigon, other_shop):
    with pytest.raises(ValidationFailed):
        campaign(saigon, segment=everyone(other_shop))


def test_only_a_campaign_not_started_can_be_cancelled(saigon):
    people(saigon, 1)
    first, second = campaign(saigon), campaign(saigon, name="Later")
    campaign_cancel(campaign=first)
    assert campaign_send(first.pk, at=T) == 0 and not CampaignMember.objects.filter(campaign=first).exists()
    campaign_send(second.pk, at=T)
    with pytest.raises(DomainError):
        campaign_cancel(campaign=second)
