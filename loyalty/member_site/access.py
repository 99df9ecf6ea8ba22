"""Who a signed-in customer is: a passwordless user linked to the members (one per shop) they proved they are.

Members prove themselves by a code sent to an email or phone a shop holds, by joining on the join page,
or by the signed link in their welcome message. Every member page starts from `members_of_user`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.core import signing
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404

from loyalty.models import Member

LINK_SALT = "regulars.member-link"
LINK_MAX_AGE = 60 * 60 * 24 * 30  # a welcome link signs in for thirty days
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def members_of_user(user) -> QuerySet[Member]:
    """The current, not erased, members this user has proved to be, with what the pages show."""
    if not user.is_authenticated:
        return Member.objects.none()
    return (
        Member.objects.filter(user=user, merged_into__isnull=True, erased_at__isnull=True)
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


@transaction.atomic
def member_user(member: Member):
    """The member's sign-in user, created (without a password) the first time it is needed."""
    if member.user_id:
        return member.user
    user = get_user_model().objects.create_user(username=f"member-{uuid.uuid4().hex}")
    user.set_unusable_password()
    user.save(update_fields=["password"])
    Member.objects.filter(pk=member.pk).update(user=user)
    member.user = user
    return user


@transaction.atomic
def members_claim(user, *, email: str = "", phone: str = "") -> int:
    """Link to this user every current member holding the email or phone the user just proved is theirs."""
    proof = Q(email__iexact=email.strip()) if email else Q(phone=phone) if phone else None
    if proof is None:
        return 0
    return Member.objects.filter(proof, merged_into__isnull=True, erased_at__isnull=True).update(user=user)


def member_login(request, member: Member) -> None:
    """Sign the customer in as the user behind this member (joining, or opening their welcome link).

    A customer already signed in to their cards who joins another shop keeps one sign-in for all of them;
    a staff user is never linked to a customer's member (they are signed in as the customer instead)."""
    current = request.user
    if current.is_authenticated and member.user_id is None and _is_customer(current):
        Member.objects.filter(pk=member.pk).update(user=current)
        member.user = current
        return
    login(request, member_user(member), backend=MODEL_BACKEND)


def _is_customer(user) -> bool:
    return not user.is_staff and not user.staff_memberships.exists()


def member_link_token(member: Member) -> str:
    """A signed token for the welcome message's link; bumping the member's QR key version revokes it."""
    return signing.TimestampSigner(salt=LINK_SALT).sign(f"{member.pk}.{member.qr_key_version}")


def member_from_link_token(token: str) -> Member | None:
    try:
        value = signing.TimestampSigner(salt=LINK_SALT).unsign(token, max_age=LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    member_id, _, version = value.partition(".")
    return Member.objects.filter(
        pk=member_id, qr_key_version=version, merged_into__isnull=True, erased_at__isnull=True
    ).first()


def absolute_url(path: str) -> str:
    """Links in messages are absolute: SITE_URL is where members reach this site."""
    return settings.SITE_URL.rstrip("/") + path
