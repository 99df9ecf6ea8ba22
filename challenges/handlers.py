"""What the fun does when the core reports a purchase, a refund, a redemption, or a program app reports a referral
approved or voided (loyalty.hooks events, inside the change's transaction: an error here rolls the change back).
A shop that runs none of it pays no query."""

from __future__ import annotations

from loyalty import hooks
from rewards.models import RewardKind

from .models import Impact
from .services.badges import badges_purchase
from .services.challenges import challenges_purchase, challenges_refund
from .services.impact import impact_donation, impact_purchase, impact_refund
from .services.referrals import referral_approved, referral_credits_merged, referral_voided
from .services.runs import runs
from .services.surprises import surprises_purchase, surprises_refund


@hooks.on(hooks.PurchaseRecorded)
def purchase_recorded(event: hooks.PurchaseRecorded) -> None:
    shop = event.purchase.shop
    running = runs(shop)
    if not running.anything:
        return
    if running.challenges:
        challenges_purchase(
            purchase=event.purchase, member=event.member, account=event.account, actor=event.actor, at=event.at
        )
    if running.impact:
        impact = Impact.objects.get(shop=shop)
        impact_purchase(
            impact=impact, purchase=event.purchase, member=event.member, lines=event.lines, program=shop.program
        )
    if running.surprises:
        surprises_purchase(purchase=event.purchase, member=event.member, at=event.at)
    if running.badges:
        badges_purchase(member=event.member, account=event.account, first=event.first, at=event.at)


@hooks.on(hooks.PurchaseRefunded)
def purchase_refunded(event: hooks.PurchaseRefunded) -> None:
    """Asked for every refund of a shop that runs something: impact and surprises are taken back even after the
    owner switched them off."""
    purchase = event.purchase
    if not runs(purchase.shop).anything:
        return
    challenges_refund(purchase=purchase, account=event.account, at=event.at)
    impact_refund(purchase=purchase, refund=event.refund, complete=event.complete, at=event.at)
    surprises_refund(purchase=purchase, refund=event.refund, actor=event.actor, at=event.at)


@hooks.on(hooks.VoucherRedeemed)
def voucher_redeemed(event: hooks.VoucherRedeemed) -> None:
    if event.voucher.reward.kind != RewardKind.DONATION or not runs(event.member.shop).impact:
        return
    impact = Impact.objects.get(shop_id=event.member.shop_id)
    impact_donation(impact=impact, voucher=event.voucher, member=event.member, at=event.at)


@hooks.on(hooks.ReferralApproved)
def referral_was_approved(event: hooks.ReferralApproved) -> None:
    referral_approved(referrer=event.referrer, account=event.account, referral_id=event.referral_id, at=event.at)


@hooks.on(hooks.ReferralVoided)
def referral_was_voided(event: hooks.ReferralVoided) -> None:
    referral_voided(referrer=event.referrer, account=event.account, referral_id=event.referral_id, at=event.at)


@hooks.on(hooks.MembersMerged)
def members_merged(event: hooks.MembersMerged) -> None:
    referral_credits_merged(keep=event.keep, duplicate=event.duplicate)
