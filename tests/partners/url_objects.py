"""The partner program's URL arguments for the portal's tenant-isolation walk (tests/portal/test_tenant_isolation.py):
how to make an object of a given shop. The partner links (p/) are public by design and the partners' own pages
(partner/) belong to a signed-in partner, not to a shop's staff: test_isolation.py here walks those."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from loyalty.models import Shop
from loyalty.services.purchases import purchase_record
from partners.models import Partner, Plan
from partners.services.applications import application_submit
from partners.services.commissions import commissions_approve
from partners.services.payouts import payout_create
from partners.services.programs import partner_save, plan_save
from tests.factories import ProgramFactory, enrol

SKIPPED_PREFIXES = ("p/", "partner/")


def _shop(shop: Shop) -> Shop:
    if not hasattr(shop, "program"):
        ProgramFactory(shop=shop)
    return Shop.objects.get(pk=shop.pk)


def _plan(shop: Shop):
    existing = Plan.objects.filter(shop=shop, code="walk").first()
    return existing or plan_save(
        shop=shop, code="walk", name="", kind="recurring", percent=Decimal("10"), months=None, hold_days=0,
        min_payout=Decimal("0"), cookie_days=30, levels=[],
    )  # fmt: skip


def _partner(shop: Shop):
    shop = _shop(shop)
    return partner_save(
        shop=shop,
        code=f"WALK{Partner.objects.count() + 1}",
        name="Walker",
        plan=_plan(shop),
        payout_method="bank_transfer",
        bank_bin="970436",
        bank_account="0071000123456",
    )


def _payout(shop: Shop):
    partner = _partner(shop)
    now = timezone.now()
    member = enrol(partner.shop, partner_code=partner.code)
    purchase_record(
        shop=partner.shop, external_id=f"walk-{member.pk}", amount=Decimal("100000"), member=member, now=now
    )
    commissions_approve(as_of=now + timedelta(seconds=1))
    return payout_create(partner=partner, at=now)


def _application(shop: Shop):
    return application_submit(shop=shop, name="Applicant", email=f"applicant-{shop.pk}@example.com")


OBJECTS = {
    "partner_id": lambda shop: _partner(shop).pk,
    "plan_id": lambda shop: _plan(_shop(shop)).pk,
    "application_id": lambda shop: _application(shop).pk,
    "payout_id": lambda shop: _payout(shop).pk,
}
