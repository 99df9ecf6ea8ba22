"""The `partners` section of the configuration document (docs/partners.md): parse with errors naming the JSON
path, apply (plans and partners matched by code; those left out are made inactive, never deleted, since
commissions and customers may name them), export (what is active), round-tripping."""

from __future__ import annotations

from django.utils.translation import gettext as _

from loyalty import hooks
from loyalty.errors import ValidationFailed
from loyalty.money import money_str
from loyalty.services.config_reader import Reader, fail
from loyalty.services.members import code_normalise

from .models import Attribution, Partner, PartnerProgram, PayoutMethod, Plan, PlanKind
from .services.programs import (
    CODE,
    PLAN_CODE,
    level_problem,
    levels_normalised,
    partner_save,
    payout_details_checked,
    plan_save,
)

PLAN_KEYS = ("name", "kind", "percent", "months", "hold_days", "min_payout", "cookie_days", "levels")
PARTNER_KEYS = ("email", "phone", "payout")
PAYOUT_KEYS = ("method", "bank_bin", "account_number", "account_name", "details")


def _parse_plan(raw, path: str, currency: str) -> dict:
    r = Reader(raw, path, required=("code", "kind", "percent"), optional=PLAN_KEYS)
    percent = r.decimal("percent")
    if percent > 100:
        fail(r.at("percent"), _("must be at most 100"))
    levels = r.items("levels")
    problem = level_problem(levels)
    if problem:
        index, key, message = problem
        fail(f"{r.at('levels')}[{index}]{'.' + key if key else ''}", message)
    return {
        "code": r.text("code", max_length=60, pattern=PLAN_CODE),
        "name": r.text("name"),
        "kind": r.text("kind", choices=set(PlanKind.values)),
        "percent": percent,
        "months": r.whole("months", None, minimum=1, allow_null=True),
        "hold_days": r.whole("hold_days", 30),
        "min_payout": r.money("min_payout", currency),
        "cookie_days": r.whole("cookie_days", 30, minimum=1),
        "levels": levels_normalised(levels),
    }


def _parse_partner(raw, path: str, plan_codes: set[str]) -> dict:
    r = Reader(raw, path, required=("code", "name", "plan"), optional=PARTNER_KEYS)
    code = r.text("code", max_length=40, pattern=CODE)
    name = r.text("name")
    if not name.strip():
        fail(r.at("name"), _("must not be empty"))
    plan = r.text("plan", max_length=60)
    if plan not in plan_codes:
        fail(r.at("plan"), _("no plan with code %(code)r in partners.plans") % {"code": plan})
    email = r.text("email", max_length=254)
    if email and "@" not in email:
        fail(r.at("email"), _("must be an email address"))
    payout = r.child("payout", optional=PAYOUT_KEYS)
    details = {
        "payout_method": payout.text("method", PayoutMethod.BANK_TRANSFER, choices=set(PayoutMethod.values)),
        "bank_bin": payout.text("bank_bin", max_length=6),
        "bank_account": payout.text("account_number", max_length=19),
        "account_name": payout.text("account_name", max_length=100),
        "payout_details": payout.text("details", max_length=1000),
    }
    try:
        payout_details_checked(dict(details))
    except ValidationFailed as error:
        key, message = next(iter(error.fields.items()))
        fail(payout.at({"bank_account": "account_number", "payout_details": "details"}.get(key, key)), message)
    return {
        "code": code,
        "name": name,
        "plan": plan,
        "email": email,
        "phone": r.text("phone", max_length=32),
        **details,
        "path": path,
    }


class PartnersSection:
    key = "partners"

    def parse(self, value, ctx: hooks.ParseContext) -> dict:
        section = Reader(value, self.key, optional=("attribution", "plans", "partners"))
        plans = [
            _parse_plan(raw, f"{section.at('plans')}[{index}]", ctx.currency)
            for index, raw in enumerate(section.items("plans"))
        ]
        _unique(plans, section.at("plans"), key=lambda plan: plan["code"])
        codes = {plan["code"] for plan in plans}
        partners = [
            _parse_partner(raw, f"{section.at('partners')}[{index}]", codes)
            for index, raw in enumerate(section.items("partners"))
        ]
        _unique(partners, section.at("partners"), key=lambda partner: code_normalise(partner["code"]))
        return {
            "attribution": section.text("attribution", Attribution.LAST_TOUCH, choices=set(Attribution.values)),
            "plans": plans,
            "partners": partners,
        }

    def apply(self, shop, parsed: dict | None) -> None:
        if parsed is None:
            Partner.objects.filter(shop=shop).update(active=False)
            Plan.objects.filter(shop=shop).update(active=False)
            PartnerProgram.objects.filter(shop=shop).delete()
            return
        program, _ = PartnerProgram.objects.get_or_create(shop=shop)
        if program.attribution != parsed["attribution"]:
            program.attribution = parsed["attribution"]
            program.save(update_fields=["attribution"])
        plans = {}
        for data in parsed["plans"]:
            existing = Plan.objects.filter(shop=shop, code=data["code"]).first()
            plans[data["code"]] = plan_save(shop=shop, plan=existing, **data)
        Plan.objects.filter(shop=shop).exclude(code__in=list(plans)).update(active=False)
        keys = []
        for data in parsed["partners"]:
            key = code_normalise(data["code"])
            keys.append(key)
            existing = Partner.objects.filter(shop=shop, key=key).first()
            fields = {k: v for k, v in data.items() if k != "path"} | {"plan": plans[data["plan"]]}
            try:
                partner_save(shop=shop, partner=existing, **fields)
            except ValidationFailed as error:
                field, message = next(iter(error.fields.items()))
                fail(f"{data['path']}.{field}", message)
        Partner.objects.filter(shop=shop).exclude(key__in=keys).update(active=False)

    def export(self, shop) -> dict | None:
        program = PartnerProgram.objects.filter(shop=shop).first()
        if program is None:
            return None
        partners = list(Partner.objects.filter(shop=shop, active=True).select_related("plan").order_by("key"))
        used = {partner.plan_id for partner in partners}
        plans = [plan for plan in Plan.objects.filter(shop=shop).order_by("code") if plan.active or plan.pk in used]
        return {
            "attribution": program.attribution,
            "plans": [_export_plan(plan, shop.currency) for plan in plans],
            "partners": [_export_partner(partner) for partner in partners],
        }


def _export_plan(plan: Plan, currency: str) -> dict:
    return {
        "code": plan.code,
        "name": plan.name,
        "kind": plan.kind,
        "percent": f"{plan.percent.normalize():f}",
        "months": plan.months,
        "hold_days": plan.hold_days,
        "min_payout": money_str(plan.min_payout, currency),
        "cookie_days": plan.cookie_days,
        "levels": list(plan.levels),
    }


def _export_partner(partner: Partner) -> dict:
    return {
        "code": partner.code,
        "name": partner.name,
        "plan": partner.plan.code,
        "email": partner.email,
        "phone": partner.phone,
        "payout": {
            "method": partner.payout_method,
            "bank_bin": partner.bank_bin,
            "account_number": partner.bank_account,
            "account_name": partner.account_name,
            "details": partner.payout_details,
        },
    }


def _unique(rows: list[dict], path: str, *, key) -> None:
    seen = set()
    for index, row in enumerate(rows):
        if key(row) in seen:
            fail(f"{path}[{index}].code", _("%(code)r is the same code as an earlier one") % {"code": row["code"]})
        seen.add(key(row))


hooks.config_section(PartnersSection())
