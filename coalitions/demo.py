"""The demo's coalition (`python manage.py demo`): the café and a bakery down the street share one balance of
"sao" ("Phố Sương"). The bakery has its own earn rate and reward; the café's first customer is recognised at the
bakery by phone, buys at both after the coalition formed and spends at the bakery, so the month's statement has
figures in both rows (points earned before the coalition formed count for no one's settlement)."""

from __future__ import annotations

from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone

from loyalty import hooks
from loyalty.models import Role, StaffMembership
from loyalty.services.config import config_import, document_import
from loyalty.services.ledger import Actor
from loyalty.services.members import member_lookup
from loyalty.services.purchases import purchase_record
from rewards.services import reward_redeem

CODE = "pho-suong"
BAKERY_SLUG = "demo-bakery"
BAKERY_OWNER = "bakery@demo.regulars.local"
PASSWORD = "regulars-demo"  # the demo's password for every login
BAKERY = {
    "merchant": {
        "slug": BAKERY_SLUG,
        "name": "Tiệm bánh Sương",
        "country": "VN",
        "currency": "VND",
        "timezone": "Asia/Ho_Chi_Minh",
        "language": "vi",
        "locations": [{"code": "q1", "name": "Quận 1"}],
    },
    "program": {
        "name": "Phố Sương",
        "points_name": "sao",
        "point_value": "1000",
        "earn": {"per_amount": "5000", "points": 1, "rounding": "down", "min_spend": "0", "exclude_categories": []},
        "pending_days": 0,
        "expiry": {"policy": "months_after_earn_month", "months": 12},
        "backdate_days": 90,
    },
    "rewards": [
        {
            "code": "croissant",
            "name": "Free croissant",
            "kind": "free_item",
            "points": 25,
            "value": "25000",
            "voucher_valid_days": 30,
        }
    ],
}


def coalition_document(shop) -> dict:
    terms = {"cost_per_point": "100", "reimbursement_per_point": "90"}
    return {
        "coalition": {
            "code": CODE,
            "name": "Phố Sương",
            "points_name": "sao",
            "currency": "VND",
            "settlement_period": "month",
            "members": [{"merchant": shop.slug, **terms}, {"merchant": BAKERY_SLUG, **terms}],
        }
    }


@hooks.demo_history
def make_coalition(shop) -> None:
    bakery = config_import(BAKERY)
    _owner(bakery)
    document_import(coalition_document(shop))
    now = timezone.now()
    customer = shop.members.current().order_by("pk").first()
    if customer is None:
        return
    purchase_record(
        shop=shop, external_id="DEMO-CLUB-1", amount=Decimal("120000"), member=customer, payment_method="cash", now=now
    )
    here = member_lookup(bakery, customer.phone)  # recognised at the bakery: the café's balance
    actor = Actor(shop=bakery, location=bakery.locations.first())
    purchase_record(
        shop=bakery,
        external_id="DEMO-BAKERY-1",
        amount=Decimal("60000"),
        member=here,
        payment_method="cash",
        actor=actor,
        now=now,
    )
    here.account.refresh_from_db()
    if here.account.points_balance >= 25:
        reward_redeem(member=here, reward_code="croissant", actor=actor, at=now)


def _owner(bakery) -> None:
    users = get_user_model().objects
    user = users.filter(email=BAKERY_OWNER).first()
    if user is None:
        user = users.create_user(username="bakery-demo", email=BAKERY_OWNER, password=PASSWORD)
        EmailAddress.objects.create(user=user, email=BAKERY_OWNER, verified=True, primary=True)
    StaffMembership.objects.get_or_create(shop=bakery, user=user, defaults={"role": Role.OWNER})
