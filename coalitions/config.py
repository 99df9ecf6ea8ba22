"""The coalition document (program-config.md, "Coalitions"): imported after its shops exist; the import stands in
for each invited owner's acceptance."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone

from loyalty.models import Shop
from loyalty.services.config_reader import Reader, fail, unique_codes

from .models import Coalition, CoalitionShop

CODE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
PERIODS = {"month"}


def _parse(data) -> dict:
    r = Reader(data, "", required=("coalition",)).child(
        "coalition", required=("code", "name", "currency", "members"), optional=("points_name", "settlement_period")
    )
    currency = r.text("currency", max_length=3).upper()
    members = []
    for index, raw in enumerate(r.items("members")):
        m = Reader(
            raw, f"{r.at('members')}[{index}]", required=("merchant", "cost_per_point", "reimbursement_per_point")
        )
        slug = m.text("merchant", max_length=60)
        shop = Shop.objects.filter(slug=slug).select_related("program").first()
        if shop is None:
            fail(m.at("merchant"), f"no shop with slug {slug!r}: import the shop first")
        if shop.currency != currency:
            fail(m.at("merchant"), f"the shop's currency is {shop.currency}, the coalition's {currency}")
        members.append(
            {
                "code": slug,
                "shop": shop,
                "cost": m.money("cost_per_point", currency),
                "reimbursement": m.money("reimbursement_per_point", currency),
            }
        )
    if not members:
        fail(r.at("members"), "must name at least one shop")
    unique_codes(members, r.at("members"))
    return {
        "code": r.text("code", max_length=60, pattern=CODE),
        "name": r.text("name"),
        "points_name": r.text("points_name", "points", max_length=40),
        "currency": currency,
        "settlement_period": r.text("settlement_period", "month", choices=PERIODS),
        "members": members,
    }


@transaction.atomic
def coalition_import(data) -> str:
    parsed = _parse(data)
    members = parsed.pop("members")
    coalition, _ = Coalition.objects.update_or_create(code=parsed["code"], defaults=parsed)
    now = timezone.now()
    for position, row in enumerate(members):
        elsewhere = CoalitionShop.objects.filter(shop=row["shop"], left_at__isnull=True).exclude(coalition=coalition)
        if elsewhere.exists():
            fail(f"$.coalition.members[{position}].merchant", "the shop is already in another coalition")
        CoalitionShop.objects.update_or_create(
            coalition=coalition,
            shop=row["shop"],
            left_at=None,
            defaults={
                "cost_per_point": row["cost"],
                "reimbursement_per_point": row["reimbursement"],
                "position": position,
                "joined_at": now,
            },
        )
    return coalition.code
