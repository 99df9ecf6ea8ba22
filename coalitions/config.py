"""The coalition document (program-config.md, "Coalitions"): imported after its shops exist; the import stands in
for each invited owner's acceptance."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.models import Shop
from loyalty.services.config_reader import Reader, fail, unique_codes

from .errors import AlreadyInCoalition, CurrencyMismatch
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


def currency_refusal(shop: Shop, currency: str) -> str | None:
    """Why the shop cannot join a coalition of this currency, or None when it can."""
    if shop.currency == currency:
        return None
    return _("%(shop)s keeps its accounts in %(theirs)s and the coalition in %(ours)s: a shop joins only a coalition "
             "of its own currency.") % {"shop": shop.name, "theirs": shop.currency, "ours": currency}  # fmt: skip


def member_join(*, coalition: Coalition, shop: Shop, cost, reimbursement, position: int, at) -> CoalitionShop:
    """The shop in the coalition on these terms (its terms updated when it is in already): what the import does for
    each member and what accepting an invitation does. Since `joined_at` its ledger entries count in the
    statements; a re-import never moves it, so no statement already made changes."""
    refusal = currency_refusal(shop, coalition.currency)
    if refusal:
        raise CurrencyMismatch(refusal)
    elsewhere = CoalitionShop.objects.current().filter(shop=shop).exclude(coalition=coalition)
    if elsewhere.exists():
        raise AlreadyInCoalition(_("%(shop)s is already in another coalition.") % {"shop": shop.name})
    term, _created = CoalitionShop.objects.update_or_create(
        coalition=coalition,
        shop=shop,
        left_at=None,
        defaults={"cost_per_point": cost, "reimbursement_per_point": reimbursement, "position": position},
        create_defaults={
            "cost_per_point": cost,
            "reimbursement_per_point": reimbursement,
            "position": position,
            "joined_at": at,
        },
    )
    return term


def coalition_save(parsed: dict, members: list[dict], *, at=None) -> Coalition:
    """Create or update the coalition by code with these members (each a shop and its terms), in order."""
    at = at or timezone.now()
    coalition, _created = Coalition.objects.update_or_create(code=parsed["code"], defaults=parsed)
    for position, row in enumerate(members):
        try:
            member_join(
                coalition=coalition,
                shop=row["shop"],
                cost=row["cost"],
                reimbursement=row["reimbursement"],
                position=position,
                at=at,
            )
        except AlreadyInCoalition:  # the currency was checked when the document was read
            fail(f"$.coalition.members[{position}].merchant", "the shop is already in another coalition")
    return coalition


@transaction.atomic
def coalition_import(data) -> str:
    parsed = _parse(data)
    members = parsed.pop("members")
    return coalition_save(parsed, members).code
