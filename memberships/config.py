"""The `memberships` section of the configuration document (program-config.md, docs/memberships.md): parse with
errors naming the JSON path, apply (plans matched by code; those left out are made inactive, never deleted, since
memberships and payments name them), export (the active plans), round-tripping."""

from __future__ import annotations

import re
from decimal import Decimal

from django.utils.translation import gettext as _

from loyalty import hooks
from loyalty.errors import ValidationFailed
from loyalty.money import money_str
from loyalty.services.config_reader import Reader, fail

from .models import MembershipPlan, Pack, Period, TransferAccount
from .services.packs import pack_save
from .services.plans import PLAN_CODE, allowances_checked, plan_save, prices_checked

BANK_BIN = re.compile(r"^\d{6}$")
BANK_ACCOUNT = re.compile(r"^[A-Za-z0-9]{1,19}$")
PLAN_KEYS = ("period", "prices", "trial_days", "grace_days", "benefits")
BENEFIT_KEYS = (
    "discount_percent",
    "points_multiplier",
    "free_delivery",
    "monthly_rewards",
    "member_rewards",
    "allowances",
)


def _parse_prices(r: Reader, ctx: hooks.ParseContext) -> list[dict]:
    raw = r.items("prices")
    for index, rule in enumerate(raw):
        rule_reader = Reader(rule, f"{r.at('prices')}[{index}]", required=("price",), optional=("min_points", "tier"))
        rule_reader.money("price", ctx.currency)
        rule_reader.whole("min_points", None, allow_null=True)
        tier = rule_reader.text("tier", max_length=60)
        if tier and tier not in ctx.tier_codes:
            fail(rule_reader.at("tier"), _("no tier with code %(code)r in program.tiers") % {"code": tier})
    try:
        return prices_checked(raw, ctx.currency, ctx.tier_codes)
    except ValidationFailed as error:
        key, message = next(iter(error.fields.items()))
        fail(f"{r.path}.{key}", message)


def _reward_codes(b: Reader, key: str, ctx: hooks.ParseContext) -> list[str]:
    codes = b.strings(key)
    for index, code in enumerate(codes):
        if code not in ctx.reward_codes:
            fail(f"{b.at(key)}[{index}]", _("no reward with code %(code)r in rewards") % {"code": code})
    return codes


def _parse_plan(raw, path: str, ctx: hooks.ParseContext) -> dict:
    r = Reader(raw, path, required=("code", "name", "prices"), optional=PLAN_KEYS)
    b = r.child("benefits", optional=BENEFIT_KEYS)
    discount = b.decimal("discount_percent", "0")
    if discount > 100:
        fail(b.at("discount_percent"), _("must be at most 100"))
    name = r.text("name")
    if not name.strip():
        fail(r.at("name"), _("must not be empty"))
    return {
        "code": r.text("code", pattern=PLAN_CODE, max_length=60),
        "name": name,
        "period": r.text("period", Period.YEAR, choices=set(Period.values)),
        "prices": _parse_prices(r, ctx),
        "trial_days": r.whole("trial_days", 0),
        "grace_days": r.whole("grace_days", 0),
        "discount_percent": discount,
        "points_multiplier": b.decimal("points_multiplier", "1"),
        "free_delivery": b.boolean("free_delivery"),
        "monthly_rewards": _reward_codes(b, "monthly_rewards", ctx),
        "member_rewards": _reward_codes(b, "member_rewards", ctx),
        "allowances": _parse_allowances(b),
    }


def _parse_allowances(b: Reader) -> list[dict]:
    for index, raw in enumerate(b.items("allowances")):
        a = Reader(raw, f"{b.at('allowances')}[{index}]", required=("code", "per_month"), optional=("name",))
        a.text("code", pattern=PLAN_CODE, max_length=60)
        a.text("name")
        a.whole("per_month", minimum=1)
    try:
        return allowances_checked(b.items("allowances"))
    except ValidationFailed as error:
        key, message = next(iter(error.fields.items()))
        fail(f"{b.path}.{key}", message)


class MembershipsSection:
    key = "memberships"

    def parse(self, value, ctx: hooks.ParseContext) -> list[dict]:
        if not isinstance(value, list):
            fail(self.key, _("must be a list"))
        plans = [_parse_plan(raw, f"{self.key}[{index}]", ctx) for index, raw in enumerate(value)]
        seen = set()
        for index, plan in enumerate(plans):
            if plan["code"] in seen:
                fail(f"{self.key}[{index}].code", _("%(value)r appears twice") % {"value": plan["code"]})
            seen.add(plan["code"])
        return plans

    def apply(self, shop, parsed: list[dict] | None) -> None:
        codes = []
        for position, data in enumerate(parsed or []):
            code = data.pop("code")
            codes.append(code)
            existing = MembershipPlan.objects.filter(shop=shop, code=code).first()
            plan_save(shop=shop, code=code, plan=existing, position=position, active=True, **data)
        for plan in MembershipPlan.objects.filter(shop=shop, active=True).exclude(code__in=codes):
            plan_save(shop=shop, code=plan.code, plan=plan, active=False)  # through the service: caches see it

    def export(self, shop) -> list[dict] | None:
        plans = list(MembershipPlan.objects.filter(shop=shop, active=True))
        return [_export_plan(plan, shop.currency) for plan in plans] or None


def _export_plan(plan: MembershipPlan, currency: str) -> dict:
    return {
        "code": plan.code,
        "name": plan.name,
        "period": plan.period,
        "prices": [_export_price(rule, currency) for rule in plan.prices],
        "trial_days": plan.trial_days,
        "grace_days": plan.grace_days,
        "benefits": {
            "discount_percent": f"{plan.discount_percent.normalize():f}",
            "points_multiplier": f"{plan.points_multiplier.normalize():f}",
            "free_delivery": plan.free_delivery,
            "monthly_rewards": list(plan.monthly_rewards),
            "member_rewards": list(plan.member_rewards),
            "allowances": list(plan.allowances),
        },
    }


def _export_price(rule: dict, currency: str) -> dict:
    return {**{k: v for k, v in rule.items() if k != "price"}, "price": money_str(Decimal(rule["price"]), currency)}


class PacksSection:
    """`packs`: prepaid packs, [{"code", "name", "uses", "price", "valid_days"}] (docs/memberships.md)."""

    key = "packs"

    def parse(self, value, ctx: hooks.ParseContext) -> list[dict]:
        if not isinstance(value, list):
            fail(self.key, _("must be a list"))
        packs, seen = [], set()
        for index, raw in enumerate(value):
            r = Reader(
                raw, f"{self.key}[{index}]", required=("code", "name", "uses", "price"), optional=("valid_days",)
            )
            code = r.text("code", pattern=PLAN_CODE, max_length=60)
            if code in seen:
                fail(r.at("code"), _("%(value)r appears twice") % {"value": code})
            seen.add(code)
            packs.append(
                {
                    "code": code,
                    "name": r.text("name"),
                    "uses": r.whole("uses", minimum=1),
                    "price": r.money("price", ctx.currency),
                    "valid_days": r.whole("valid_days", 365, minimum=1),
                }
            )
        return packs

    def apply(self, shop, parsed: list[dict] | None) -> None:
        codes = []
        for position, data in enumerate(parsed or []):
            code = data.pop("code")
            codes.append(code)
            existing = Pack.objects.filter(shop=shop, code=code).first()
            pack_save(shop=shop, code=code, pack=existing, position=position, active=True, **data)
        for pack in Pack.objects.filter(shop=shop, active=True).exclude(code__in=codes):
            pack_save(shop=shop, code=pack.code, pack=pack, active=False)

    def export(self, shop) -> list[dict] | None:
        packs = Pack.objects.filter(shop=shop, active=True)
        return [
            {"code": p.code, "name": p.name, "uses": p.uses, "price": money_str(p.price, shop.currency),
             "valid_days": p.valid_days}
            for p in packs
        ] or None  # fmt: skip


class TransferAccountSection:
    """`membership_payments`: {"bank_bin", "account_number", "account_name"}, the account members pay into by
    transfer (VietQR in a Vietnamese shop)."""

    key = "membership_payments"

    def parse(self, value, ctx: hooks.ParseContext) -> dict:
        r = Reader(value, self.key, required=("bank_bin", "account_number"), optional=("account_name",))
        bank_bin = r.text("bank_bin", max_length=6)
        if not BANK_BIN.match(bank_bin):
            fail(r.at("bank_bin"), _("must be the bank's six-digit NAPAS BIN"))
        account = r.text("account_number", max_length=30).replace(" ", "")
        if not BANK_ACCOUNT.match(account):
            fail(r.at("account_number"), _("must be 1 to 19 letters and digits"))
        return {"bank_bin": bank_bin, "account_number": account, "account_name": r.text("account_name", max_length=100)}

    def apply(self, shop, parsed: dict | None) -> None:
        if parsed is None:
            TransferAccount.objects.filter(shop=shop).delete()
            return
        TransferAccount.objects.update_or_create(shop=shop, defaults=parsed)

    def export(self, shop) -> dict | None:
        account = TransferAccount.objects.filter(shop=shop).first()
        if account is None:
            return None
        return {
            "bank_bin": account.bank_bin,
            "account_number": account.account_number,
            "account_name": account.account_name,
        }


hooks.config_section(MembershipsSection())
hooks.config_section(TransferAccountSection())
hooks.config_section(PacksSection())
