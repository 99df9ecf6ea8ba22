"""The fraud rules that judge people, not networks: the friend is not the referrer (their phone, or their email
read as the provider reads it), not someone already a member, and many sign-ups with one code from one browser
in a short time go to the owner's review queue (never an automatic block: households and cafés share wifi)."""

from __future__ import annotations

import operator
from datetime import datetime, timedelta
from functools import reduce

from django.db.models import Q

from loyalty.models import Member

from ..models import Reason, Referral

# How the big providers read an address (their help pages): Gmail ignores dots and a "+tag" in the local part
# and googlemail.com is gmail.com; Outlook.com (hotmail, live, msn) ignores a "+tag"; Yahoo's disposable
# addresses are "base-keyword". Every other provider: case only.
GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}
MICROSOFT_DOMAINS = {"outlook.com", "hotmail.com", "live.com", "msn.com"}
YAHOO_PREFIX = "yahoo."
YMAIL_DOMAINS = {"ymail.com", "rocketmail.com"}

# Public join pages and /r/ links: from the third sign-up with one code from one browser within a day, the
# referral waits for the owner's review.
DEVICE_WINDOW = timedelta(hours=24)
DEVICE_LIMIT = 2
PUBLIC_CHANNELS = {"join_page"}  # /r/ links join through the join page


def email_normalise(email: str) -> str:
    """The mailbox an address reaches: `J.Doe+shop@GoogleMail.com` → `jdoe@gmail.com`; '' for no address."""
    address = (email or "").strip().lower()
    local, at, domain = address.rpartition("@")
    if not at or not local:
        return address
    if domain in GMAIL_DOMAINS:
        return f"{local.split('+', 1)[0].replace('.', '')}@gmail.com"
    if domain in MICROSOFT_DOMAINS:
        return f"{local.split('+', 1)[0]}@{domain}"
    if domain.startswith(YAHOO_PREFIX) or domain in YMAIL_DOMAINS:
        return f"{local.split('-', 1)[0]}@{domain}"
    return address


def rejection_reason(*, referrer: Member, friend: Member) -> str:
    """Why the friend's referral cannot count, or '' when it can."""
    if friend.phone == referrer.phone:
        return Reason.OWN_PHONE
    mailbox = email_normalise(friend.email)
    if not mailbox:
        return ""
    if mailbox == email_normalise(referrer.email):
        return Reason.OWN_EMAIL
    if _mailbox_is_a_member(friend, mailbox):
        return Reason.EXISTING_MEMBER
    return ""


def _mailbox_is_a_member(friend: Member, mailbox: str) -> bool:
    """Another current member of the shop reaches the same mailbox. Candidates share the domain's part after
    normalising, so one query on the domain finds them; the local parts are compared in Python."""
    domain = mailbox.rpartition("@")[2]
    domains = GMAIL_DOMAINS if domain == "gmail.com" else {domain}
    others = (
        Member.objects.current()
        .filter(shop_id=friend.shop_id)
        .exclude(pk=friend.pk)
        .exclude(email="")
        .filter(reduce(operator.or_, (Q(email__iendswith=f"@{d}") for d in sorted(domains))))
        .values_list("email", flat=True)
    )
    return any(email_normalise(other) == mailbox for other in others)


def held_for_review(*, referrer: Member, channel: str, device: str, at: datetime) -> bool:
    """Many sign-ups with this code from this browser lately (public pages only; staff and tills are trusted)."""
    if channel not in PUBLIC_CHANNELS or not device:
        return False
    recent = Referral.objects.filter(referrer=referrer, device=device, created_at__gt=at - DEVICE_WINDOW)
    return recent.count() >= DEVICE_LIMIT
