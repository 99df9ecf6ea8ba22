"""The demo café has a partner with customers, commissions (approved and still held) and a paid statement."""

from django.core.management import call_command

from partners.models import Binding, Commission, CommissionStatus, Partner, Payout, PayoutStatus


def test_the_demo_has_a_partner_with_customers_commissions_and_a_paid_statement(db):
    call_command("demo")
    partner = Partner.objects.get(shop__slug="demo-cafe", code="BLOG-ANH")
    assert Binding.objects.filter(partner=partner).count() == 4
    statuses = set(Commission.objects.filter(partner=partner).values_list("status", flat=True))
    assert {CommissionStatus.PAID, CommissionStatus.PENDING} <= statuses
    payout = Payout.objects.get(partner=partner)
    assert payout.status == PayoutStatus.PAID and payout.amount >= partner.plan.min_payout
    counts = [model.objects.count() for model in (Partner, Binding, Commission, Payout)]
    call_command("demo")
    assert [model.objects.count() for model in (Partner, Binding, Commission, Payout)] == counts
