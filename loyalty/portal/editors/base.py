"""What every editor shares: the draft document, its live preview and saving it.

The preview applies the draft with the very import that saving uses, evaluates the purchase with the rules it
left, and rolls it all back: the preview, the counter and the API compute the same numbers because they read
the same rows, and an unsaved draft changes nothing."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty.models import Program, Shop
from loyalty.models.purchases import PaymentMethod
from loyalty.money import money_str
from loyalty.services.config import config_import
from loyalty.services.config_export import config_export
from loyalty.services.rules import Context, Explanation, Line, ProgramRules, explain_points, stamps_for

from ..forms import DateTimeLocalInput
from ..versions import version_baseline, version_record

PREVIEW_AMOUNT = {"VND": Decimal("125000"), "IRR": Decimal("4000000"), "IDR": Decimal("80000")}
PREVIEW_PREFIX = "preview"


class _Rollback(Exception):
    def __init__(self, explanation: Explanation):
        self.explanation = explanation


def money(value: Decimal, currency: str) -> str:
    return money_str(value, currency)


def current_document(shop: Shop) -> dict:
    return copy.deepcopy(config_export(shop))


def tier_choices(document: dict) -> list[tuple[str, str]]:
    levels = (document.get("program", {}).get("tiers") or {}).get("levels", [])
    return [("", _("No tier"))] + [(level["code"], level["name"]) for level in levels]


class PurchasePreviewForm(forms.Form):
    """The purchase the preview answers for: by default 125,000 ₫ next Tuesday at 6 pm by the top tier."""

    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=16, decimal_places=4)
    category = forms.CharField(label=_("Category"), max_length=100, required=False)
    occurred_at = forms.DateTimeField(label=_("Date and time"), widget=DateTimeLocalInput())
    tier = forms.ChoiceField(label=_("Tier"), required=False)
    payment_method = forms.ChoiceField(label=_("Payment method"), required=False)

    def __init__(self, *args, document: dict, currency: str, **kwargs):
        kwargs.setdefault("prefix", PREVIEW_PREFIX)
        choices = tier_choices(document)
        kwargs.setdefault(
            "initial",
            {
                "amount": PREVIEW_AMOUNT.get(currency, Decimal(10)),
                "occurred_at": next_tuesday_evening(),
                "tier": choices[-1][0],
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = choices
        self.fields["payment_method"].choices = [("", _("Any"))] + list(PaymentMethod.choices)

    def initial_purchase(self) -> dict:
        """The sample purchase as cleaned data, before the owner changed any of it."""
        return {"category": "", "payment_method": "", "tier": "", **self.initial}


def next_tuesday_evening() -> datetime:
    """Next Tuesday (or today, if it is Tuesday) at 18:00, by the shop's clock (the active time zone)."""
    today = timezone.localdate()
    day = today + timedelta(days=(1 - today.weekday()) % 7)
    return datetime(day.year, day.month, day.day, 18, 0)


def draft_explanation(shop: Shop, document: dict, purchase: dict) -> Explanation:
    """What the purchase earns under the draft document, computed by applying it and rolling back; `stamps` on
    the answer lists the stamp cards it stamps (name, stamps, stamps required)."""
    try:
        with transaction.atomic():
            config_import(document, update=True)
            program = Program.objects.select_related("shop").get(shop_id=shop.pk)
            rules = ProgramRules.load(program)
            tier = next((t for t in rules.tiers if t.code == purchase["tier"]), None)
            occurred_at = (
                timezone.make_aware(purchase["occurred_at"])
                if timezone.is_naive(purchase["occurred_at"])
                else purchase["occurred_at"]
            )
            ctx = Context(
                occurred_at=occurred_at, tz=shop.tz, tier=tier, payment_method=purchase["payment_method"] or ""
            )
            lines = [Line(amount=purchase["amount"], category=(purchase["category"] or "").strip())]
            explanation = explain_points(rules, amount=purchase["amount"], lines=lines, ctx=ctx)
            explanation.stamps = [
                (card.name, count, card.stamps_required)
                for card in rules.stamp_cards
                if (count := stamps_for(card, amount=purchase["amount"], lines=lines))
            ]
            raise _Rollback(explanation)
    except _Rollback as done:
        return done.explanation


@dataclass(frozen=True)
class Saved:
    shop: Shop
    version: object


def draft_save(*, shop: Shop, document: dict, by, note: str) -> Saved:
    """Apply the draft from now on (the past stays as it was recorded) and keep it as a version."""
    with transaction.atomic():
        version_baseline(shop=shop)
        saved = config_import(document, update=True)
        version = version_record(shop=saved, by=by, note=note)
    return Saved(shop=saved, version=version)
