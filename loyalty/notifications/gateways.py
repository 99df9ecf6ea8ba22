"""Gateways: one small interface, `send(*, to, subject, body, unsubscribe_url="", key="") -> provider message id`,
raising GatewayError when the text was not accepted (the caller retries, unless the error is permanent).
`key` is the same for every attempt at one message, so a provider can tell a repeat from a new text: the HTTP
gateway sends it as the Idempotency-Key header, email as a fixed Message-ID.

Email goes through Django's EmailMessage, so EMAIL_BACKEND decides how mail leaves. SMS and Zalo go through
the backend named in settings.SMS_GATEWAY / settings.ZALO_GATEWAY: the console (the default: prints the
text), locmem (keeps an outbox list, for tests) or HTTP (POSTs JSON to a provider's endpoint).
"""

from __future__ import annotations

import logging
import sys
import uuid
from dataclasses import dataclass
from email.utils import make_msgid, parseaddr
from typing import Protocol

import requests
from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

from loyalty.models import Channel

logger = logging.getLogger(__name__)

EMAIL, SMS, ZALO = Channel.EMAIL, Channel.SMS, Channel.ZALO
TEXT_SETTINGS = {SMS: "SMS_GATEWAY", ZALO: "ZALO_GATEWAY"}


class GatewayError(Exception):
    """The gateway did not accept the text; sending again later may work."""

    permanent = False


class GatewayRefused(GatewayError):
    """The provider refused the request itself (a 4xx other than 408/429): sending it again would fail again."""

    permanent = True


class Gateway(Protocol):
    def send(self, *, to: str, subject: str, body: str, unsubscribe_url: str = "", key: str = "") -> str: ...


# ---------------------------------------------------------------- email


class EmailGateway:
    """Mail through Django's configured backend; a marketing mail carries List-Unsubscribe (RFC 2369) and
    List-Unsubscribe-Post (RFC 8058), so mail clients offer a one-click unsubscribe."""

    def __init__(self, *, from_email: str | None = None) -> None:
        self.from_email = from_email or settings.DEFAULT_FROM_EMAIL

    def send(self, *, to: str, subject: str, body: str, unsubscribe_url: str = "", key: str = "") -> str:
        domain = mail_domain(self.from_email)
        message_id = f"<{key}@{domain}>" if key else make_msgid(domain=domain)
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


def mail_domain(from_email: str) -> str:
    """The sender's domain, for Message-IDs ("regulars.local" when the sender has none)."""
    _name, address = parseaddr(from_email or "")
    domain = address.rpartition("@")[2].strip() if "@" in address else ""
    return domain or "regulars.local"


# ---------------------------------------------------------------- SMS and Zalo


@dataclass(frozen=True)
class SentText:
    channel: str
    to: str
    subject: str
    body: str
    id: str
    key: str = ""


# What the locmem gateway "sent", like django.core.mail.outbox; tests empty it between tests.
outbox: list[SentText] = []


class TextGateway:
    """The shared part of the SMS/Zalo backends: the channel and the settings they were built from."""

    def __init__(self, *, channel: str, url: str = "", token: str = "", sender: str = "", timeout: float = 10) -> None:
        self.channel, self.url, self.token, self.sender, self.timeout = channel, url, token, sender, timeout

    def send(self, *, to: str, subject: str, body: str, unsubscribe_url: str = "", key: str = "") -> str:
        raise NotImplementedError


class ConsoleGateway(TextGateway):
    """Development: print the text instead of sending it (the unsubscribe link is already in the body)."""

    def send(self, *, to: str, subject: str, body: str, unsubscribe_url: str = "", key: str = "") -> str:
        message_id = f"console-{uuid.uuid4().hex}"
        stream = sys.stdout  # looked up now, so a redirected stdout gets it
        stream.write(f"[{self.channel} to {to} from {self.sender or '-'}] {body}\n")
        stream.flush()
        logger.info("%s to %s: %s", self.channel, to, message_id)
        return message_id


class LocmemGateway(TextGateway):
    """Tests: keep the text in `outbox`."""

    def send(self, *, to: str, subject: str, body: str, unsubscribe_url: str = "", key: str = "") -> str:
        message_id = f"locmem-{uuid.uuid4().hex}"
        outbox.append(SentText(channel=self.channel, to=to, subject=subject, body=body, id=message_id, key=key))
        return message_id


class HttpGateway(TextGateway):
    """A real provider: POST {"channel", "from", "to", "subject", "text"} as JSON with a bearer token and the
    message's Idempotency-Key. A 2xx answer is accepted (its JSON "id" or "message_id" is the provider's id); a
    4xx other than 408 and 429 refuses the request for good (GatewayRefused); anything else is a GatewayError."""

    RETRYABLE_4XX = frozenset({408, 429})

    def send(self, *, to: str, subject: str, body: str, unsubscribe_url: str = "", key: str = "") -> str:
        if not self.url:
            raise GatewayError(f"no URL is configured for the {self.channel} gateway")
        payload = {"channel": self.channel, "from": self.sender, "to": to, "subject": subject, "text": body}
        headers = {"Authorization": f"Bearer {self.token}", "User-Agent": "Regulars-Notifications/1"}
        if key:
            headers["Idempotency-Key"] = key
        try:
            response = requests.post(self.url, json=payload, headers=headers, timeout=self.timeout)
        except requests.RequestException as error:
            raise GatewayError(f"{type(error).__name__}: {error}") from error
        status = response.status_code
        if 200 <= status < 300:
            return _provider_id(response)
        error = f"HTTP {status}: {response.text[:200]}"
        if 400 <= status < 500 and status not in self.RETRYABLE_4XX:
            raise GatewayRefused(error)
        raise GatewayError(error)


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
