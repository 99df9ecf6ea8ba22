"""Owners add webhook endpoints, read their signing secret, follow every delivery and send one again."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from loyalty.models import DeliveryStatus, WebhookEndpoint
from loyalty.services.webhooks import webhook_attempt, webhook_emit, webhook_endpoint_create

WEBHOOKS = reverse("portal:webhooks")
HTMX = {"HX-Request": "true"}


def page(endpoint, name="portal:webhook") -> str:
    return reverse(name, kwargs={"endpoint_id": endpoint.pk})


def emit(shop, event="member.enrolled", number=1):
    shop = type(shop).objects.get(pk=shop.pk)  # the service caches a shop's endpoints on the object
    return webhook_emit(shop, event, {"member": str(number)})


def answered(code: int, text: str):
    """The receiver, as webhook_attempt sees it."""
    return lambda url, body, headers: (code, text)


def unreachable(url, body, headers):
    raise ConnectionRefusedError("Connection refused")


@pytest.fixture
def endpoint(shop):
    return webhook_endpoint_create(
        shop=shop, url="https://hooks.example.com/regulars", events=["member.enrolled", "purchase.recorded"]
    )


def test_adding_an_endpoint_shows_its_secret(owner_client, shop):
    response = owner_client.post(
        WEBHOOKS, {"url": "https://hooks.example.com/in", "events": ["points.changed"]}, follow=True
    )
    endpoint = WebhookEndpoint.objects.get(shop=shop)
    assert response.redirect_chain == [(page(endpoint, "portal:webhook_secret"), 302)]
    assert (endpoint.url, endpoint.events) == ("https://hooks.example.com/in", ["points.changed"])
    html = response.content.decode()
    assert endpoint.secret in html and "Copy its signing secret now." in html
    assert "no-store" in response["Cache-Control"]


def test_no_event_ticked_means_every_event(owner_client, shop):
    owner_client.post(WEBHOOKS, {"url": "https://hooks.example.com/in"})
    endpoint = WebhookEndpoint.objects.get(shop=shop)
    assert endpoint.events == [] and endpoint.wants("tier.changed")
    assert "Every event" in owner_client.get(WEBHOOKS).content.decode()


def test_an_address_must_be_https(owner_client, shop):
    response = owner_client.post(WEBHOOKS, {"url": "http://hooks.example.com/in"})
    assert response.context["form"].errors["url"] == ["must be an https:// address"]
    assert not WebhookEndpoint.objects.exists()


def test_the_list_shows_the_shops_endpoints_with_their_deliveries(owner_client, shop, endpoint, other_shop):
    webhook_endpoint_create(shop=other_shop, url="https://theirs.example.com/in")
    emit(shop)
    html = owner_client.get(WEBHOOKS).content.decode()
    assert "https://hooks.example.com/regulars" in html and "member.enrolled, purchase.recorded" in html
    assert page(endpoint) in html and "theirs.example.com" not in html
    assert endpoint.secret not in html


def test_the_secret_is_hidden_until_revealed(owner_client, endpoint):
    html = owner_client.get(page(endpoint)).content.decode()
    assert endpoint.secret not in html and page(endpoint, "portal:webhook_secret") in html
    revealed = owner_client.get(page(endpoint, "portal:webhook_secret"), headers=HTMX)
    assert revealed.content.decode().lstrip().startswith('<div id="secret">')
    assert endpoint.secret in revealed.content.decode() and "no-store" in revealed["Cache-Control"]


def test_the_delivery_log_shows_each_attempts_outcome(owner_client, shop, endpoint):
    [failed] = emit(shop, number=1)
    webhook_attempt(str(failed.pk), post=answered(500, "<h1>Internal Server Error</h1>" + "x" * 300))
    [refused] = emit(shop, number=2)
    webhook_attempt(str(refused.pk), post=unreachable)
    [delivered] = emit(shop, number=3)
    webhook_attempt(str(delivered.pk), post=answered(200, "ok"))
    html = owner_client.get(page(endpoint)).content.decode()
    assert "member.enrolled" in html and "Delivered" in html and "Pending" in html
    assert "500" in html and "&lt;h1&gt;Internal Server Error&lt;/h1&gt;xxx" in html and "x" * 200 not in html
    assert "ConnectionRefusedError: Connection refused" in html
    assert html.count("Send again") == 3


def test_the_delivery_log_is_paginated_newest_first(owner_client, shop, endpoint):
    for number in range(25):
        emit(shop, "purchase.recorded" if number == 24 else "member.enrolled", number)
    first = owner_client.get(page(endpoint)).content.decode()
    assert "Page 1 of 2" in first and "purchase.recorded" in first
    second = owner_client.get(page(endpoint), {"page": 2}, headers=HTMX).content.decode()
    assert second.lstrip().startswith('<div id="deliveries"') and "purchase.recorded" not in second


def test_send_again_queues_the_same_delivery(owner_client, shop, endpoint, django_capture_on_commit_callbacks):
    [delivery] = emit(shop)
    for _ in range(8):
        webhook_attempt(str(delivery.pk), post=unreachable)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    url = reverse("portal:webhook_resend", kwargs={"delivery_id": delivery.pk})
    with django_capture_on_commit_callbacks() as queued:
        response = owner_client.post(url, headers=HTMX)
    assert len(queued) == 1
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="deliveries"') and "The member.enrolled event will be sent again." in html
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)
    assert owner_client.post(url).url == page(endpoint)


def test_disabling_asks_first_and_stops_resending(owner_client, shop, endpoint):
    [delivery] = emit(shop)
    confirm = owner_client.get(page(endpoint, "portal:webhook_disable")).content.decode()
    assert "Disable this endpoint?" in confirm
    endpoint.refresh_from_db()
    assert endpoint.active

    response = owner_client.post(page(endpoint, "portal:webhook_disable"), follow=True)
    assert response.redirect_chain == [(page(endpoint), 302)]
    endpoint.refresh_from_db()
    assert not endpoint.active
    html = response.content.decode()
    assert "Disabled" in html and "Send again" not in html
    resend = owner_client.post(reverse("portal:webhook_resend", kwargs={"delivery_id": delivery.pk}), follow=True)
    assert "This endpoint is disabled" in resend.content.decode()


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_only_owners_see_webhooks(as_user, request, role, endpoint):
    client = as_user(request.getfixturevalue(role))
    assert client.get(WEBHOOKS).status_code == 403
    assert client.get(page(endpoint, "portal:webhook_secret")).status_code == 403


def test_the_log_costs_the_same_queries_for_many_deliveries(owner_client, shop, endpoint):
    emit(shop)
    with CaptureQueriesContext(connection) as with_one:
        owner_client.get(page(endpoint))
        owner_client.get(WEBHOOKS)
    for number in range(15):
        emit(shop, number=number)
    webhook_endpoint_create(shop=shop, url="https://second.example.com/in")
    with CaptureQueriesContext(connection) as with_many:
        owner_client.get(page(endpoint))
        owner_client.get(WEBHOOKS)
    assert len(with_many) == len(with_one)
