"""Loads the demo shop once: a café with points, tiers, a campaign, a stamp card, rewards, staff and
members with two months of history. Running it again changes nothing and prints the logins."""

import copy
import random
from datetime import timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from loyalty import hooks
from loyalty.member_site.access import absolute_url, member_link_token
from loyalty.models import Role, Shop, StaffMembership
from loyalty.services.config import config_import
from loyalty.services.ledger import Actor
from loyalty.services.members import member_enrol
from loyalty.services.purchases import purchase_record
from loyalty.services.refunds import purchase_refund
from loyalty.services.rules import Line
from rewards.services import reward_redeem

SLUG = "demo-cafe"
PASSWORD = "regulars-demo"
STAFF = [
    ("owner@demo.regulars.local", Role.OWNER),
    ("manager@demo.regulars.local", Role.MANAGER),
    ("cashier@demo.regulars.local", Role.CASHIER),
]
NAMES = [
    "Nguyễn Văn An",
    "Trần Thị Bích",
    "Lê Minh Châu",
    "Phạm Quốc Duy",
    "Hoàng Thu Hà",
    "Vũ Đức Huy",
    "Đặng Ngọc Lan",
    "Bùi Thanh Long",
    "Đỗ Mai Phương",
    "Hồ Gia Bảo",
    "Ngô Thảo Vy",
    "Dương Khánh Linh",
]
MENU = [
    ("ca-phe-sua-da", "coffee", Decimal("35000")),
    ("bac-xiu", "coffee", Decimal("39000")),
    ("tra-dao", "tea", Decimal("45000")),
    ("banh-mi", "food", Decimal("30000")),
    ("beans-250g", "beans", Decimal("180000")),
]

DOCUMENT = {
    "merchant": {
        "slug": SLUG,
        "name": "Cà phê Sương",
        "country": "VN",
        "currency": "VND",
        "timezone": "Asia/Ho_Chi_Minh",
        "language": "vi",
        "locations": [{"code": "q1", "name": "Quận 1"}, {"code": "q3", "name": "Quận 3"}],
    },
    "program": {
        "name": "Sương Club",
        "points_name": "sao",
        "point_value": "1000",
        "earn": {
            "per_amount": "10000",
            "points": 1,
            "rounding": "down",
            "min_spend": "20000",
            "exclude_categories": ["gift-card"],
        },
        "pending_days": 0,
        "expiry": {"policy": "months_after_earn_month", "months": 12},
        "backdate_days": 90,
        "bonuses": [
            {"event": "signup", "points": 10},
            {"event": "birthday", "points": 50},
            {"event": "newsletter_signup", "points": 5},
        ],
        "category_multipliers": [{"category": "beans", "multiplier": "2"}],
        "campaigns": [
            {"code": "double-tue", "name": "Double Tuesday", "multiplier": "2", "weekdays": [2]},
            {"code": "happy-hour", "name": "Happy hour", "multiplier": "1.5", "hours": ["14:00", "16:00"]},
        ],
        "tiers": {
            "basis": "points_earned",
            "window": "rolling_12_months",
            "downgrade_grace_days": 30,
            "levels": [
                {"code": "green", "name": "Green", "threshold": 0},
                {"code": "gold", "name": "Gold", "threshold": 150, "multiplier": "1.25", "discount_percent": "5"},
            ],
        },
        "stamp_cards": [
            {
                "code": "coffee",
                "name": "Coffee card",
                "stamps_required": 8,
                "per": "item",
                "categories": ["coffee"],
                "min_spend": "0",
                "cooldown_minutes": 0,
                "reward": "free-coffee",
            }
        ],
        "cashback": {"percent": "0"},
    },
    "quick_items": [
        {"label": "Cà phê sữa đá", "sku": "ca-phe-sua-da", "category": "coffee", "amount": "35000"},
        {"label": "Bạc xỉu", "sku": "bac-xiu", "category": "coffee", "amount": "39000"},
        {"label": "Trà đào", "sku": "tra-dao", "category": "tea", "amount": "45000"},
        {"label": "Bánh mì", "sku": "banh-mi", "category": "food", "amount": "30000"},
    ],
    "rewards": [
        {
            "code": "free-coffee",
            "name": "Free coffee",
            "kind": "free_item",
            "points": 40,
            "value": "39000",
            "voucher_valid_days": 30,
        },
        {
            "code": "cake-slice",
            "name": "Slice of cake",
            "kind": "free_item",
            "points": 60,
            "value": "55000",
            "voucher_valid_days": 30,
        },
        {
            "code": "ten-percent",
            "name": "10% off your next visit",
            "kind": "percent_off",
            "points": 80,
            "value": "10",
            "max_discount": "50000",
            "voucher_valid_days": 30,
        },
        {
            "code": "tote-bag",
            "name": "Sương tote bag",
            "kind": "gift",
            "points": 200,
            "value": "120000",
            "stock": 25,
            "voucher_valid_days": 60,
            "tiers": ["gold"],
        },
        {
            "code": "plant-a-tree",
            "name": "Plant a tree",
            "kind": "donation",
            "points": 100,
            "value": "50000",
            "voucher_valid_days": 30,
        },
    ],
}


class Command(BaseCommand):
    help = "Loads the demo café (once) and prints its logins."

    def handle(self, *args, **options):
        if not Shop.objects.filter(slug=SLUG).exists():
            document = copy.deepcopy(DOCUMENT)
            for add in hooks.demo_documents():  # the program apps' sections (a referral program, a VIP plan)
                add(document)
            with transaction.atomic():
                shop = config_import(document)
                self._staff(shop)
                self._history(shop)
                for make in hooks.demo_histories():
                    make(shop)
            self.stdout.write(self.style.SUCCESS(f"Loaded the demo shop {shop.name} ({SLUG})."))
        self.stdout.write(f"Demo logins (password for all: {PASSWORD}):")
        for email, role in STAFF:
            self.stdout.write(f"  {role:8} {email}")
        self._customer_links()

    def _customer_links(self):
        """Where a customer starts: the poster's join page, and a member's card through their welcome link."""
        shop = Shop.objects.get(slug=SLUG)
        member = shop.members.current().order_by("pk").first()
        self.stdout.write(f"Customers join at {absolute_url(reverse('join', kwargs={'slug': SLUG}))}")
        if member:
            link = absolute_url(reverse("member:link", args=[member_link_token(member)]))
            self.stdout.write(f"{member.name}'s card, through the welcome link: {link}")

    def _staff(self, shop):
        users = get_user_model().objects
        for email, role in STAFF:
            user = users.filter(email=email).first()
            if user is None:
                user = users.create_user(username=email.split("@")[0] + "-demo", email=email, password=PASSWORD)
                EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            StaffMembership.objects.get_or_create(shop=shop, user=user, defaults={"role": role})

    def _history(self, shop):
        """Two months of visits, through the same services the counter and the API use."""
        rng = random.Random(7)
        now = timezone.now()
        locations = list(shop.locations.all())
        receipt = 1000
        for index, name in enumerate(NAMES):
            phone = f"+8490{1234000 + index:07d}"
            actor = Actor(shop=shop, location=locations[index % len(locations)])
            member = member_enrol(
                shop=shop,
                phone=phone,
                name=name,
                marketing_consent=index % 3 == 0,
                consent_source="counter",
                channel="counter",
                actor=actor,
                at=now - timedelta(days=60),
            )
            for _visit in range(rng.randint(2, 14)):
                receipt += 1
                items = [MENU[rng.randrange(len(MENU))] for _ in range(rng.randint(1, 3))]
                lines = [Line(sku=sku, category=category, amount=price) for sku, category, price in items]
                occurred = now - timedelta(days=rng.uniform(0.5, 58))
                purchase_record(
                    shop=shop,
                    external_id=f"DEMO-{receipt}",
                    amount=sum(line.amount for line in lines),
                    member=member,
                    lines=lines,
                    occurred_at=occurred,
                    payment_method="cash",
                    actor=actor,
                    now=now,
                )
            member.account.refresh_from_db()
            if member.account.points_balance >= 40 and index % 2 == 0:
                reward_redeem(member=member, reward_code="free-coffee", actor=actor, at=now)
        refund_of = shop.purchases.order_by("id").first()
        purchase_refund(shop=shop, purchase_id=refund_of.pk, amount=refund_of.amount, external_id="DEMO-RF-1", now=now)
