"""The demo café's partner program (`python manage.py demo`): a food blogger's link with a 10% plan, customers
who joined through it, their commissions (approved, and some still held) and a paid VietQR statement."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from loyalty import hooks
from loyalty.services.ledger import Actor
from loyalty.services.members import member_enrol
from loyalty.services.purchases import purchase_record

from .models import Partner
from .services.commissions import commissions_approve
from .services.payouts import payout_create, payout_mark_paid

CODE = "BLOG-ANH"
CUSTOMERS = ["Lý Thu Trang", "Mai Anh Tuấn", "Cao Bảo Ngọc", "Trịnh Minh Khôi"]
VISITS = [(45, "85000"), (31, "120000"), (20, "64000"), (4, "99000")]  # days ago, amount


@hooks.demo_document
def add_partners(document: dict) -> None:
    document["partners"] = {
        "attribution": "first_touch",
        "plans": [
            {
                "code": "blogger",
                "name": "Bloggers: 10% for a year",
                "kind": "recurring",
                "percent": "10",
                "months": 12,
                "hold_days": 14,
                "min_payout": "50000",
                "cookie_days": 30,
                "levels": [{"sales": 20, "percent": "12"}],
            }
        ],
        "partners": [
            {
                "code": CODE,
                "name": "Anh ăn gì (food blog)",
                "plan": "blogger",
                "email": "anh@demo.regulars.local",
                "phone": "+84912345678",
                "payout": {
                    "method": "bank_transfer",
                    "bank_bin": "970436",
                    "account_number": "0071000123456",
                    "account_name": "TRAN NGOC ANH",
                },
            }
        ],
    }


@hooks.demo_history
def make_history(shop) -> None:
    """Customers who came through the blog's link, a month and a half ago; their visits since; the statement of
    what was approved, paid by bank transfer yesterday."""
    now = timezone.now()
    actor = Actor(shop=shop, location=shop.locations.order_by("code").first())
    for index, name in enumerate(CUSTOMERS):
        member = member_enrol(
            shop=shop,
            phone=f"+8491{7654000 + index:07d}",
            name=name,
            partner_code=CODE,
            channel="join_page",
            actor=actor,
            at=now - timedelta(days=50),
        )
        for visit, (days_ago, amount) in enumerate(VISITS[index % 2 :]):
            purchase_record(
                shop=shop,
                external_id=f"DEMO-P{index}-{visit}",
                amount=Decimal(amount),
                member=member,
                occurred_at=now - timedelta(days=days_ago, hours=index),
                payment_method="card",
                actor=actor,
                now=now,
            )
    commissions_approve(as_of=now - timedelta(days=2))
    payout = payout_create(partner=Partner.objects.get(shop=shop, code=CODE), at=now - timedelta(days=2))
    payout_mark_paid(payout=payout, reference="VCB FT2401 chuyen khoan", at=now - timedelta(days=1))
    commissions_approve(as_of=now)
