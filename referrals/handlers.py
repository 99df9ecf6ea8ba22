"""What the referral program does when the core reports an enrolment, a purchase or a refund (loyalty.hooks
events, inside the change's transaction: an error here rolls the change back). Each costs no query unless the
event can concern a referral: an enrolment with a code, an account's first purchase, a refund that completes."""

from __future__ import annotations

from loyalty import hooks

from .services.life import referral_converted, referral_refunded, referral_signup, referrals_merged


@hooks.on(hooks.MemberEnrolled)
def member_enrolled(event: hooks.MemberEnrolled) -> None:
    if event.referral_code:
        referral_signup(
            friend=event.member, code=event.referral_code, channel=event.channel, device=event.device, at=event.at
        )


@hooks.on(hooks.PurchaseRecorded)
def purchase_recorded(event: hooks.PurchaseRecorded) -> None:
    if event.first:
        referral_converted(friend=event.member, purchase=event.purchase)


@hooks.on(hooks.PurchaseRefunded)
def purchase_refunded(event: hooks.PurchaseRefunded) -> None:
    if event.complete:
        referral_refunded(purchase=event.purchase, refund=event.refund, at=event.at)


@hooks.on(hooks.MembersMerged)
def members_merged(event: hooks.MembersMerged) -> None:
    referrals_merged(keep=event.keep, duplicate=event.duplicate, at=event.at)
