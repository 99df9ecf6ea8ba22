"""What an approval tells: the referrer's message in their language (consent respected), the referral.approved
webhook; and an erased member's referrals stay counted, anonymous."""

from __future__ import annotations

import json
from datetime import timedelta

from django.test import Client
from django.urls import reverse

from loyalty.models import Message, MessageStatus, WebhookDelivery
from loyalty.services.members import consent_set
from loyalty.services.privacy import member_erase
from loyalty.services.webhooks import webhook_endpoint_create
from referrals.models import Status
from referrals.selectors import ladder_of
from referrals.services.programs import program_of
from tests.factories import StaffFactory

from .conftest import T0, approve, buy, friend, referral_of, referrer_of

DUE = T0 + timedelta(days=14)


def test_the_referrer_hears_of_an_approval_in_their_language_when_they_consented(razors):
    referrer = referrer_of(razors, email="linh@example.com", name="Linh")
    consent_set(member=referrer, granted=True, source="counter")
    referrer.language = "vi"
    referrer.save(update_fields=["language"])
    quiet = referrer_of(razors, email="quiet@example.com")
    buy(razors, friend(razors, referrer, name="Minh Le"))
    buy(razors, friend(razors, quiet))
    approve(DUE)
    message = Message.objects.get(member=referrer, event="referral_approved")
    assert (message.status, message.language) == (MessageStatus.QUEUED, "vi") and "Minh" in message.body
    skipped = Message.objects.get(member=quiet, event="referral_approved")
    assert (skipped.status, skipped.reason) == (MessageStatus.SKIPPED, "no_consent")


def test_the_referral_approved_webhook_fires_once_with_the_milestones(razors, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    endpoint = webhook_endpoint_create(shop=razors, url="https://hooks.example.com/in", events=["referral.approved"])
    referrer = referrer_of(razors)
    friends = [friend(razors, referrer) for _ in range(5)]
    for new in friends:
        buy(razors, new)
    approve(DUE)
    approve(DUE)
    bodies = [json.loads(d.body)["data"] for d in WebhookDelivery.objects.filter(endpoint=endpoint)]
    assert len(bodies) == 5 and {b["referrer"] for b in bodies} == {str(referrer.pk)}
    assert [m["reward"] for b in bodies for m in b["milestones"]] == ["shave-cream"]


def test_an_erased_friend_still_counts_and_shows_without_a_name(razors):
    referrer = referrer_of(razors, name="Linh Tran")
    new = friend(razors, referrer, name="Minh Le")
    buy(razors, new)
    member_erase(member=new)
    approve(DUE)
    assert referral_of(new).status == Status.APPROVED
    assert ladder_of(referrer, program_of(razors)).approved == 1
    owner = Client()
    owner.force_login(StaffFactory(shop=razors, role="owner").user)
    html = owner.get(reverse("referrals:referrals")).content.decode()
    assert "Minh" not in html and "(erased)" in html
