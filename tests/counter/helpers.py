"""Posting the counter's forms as a browser does: with the idempotency key (and receipt number) the page gave."""

import re
import uuid
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from loyalty.services.ledger import Actor, points_adjust
from loyalty.services.purchases import purchase_record


def key() -> str:
    return uuid.uuid4().hex


def form_value(response, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', response.content.decode())
    assert match, f"no {name} in the page"
    return match.group(1)


def purchase_post(client, member, follow=False, **fields):
    data = {"idempotency_key": key(), "generated_receipt": f"T-{uuid.uuid4().hex[:8]}", **fields}
    return client.post(reverse("counter:purchase", kwargs={"member_id": member.pk}), data, follow=follow)


def give_points(member, points: int):
    return points_adjust(
        account_id=member.account_id, actor=Actor(shop=member.shop), points=points, reason="test", at=timezone.now()
    )


def buy(member, amount="40000", external_id=None):
    return purchase_record(
        shop=member.shop, member=member, amount=Decimal(amount), external_id=external_id or f"R-{uuid.uuid4().hex[:8]}"
    )


def texts(response) -> list[str]:
    """The messages shown on the page a response (followed) rendered."""
    return [str(message) for message in response.context["messages"]]
