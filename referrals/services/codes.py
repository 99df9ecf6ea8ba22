"""Referral codes: finding the member a link names (their code, or the code drawn at enrolment once they chose
their own), and choosing a vanity code, once."""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty import hooks
from loyalty.errors import DomainError, ValidationFailed
from loyalty.models import Member
from loyalty.services.members import code_normalise

from ..models import LeaderboardEntry, VanityCode

VANITY = re.compile(r"^[A-Z0-9]{4,12}$")


class VanityChosen(DomainError):
    code = "vanity_code_chosen"


def member_for_link(code: str) -> Member | None:
    """The current member a referral link names: codes are unique across shops, so the code alone tells the shop.
    A member who chose their own code is still found by the one drawn for them."""
    key = code_normalise(code)
    if not key:
        return None
    members = Member.objects.current().select_related("shop__program")
    member = members.filter(referral_code=key).first()
    if member is None:
        drawn = VanityCode.objects.filter(drawn_code=key).values_list("member_id", flat=True).first()
        member = members.filter(pk=drawn).first() if drawn else None
    return member if member is not None and hasattr(member.shop, "program") else None


@hooks.referrer_finder
def member_by_drawn_code(shop, code: str) -> Member | None:
    """A code typed at the counter or the till that was drawn for a member who chose their own since."""
    drawn = VanityCode.objects.filter(drawn_code=code, member__shop=shop).values_list("member_id", flat=True).first()
    return Member.objects.current().filter(pk=drawn).first() if drawn else None


@transaction.atomic
def vanity_code_set(*, member: Member, code: str) -> Member:
    """The member chooses their referral code, once: 4 to 12 letters and digits, any case and spacing, not
    anyone's code. Links with the code drawn for them keep working."""
    key = code_normalise(code)
    if not VANITY.match(key):
        raise ValidationFailed(fields={"code": _("Use 4 to 12 letters and digits.")}, code="invalid_code")
    locked = Member.objects.select_for_update(of=("self",)).get(pk=member.pk)
    if VanityCode.objects.filter(member=locked).exists():
        raise VanityChosen(_("You already chose your code."))
    if locked.referral_code == key:
        return locked
    if Member.objects.filter(referral_code=key).exists() or VanityCode.objects.filter(drawn_code=key).exists():
        raise ValidationFailed(fields={"code": _("This code is taken. Try another.")}, code="code_taken")
    try:
        with transaction.atomic():
            VanityCode.objects.create(member=locked, drawn_code=locked.referral_code, at=timezone.now())
            Member.objects.filter(pk=locked.pk).update(referral_code=key)
    except IntegrityError:  # chosen by someone else at the same moment
        raise ValidationFailed(fields={"code": _("This code is taken. Try another.")}, code="code_taken") from None
    member.referral_code = key
    return member


@transaction.atomic
def leaderboard_choose(*, member: Member, shown: bool) -> bool:
    """The member chooses whether their first name and initial appear on the shop's referral leaderboard."""
    if shown:
        LeaderboardEntry.objects.get_or_create(member=member, defaults={"at": timezone.now()})
    else:
        LeaderboardEntry.objects.filter(member=member).delete()
    return shown
