"""The demo café has a referral program with a ladder and referrals in every state; loading it twice changes
nothing."""

from django.core.management import call_command

from referrals.models import MilestoneAward, Referral, ReferralProgram, Review, Status


def test_the_demo_has_a_ladder_and_referrals_in_every_state(db):
    call_command("demo")
    program = ReferralProgram.objects.get(shop__slug="demo-cafe")
    assert program.milestones.count() == 3
    statuses = set(Referral.objects.values_list("status", flat=True))
    assert statuses == {Status.SIGNED_UP, Status.PURCHASED, Status.APPROVED, Status.REJECTED, Status.VOIDED}
    assert Referral.objects.filter(review=Review.PENDING).count() == 1
    assert MilestoneAward.objects.filter(count=2).count() == 1
    counts = [model.objects.count() for model in (Referral, MilestoneAward)]
    call_command("demo")
    assert [model.objects.count() for model in (Referral, MilestoneAward)] == counts
