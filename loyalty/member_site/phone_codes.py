"""Signing in with a code texted to the phone a shop holds: six digits, stored as an HMAC, ten minutes, five tries,
one live code per phone; a phone gets a few codes an hour and a few wrong tries a day, so guessing a code or
running up the shop's text bill does not pay. A phone no current member has gets no text, and the pages say the
same either way."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from enum import Enum

import phonenumbers
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from loyalty.models import Member, Shop, SignInCode
from loyalty.notifications.gateways import GatewayError, sms_send

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5
HASH_SALT = "regulars.member-sign-in-code"
CODES_PER_HOUR, CODES_PER_DAY = 5, 10
WRONG_TRIES_PER_DAY = 10


class CheckResult(Enum):
    OK = "ok"
    WRONG = "wrong"  # a live code exists and this was not it (one attempt used)
    NO_CODE = "no_code"  # none sent, expired, used, or tried too often


def code_hash(phone: str, code: str) -> str:
    """HMAC-SHA256 keyed by SECRET_KEY: a leaked table does not give the codes away."""
    return salted_hmac(HASH_SALT, f"{phone}:{code}", algorithm="sha256").hexdigest()


def phone_candidates(raw: str) -> list[str]:
    """The E.164 numbers a typed phone can be: as written when it starts with +, else read in each country that
    has shops (a customer types the number the way they gave it at the counter)."""
    raw = (raw or "").strip()
    regions = [None] if raw.startswith("+") else sorted(set(Shop.objects.values_list("country", flat=True)))
    found = []
    for region in regions:
        try:
            parsed = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
            if e164 not in found:
                found.append(e164)
    return found


def members_with_phone(phone: str):
    return Member.objects.current().filter(phone=phone)


def phone_for_sign_in(raw: str) -> str | None:
    """The number to text: the candidate some current member has, else the first valid reading (None: invalid)."""
    candidates = phone_candidates(raw)
    known = next((phone for phone in candidates if members_with_phone(phone).exists()), None)
    return known or (candidates[0] if candidates else None)


def sign_in_code_send(*, phone: str, at: datetime | None = None) -> bool:
    """Text a new code to `phone` when a current member has it and its hourly and daily allowance is not used up
    (True), else do nothing (False). Any earlier code for the phone stops working. The text goes out after the
    code is committed (no lock held while the gateway answers); a failed text only voids its code."""
    at = at or timezone.now()
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    with transaction.atomic():
        if not members_with_phone(phone).exists() or _codes_used_up(phone, at):
            return False
        SignInCode.objects.filter(phone=phone, used_at__isnull=True, expires_at__gt=at).update(expires_at=at)
        sent = SignInCode.objects.create(phone=phone, code_hash=code_hash(phone, code), expires_at=at + CODE_LIFETIME)
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    with translation.override(_language_of(phone)):
        text = _("%(code)s is your sign-in code for your loyalty cards. It works for %(minutes)s minutes.") % {
            "code": code,
            "minutes": minutes,
        }
    try:
        sms_send(phone, text)
    except GatewayError:
        logger.warning("sign-in code for %s could not be texted", phone[:-4] + "****", exc_info=True)
        SignInCode.objects.filter(pk=sent.pk).update(expires_at=at)
        return False
    return True


def _language_of(phone: str) -> str | None:
    """The text is in the language the member chose (else their shop's), not the page's: it is read on the phone."""
    member = members_with_phone(phone).select_related("shop").order_by("-created_at").first()
    return (member.language or member.shop.language) if member else None


def _codes_today(phone: str, at: datetime):
    return SignInCode.objects.filter(phone=phone, created_at__gt=at - timedelta(days=1))


def _wrong_tries_used_up(phone: str, at: datetime) -> bool:
    return (_codes_today(phone, at).aggregate(wrong=Sum("attempts"))["wrong"] or 0) >= WRONG_TRIES_PER_DAY


def _codes_used_up(phone: str, at: datetime) -> bool:
    today = _codes_today(phone, at)
    return (
        today.count() >= CODES_PER_DAY
        or today.filter(created_at__gt=at - timedelta(hours=1)).count() >= CODES_PER_HOUR
        or _wrong_tries_used_up(phone, at)
    )


@transaction.atomic
def sign_in_code_check(*, phone: str, code: str, at: datetime | None = None) -> CheckResult:
    """Try a code for a phone: the right one is used up; a wrong one costs one of the code's five attempts."""
    at = at or timezone.now()
    live = (
        SignInCode.objects.select_for_update()
        .filter(phone=phone, used_at__isnull=True, expires_at__gt=at, attempts__lt=MAX_ATTEMPTS)
        .order_by("-created_at", "-pk")
        .first()
    )
    if live is None or _wrong_tries_used_up(phone, at):
        return CheckResult.NO_CODE
    if not constant_time_compare(live.code_hash, code_hash(phone, code.strip())):
        SignInCode.objects.filter(pk=live.pk).update(attempts=F("attempts") + 1)
        return CheckResult.WRONG
    SignInCode.objects.filter(pk=live.pk).update(used_at=at)
    return CheckResult.OK
