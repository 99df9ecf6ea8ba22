"""Gateways: one small interface, `send(*, to, subject, body, unsubscribe_url="") -> provider message id`,
raising GatewayError when the text was not accepted (the caller retries).

Email goes through Django's EmailMessage, so EMAIL_BACKEND decides how mail leaves. SMS and Zalo go through
the backend named in settings.SMS_GATEWAY / settings.ZALO_GATEWAY: the console (the default: prints the
text), locmem (keeps an outbox list, for tests) or HTTP (POSTs JSON to a provider's endpoint).
"""

from __future__ import annotations

import logging
import sys
import uuid
from dataclasses import dataclass
from email.utils import make_msgid
from typing import Protocol

import requests
from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

EMAIL, SMS, ZALO = "email", "sms", "zalo"  # the values of loyalty.models.Channel
TEXT_SETTINGS = {SMS: "SMS_GATEWAY", ZALO: "ZALO_GATEWAY"}


class GatewayError(Exception):
    """The gateway did not accept the text; sending again later may work."""


class Gateway(Protocol):
    def send(self, *, to: str, subject: str, body: str, unsubscribe_url: str = "") -> str: ...


# ---------------------------------------------------------------- email


class EmailGateway:
    """Mail through Django's configured backend; a marketing mail carries List-Unsubscribe (RFC 2369) and
    List-Unsubscribe-Post (RFC 8058), so mail clients offer a one-click unsubscribe."""

    def __init__(self, *, from_email: str | None = None) -> None:
        self.from_email = from_email or settings.DEFAULT_FROM_EMAIL

    def send(self, *, to: str, subject: str, body: str, unsubscribe_url: str = "") -> str:
        message_id = make_msgid(domain="regulars")
        headers = {"Message-ID": message_id}
        if unsubscribe_url:
            headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        mail = EmailMessage(subject=subject, body=body, from_email=self.from_email, to=[to], headers=headers)
        try:
            sent = mail.send(fail_silently=False)
        except Exception as error:  # noqa: BLE001 - SMTP, socket and backend errors alike are a failed attempt
            raise GatewayError(f"{type(error).__name__}: {error}") from error
        if not sent:
            raise GatewayError("the mail backend sent nothing")
        return message_id


# ---------------------------------------------------------------- SMS and Zalo


@dataclass(frozen=True)
class SentText:
    channel: str
    to: str
    subject: str
    body: str
    id: str


# What the locmem gateway "sent", like django.core.mail.outbox; tests empty it between tests.
outbox: list[SentText] = []


class TextGateway:
    """The shared part of the SMS/Zalo backends: the channel and the settings they were built from."""

    def __init__(self, *, channel: str, url: str = "", token: str = "", sender: str = "", timeout: float = 10) -> None:
        self.channel, self.url, self.token, self.sender, self.timeout = channel, url, token, sender, timeout

    def send(self, *, to: str, subject: str, body: str, unsubscribe_url: str = "") -> str:
        raise NotImplementedError


class ConsoleGateway(TextGateway):
    """Development: print the text instead of sending it (the unsubscribe link is already in the body)."""

    def send(self, *, to: str, subject: str, body: str, unsubscribe_url: str = "") -> str:
        message_id = f"console-{uuid.uuid4().hex}"
        stream = sys.stdout  # looked up now, so a redirected stdout gets it
        stream.write(f"[{self.channel} to {to} from {self.sender or '-'}] {body}\n")
        stream.flush()
        logger.info("%s to %s: %s", self.channel, to, message_id)
        return message_id


class LocmemGateway(TextGateway):
    """Tests: keep the text in `outbox`."""

    def send(self, *, to: str, subject: str, body: str, unsubscribe_url: str = "") -> str:
        message_id = f"locmem-{uuid.uuid4().hex}"
        outbox.append(SentText(channel=self.channel, to=to, subject=subject, body=body, id=message_id))
        return message_id


class HttpGateway(TextGateway):
    """A real provider: POST {"channel", "from", "to", "subject", "text"} as JSON with a bearer token. A 2xx
    answer is accepted (its JSON "id" or "message_id" is the provider's id); anything else is a GatewayError."""

    def send(self, *, to: str, subject: str, body: str, unsubscribe_url: str = "") -> str:
        if not self.url:
            raise GatewayError(f"no URL is configured for the {self.channel} gateway")
        payload = {"channel": self.channel, "from": self.sender, "to": to, "subject": subject, "text": body}
        headers = {"Authorization": f"Bearer {self.token}", "User-Agent": "Regulars-Notifications/1"}
        try:
            response = requests.post(self.url, json=payload, headers=headers, timeout=self.timeout)
        except requests.RequestException as error:
            raise GatewayError(f"{type(error).__name__}: {error}") from error
        if not 200 <= response.status_code < 300:
            raise GatewayError(f"HTTP {response.status_code}: {response.text[:200]}")
        return _provider_id(response)


def _provider_id(response: requests.Response) -> str:
    """The provider's id for the text when it gives one (some answer with an empty body)."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("id", "message_id"):
            if data.get(key):
                return str(data[key])[:100]
    return f"http-{uuid.uuid4().hex}"


# ---------------------------------------------------------------- choosing a gateway


def gateway_for(channel: str) -> Gateway:
    """The configured gateway for a channel ("email", "sms" or "zalo"), built from the current settings."""
    if channel == EMAIL:
        return EmailGateway()
    if channel not in TEXT_SETTINGS:
        raise ValueError(f"unknown channel {channel!r}")
    config = getattr(settings, TEXT_SETTINGS[channel])
    backend = import_string(config["BACKEND"])
    return backend(
        channel=channel,
        url=config.get("URL", ""),
        token=config.get("TOKEN", ""),
        sender=config.get("SENDER", ""),
        timeout=config.get("TIMEOUT", 10),
    )


def sms_send(to: str, body: str) -> str:
    """Text one SMS now (sign-in codes: not logged as a Message, the code must not be stored in clear)."""
    return gateway_for(SMS).send(to=to, subject="", body=body)
