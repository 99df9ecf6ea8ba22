"""Each channel through its gateway: email through Django's mail backend (List-Unsubscribe on marketing only),
SMS and Zalo through the locmem gateway, and the HTTP gateway against a real local HTTP server, with retries
until it answers and a failed status, the error kept, when it never does."""

import pytest
from django.core import mail
from django.test import override_settings

from loyalty.models import MessageStatus
from loyalty.notifications.gateways import GatewayError, HttpGateway, gateway_for, sms_send
from loyalty.services.message_delivery import MAX_ATTEMPTS
from loyalty.services.notifications import notify, unsubscribe_url

from .helpers import member_with

HTTP = "loyalty.notifications.gateways.HttpGateway"


def http_settings(url: str) -> dict:
    return {"BACKEND": HTTP, "URL": url, "TOKEN": "secret-token", "SENDER": "MyShop", "TIMEOUT": 5}


def test_a_marketing_mail_carries_list_unsubscribe_and_the_link_in_its_body(shop, django_capture_on_commit_callbacks):
    member = member_with(shop, email="lan@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        message = notify(member=member, event="birthday", context={"points": 10})
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.sent_at and message.attempts == 1
    [sent] = mail.outbox
    link = unsubscribe_url(member.pk)
    assert sent.to == ["lan@example.com"] and sent.subject == message.subject
    assert sent.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sent.body.rstrip().endswith(link)


def test_a_transactional_mail_has_no_unsubscribe(shop, django_capture_on_commit_callbacks):
    member = member_with(shop, email="lan@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        notify(member=member, event="tier_up", context={"tier": "Gold"})
    [sent] = mail.outbox
    assert "List-Unsubscribe" not in sent.extra_headers
    assert "/m/unsubscribe/" not in sent.body and "Gold" in sent.body


def test_without_an_email_the_member_gets_an_sms(shop, text_outbox, django_capture_on_commit_callbacks):
    member = member_with(shop)
    with django_capture_on_commit_callbacks(execute=True):
        message = notify(member=member, event="tier_up", context={"tier": "Gold"})
    assert message.channel == "sms" and message.to == member.phone
    assert [(t.channel, t.to) for t in text_outbox] == [("sms", member.phone)]
    assert "Gold" in text_outbox[0].body and not mail.outbox


def test_a_member_who_chose_zalo_gets_zalo_even_with_an_email(shop, text_outbox, django_capture_on_commit_callbacks):
    member = member_with(shop, email="lan@example.com", channel="zalo")
    with django_capture_on_commit_callbacks(execute=True):
        notify(member=member, event="tier_up", context={"tier": "Gold"})
    assert [(t.channel, t.to) for t in text_outbox] == [("zalo", member.phone)] and not mail.outbox


def test_sms_send_texts_at_once_without_a_message_row(shop, text_outbox):
    provider_id = sms_send("+84901234567", "Your code is 123456")
    assert text_outbox[0].body == "Your code is 123456" and text_outbox[0].id == provider_id
    assert not shop.messages.exists()


def test_the_http_gateway_posts_json_with_the_bearer_token(shop, provider, django_capture_on_commit_callbacks):
    server = provider(200)
    member = member_with(shop)
    with override_settings(SMS_GATEWAY=http_settings(server.url)), django_capture_on_commit_callbacks(execute=True):
        message = notify(member=member, event="tier_up", context={"tier": "Gold"})
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    [(headers, body)] = server.received
    assert headers["Authorization"] == "Bearer secret-token"
    expected = {"channel": "sms", "from": "MyShop", "to": member.phone, "subject": message.subject}
    assert body == {**expected, "text": message.body}


def test_the_http_gateway_returns_the_providers_id_and_refuses_an_error_status(provider):
    server = provider(200, 503)
    gateway = HttpGateway(channel="zalo", url=server.url, token="t")
    assert gateway.send(to="+84901234567", subject="", body="hi") == "prov-1"
    with pytest.raises(GatewayError, match="HTTP 503"):
        gateway.send(to="+84901234567", subject="", body="hi")


def test_an_unreachable_provider_is_a_gateway_error():
    gateway = HttpGateway(channel="sms", url="http://127.0.0.1:9/nothing", token="t", timeout=2)
    with pytest.raises(GatewayError):
        gateway.send(to="+84901234567", subject="", body="hi")


def test_a_failing_provider_is_retried_until_it_answers(
    shop, provider, retries_run_eagerly, django_capture_on_commit_callbacks
):
    server = provider(500, 500)
    member = member_with(shop)
    with override_settings(SMS_GATEWAY=http_settings(server.url)), django_capture_on_commit_callbacks(execute=True):
        message = notify(member=member, event="tier_up", context={"tier": "Gold"})
    message.refresh_from_db()
    assert len(server.received) == 3
    assert message.status == MessageStatus.SENT and message.attempts == 3 and message.reason == ""


def test_a_provider_that_keeps_failing_leaves_the_message_failed_with_its_error(
    shop, provider, retries_run_eagerly, django_capture_on_commit_callbacks
):
    server = provider(*[500] * (MAX_ATTEMPTS + 2))
    member = member_with(shop)
    with override_settings(SMS_GATEWAY=http_settings(server.url)), django_capture_on_commit_callbacks(execute=True):
        message = notify(member=member, event="tier_up", context={"tier": "Gold"})
    message.refresh_from_db()
    assert len(server.received) == MAX_ATTEMPTS
    assert message.status == MessageStatus.FAILED and message.attempts == MAX_ATTEMPTS and message.sent_at is None
    assert message.reason.startswith("HTTP 500")


def test_text_goes_to_the_console_unless_a_provider_url_is_configured(monkeypatch):
    from loyalty.settings.base import text_gateway_from_env

    assert text_gateway_from_env("SMS_GATEWAY")["BACKEND"].endswith(".ConsoleGateway")
    monkeypatch.setenv("ZALO_GATEWAY_URL", "https://zalo.example.com/send")
    monkeypatch.setenv("ZALO_GATEWAY_TOKEN", "tok")
    config = text_gateway_from_env("ZALO_GATEWAY")
    assert config["BACKEND"] == HTTP and config["URL"] == "https://zalo.example.com/send" and config["TOKEN"] == "tok"


def test_the_console_gateway_prints_the_text(capsys):
    with override_settings(SMS_GATEWAY={"BACKEND": "loyalty.notifications.gateways.ConsoleGateway", "SENDER": "S"}):
        assert gateway_for("sms").send(to="+84901234567", subject="", body="Hello there").startswith("console-")
    assert "Hello there" in capsys.readouterr().out
