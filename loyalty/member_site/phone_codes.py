"""Signing in with a code texted to the phone a shop holds: six digits, stored as an HMAC, ten minutes, five tries,
one live code per phone. A phone no current member has gets no text, and the pages say the same either way."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from enum import Enum

import phonenumbers
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from loyalty.models import Member, Shop, SignInCode, StaffMembership
from loyalty.notifications.gateways import sms_send

from .access import member_user

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5
HASH_SALT = "regulars.member-sign-in-code"


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
    return Member.objects.filter(phone=phone, merged_into__isnull=True, erased_at__isnull=True)


def phone_for_sign_in(raw: str) -> str | None:
    """The number to text: the candidate some current member has, else the first valid reading (None: invalid)."""
    candidates = phone_candidates(raw)
    known = next((phone for phone in candidates if members_with_phone(phone).exists()), None)
    return known or (candidates[0] if candidates else None)


@transaction.atomic
def sign_in_code_send(*, phone: str, at: datetime | None = None) -> bool:
    """Text a new code to `phone` when a current member has it (True), else do nothing (False). Any earlier
    code for the phone stops working. A gateway error rolls the new code back and reaches the caller."""
    at = at or timezone.now()
    if not members_with_phone(phone).exists():
        return False
    SignInCode.objects.filter(phone=phone, used_at__isnull=True, expires_at__gt=at).update(expires_at=at)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    SignInCode.objects.create(phone=phone, code_hash=code_hash(phone, code), expires_at=at + CODE_LIFETIME)
    text = _("%(code)s is your sign-in code for your loyalty cards. It works for 10 minutes.") % {"code": code}
    sms_send(phone, text)
    return True


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
    if live is None:
        return CheckResult.NO_CODE
    if not constant_time_compare(live.code_hash, code_hash(phone, code.strip())):
        SignInCode.objects.filter(pk=live.pk).update(attempts=F("attempts") + 1)
        return CheckResult.WRONG
    SignInCode.objects.filter(pk=live.pk).update(used_at=at)
    return CheckResult.OK


def _member_only(user, staff_ids: set) -> bool:
    return user is not None and user.pk not in staff_ids and not (user.is_staff or user.is_superuser)


@transaction.atomic
def user_for_phone(phone: str):
    """Who proved this phone: the member user already linked to a member with it, or a new passwordless one.
    A staff account is never reused: a texted code must not open the portal."""
    members = list(members_with_phone(phone).select_related("user").order_by("pk"))
    linked = {member.user_id for member in members if member.user_id}
    staff_ids = set(StaffMembership.objects.filter(user_id__in=linked).values_list("user_id", flat=True))
    for member in members:
        if _member_only(member.user, staff_ids):
            return member.user
    if not members:
        return None
    first = members[0]
    if first.user_id:  # linked to a staff account: a member user of its own instead
        Member.objects.filter(pk=first.pk).update(user=None)
        first.user, first.user_id = None, None
    return member_user(first)
