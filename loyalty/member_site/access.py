"""Who a signed-in customer is, and which members (one per shop) are theirs.

A member is theirs when they proved it: a code sent to the member's email (allauth's login by code verifies
the address) or texted to the member's phone (an SMS identity, one user per proven phone), or the signed link in
the member's welcome message or joining on the join page (the member is then linked to a sign-in user of its
own). Nothing is linked because someone typed a phone or an email: anyone can type someone else's. A staff
account is never a member's sign-in user, so no customer link can open the portal.
"""

from __future__ import annotations

import uuid

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.core import signing
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404

from loyalty.models import Member, StaffMembership

LINK_SALT = "regulars.member-link"
LINK_MAX_AGE = 60 * 60 * 24 * 30  # a welcome link signs in for thirty days
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
SMS_USER_PREFIX = "member-sms-"


def members_of_user(user) -> QuerySet[Member]:
    """The current members this user proved to be, with what the pages show."""
    if not user.is_authenticated:
        return Member.objects.none()
    proofs = Q(user=user)
    for email in EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True):
        proofs |= Q(email__iexact=email)
    if phone := proven_phone(user):
        proofs |= Q(phone=phone)
    return (
        Member.objects.current()
        .filter(proofs)
        .select_related("shop", "account__tier", "account__program")
        .prefetch_related("cards")
        .order_by("shop__name")
    )


def member_of_user_or_404(user, slug: str) -> Member:
    """The user's member at this shop; any other shop, or none, is a 404 (rule 4)."""
    member = members_of_user(user).filter(shop__slug=slug).first()
    if member is None:
        raise Http404("not a member of this shop")
    return member


def is_customer(user) -> bool:
    """Not staff anywhere: the only kind of user a member may be linked to."""
    return not (user.is_staff or user.is_superuser) and not StaffMembership.objects.filter(user=user).exists()


def passwordless_user(username: str):
    user = get_user_model().objects.create_user(username=username)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return user


@transaction.atomic
def member_user(member: Member):
    """The member's own sign-in user (for the join page and the welcome link), created when first needed."""
    current = Member.objects.select_for_update(of=("self",)).select_related("user").get(pk=member.pk)
    if not (current.user_id and is_customer(current.user)):
        current.user = passwordless_user(f"member-{uuid.uuid4().hex}")
        Member.objects.filter(pk=member.pk).update(user=current.user)
    member.user = current.user
    return current.user


@transaction.atomic
def sms_user(phone: str):
    """The identity of whoever proved this phone by a texted code: one passwordless user per phone."""
    user = get_user_model().objects.filter(username=SMS_USER_PREFIX + phone).first()
    return user or passwordless_user(SMS_USER_PREFIX + phone)


def proven_phone(user) -> str | None:
    username = user.get_username()
    return username.removeprefix(SMS_USER_PREFIX) if username.startswith(SMS_USER_PREFIX) else None


def member_login(request, member: Member) -> None:
    """Sign in as the member's own user (joining, or opening the welcome link). Whoever was signed in on this
    browser is signed out: the new member is never handed to their account."""
    login(request, member_user(member), backend=MODEL_BACKEND)


def member_link_token(member: Member) -> str:
    """A signed token for the welcome message's link; bumping the member's QR key version revokes it."""
    return signing.TimestampSigner(salt=LINK_SALT).sign(f"{member.pk}.{member.qr_key_version}")


def member_from_link_token(token: str) -> Member | None:
    try:
        value = signing.TimestampSigner(salt=LINK_SALT).unsign(token, max_age=LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    member_id, _, version = value.partition(".")
    return Member.objects.current().filter(pk=member_id, qr_key_version=version).first()


def absolute_url(path: str) -> str:
    """Links in messages are absolute: SITE_URL is where members reach this site."""
    return settings.SITE_URL.rstrip("/") + path
