"""The fraud rules, each with its reason: the referrer's own phone or email (read as the provider reads it), an
email that is already a member's, one referrer per friend, and many sign-ups from one browser held for review
on public pages only (staff and tills are trusted; a shared network is never a reason)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError

from loyalty.errors import MemberExists
from referrals.models import Reason, Referral, Review, Status
from referrals.services.fraud import DEVICE_LIMIT, email_normalise
from rewards.models import Voucher
from tests.factories import enrol

from .conftest import T0, approve, buy, friend, referral_of, referrer_of

# Each provider's documented rules: Gmail ignores dots and +tags (googlemail.com is gmail.com), Outlook.com and
# its old domains ignore +tags (dots count), Yahoo's disposable addresses are base-keyword; elsewhere case only.
NORMALISED = [
    ("Linh.Tran@Gmail.com", "linhtran@gmail.com"),
    ("l.i.n.h.tran+shop@gmail.com", "linhtran@gmail.com"),
    ("linhtran@googlemail.com", "linhtran@gmail.com"),
    ("linh.tran+razors@outlook.com", "linh.tran@outlook.com"),
    ("Linh+x@Hotmail.com", "linh@hotmail.com"),
    ("linh+x@live.com", "linh@live.com"),
    ("linh-razors@yahoo.com", "linh@yahoo.com"),
    ("linh-razors@yahoo.com.vn", "linh@yahoo.com.vn"),
    ("linh.tran@yahoo.com", "linh.tran@yahoo.com"),
    ("Linh.Tran+x@Example.com", "linh.tran+x@example.com"),
    ("  LINH@FPT.VN ", "linh@fpt.vn"),
    ("", ""),
]


@pytest.mark.parametrize(("email", "mailbox"), NORMALISED)
def test_email_normalisation_follows_each_providers_rules(email, mailbox):
    assert email_normalise(email) == mailbox


def test_the_referrers_own_email_in_another_spelling_enrols_but_is_rejected(razors):
    referrer = referrer_of(razors, email="linh.tran@gmail.com")
    new = friend(razors, referrer, email="LinhTran+2@googlemail.com")
    referral = referral_of(new)
    assert (referral.status, referral.reason) == (Status.REJECTED, Reason.OWN_EMAIL)
    assert not Voucher.objects.filter(member=new).exists(), "no welcome gift for a rejected referral"
    buy(razors, new)
    approve(T0 + timedelta(days=30))
    assert referral_of(new).status == Status.REJECTED


def test_an_email_that_is_already_a_members_is_rejected(razors):
    referrer = referrer_of(razors, email="linh@example.com")
    enrol(razors, email="minh@example.com")
    new = friend(razors, referrer, email="MINH@example.com")
    assert (referral_of(new).status, referral_of(new).reason) == (Status.REJECTED, Reason.EXISTING_MEMBER)


def test_the_referrers_own_phone_or_a_members_phone_is_refused_as_a_duplicate(razors):
    referrer = referrer_of(razors)
    for phone in (referrer.phone, enrol(razors).phone):
        with pytest.raises(MemberExists):
            enrol(razors, phone=phone, referral_code=referrer.referral_code)
    assert not Referral.objects.exists()


def test_a_friend_has_one_referrer(razors):
    first, second = referrer_of(razors), referrer_of(razors)
    new = friend(razors, first)
    with pytest.raises(IntegrityError):
        Referral.objects.create(shop=razors, referrer=second, referee=new, created_at=T0)


def test_many_sign_ups_from_one_browser_on_the_join_page_are_held_past_the_limit(razors):
    referrer = referrer_of(razors)
    made = [friend(razors, referrer, channel="join_page", device="browser-1") for _ in range(DEVICE_LIMIT + 1)]
    reviews = [referral_of(m).review for m in made]
    assert reviews == [Review.NONE] * DEVICE_LIMIT + [Review.PENDING]
    assert referral_of(made[-1]).reason == Reason.SAME_DEVICE
    other_browser = friend(razors, referrer, channel="join_page", device="browser-2")
    assert referral_of(other_browser).review == Review.NONE


def test_a_held_referral_is_not_approved_until_the_owner_clears_it(razors):
    from referrals.services.life import referral_clear

    referrer = referrer_of(razors)
    made = [friend(razors, referrer, channel="join_page", device="d") for _ in range(DEVICE_LIMIT + 1)]
    held = made[-1]
    buy(razors, held)
    approve(T0 + timedelta(days=20))
    assert referral_of(held).status == Status.PURCHASED
    referral_clear(shop=razors, referral_id=referral_of(held).pk, at=T0 + timedelta(days=21))
    approve(T0 + timedelta(days=21))
    cleared = referral_of(held)
    assert (cleared.status, cleared.approved_at) == (Status.APPROVED, T0 + timedelta(days=21))


def test_the_counter_and_tills_are_never_held_for_the_same_device(razors):
    referrer = referrer_of(razors)
    made = [friend(razors, referrer, channel="counter", device="") for _ in range(DEVICE_LIMIT + 2)]
    assert {referral_of(m).review for m in made} == {Review.NONE}


def test_the_owner_rejects_a_held_referral_with_the_reason(razors):
    from referrals.services.life import ReferralDecided, referral_reject

    referrer = referrer_of(razors)
    held = [friend(razors, referrer, channel="join_page", device="d") for _ in range(DEVICE_LIMIT + 1)][-1]
    referral_reject(shop=razors, referral_id=referral_of(held).pk)
    assert (referral_of(held).status, referral_of(held).reason) == (Status.REJECTED, Reason.OWNER_REJECTED)
    with pytest.raises(ReferralDecided):
        referral_reject(shop=razors, referral_id=referral_of(held).pk)
