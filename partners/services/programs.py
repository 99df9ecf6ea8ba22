"""A shop's partner program, plans and partners: finding them and saving them (the portal and the configuration
file both save through here)."""

from __future__ import annotations

import re
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from loyalty.errors import ValidationFailed
from loyalty.models import Member, Program, Shop
from loyalty.money import MoneyError, parse_money
from loyalty.services.members import code_normalise, phone_normalise

from ..errors import invalid_partner_code
from ..models import Partner, PartnerProgram, PayoutMethod, Plan, PlanKind

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
PLAN_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,59}$")
BANK_BIN = re.compile(r"^\d{6}$")
BANK_ACCOUNT = re.compile(r"^[A-Za-z0-9]{1,19}$")

# ---------------------------------------------------------------- is there a partner program?

# Per process: program id → (its updated_at when judged, whether its shop runs a partner program). A change of the
# PartnerProgram row marks the shop's program as changed (below), so the purchase path of a shop without partners
# pays no query for this app, and a shop that starts one is seen at its next purchase.
_ENABLED: dict[int, tuple] = {}
_ENABLED_LIMIT = 4096


def partners_enabled(shop: Shop, program: Program | None = None) -> bool:
    """Whether the shop runs a partner program; `program`: the shop's own, when the caller holds it already."""
    program = program if program is not None and program.shop_id == shop.pk else shop.program
    cached = _ENABLED.get(program.pk)
    if cached is not None and program.updated_at <= cached[0]:
        return cached[1]
    if len(_ENABLED) >= _ENABLED_LIMIT:
        _ENABLED.clear()
    enabled = PartnerProgram.objects.filter(shop_id=shop.pk).exists()
    _ENABLED[program.pk] = (program.updated_at, enabled)
    return enabled


def _program_changed(sender, instance, **kwargs) -> None:
    Program.objects.filter(shop_id=instance.shop_id).update(updated_at=timezone.now())


post_save.connect(_program_changed, sender=PartnerProgram, dispatch_uid="partners-program-changed-save")
post_delete.connect(_program_changed, sender=PartnerProgram, dispatch_uid="partners-program-changed-delete")


def program_ensure(shop: Shop) -> PartnerProgram:
    """The shop's partner program, started when its first plan is saved."""
    return PartnerProgram.objects.get_or_create(shop=shop)[0]


# ---------------------------------------------------------------- finding partners


def partner_by_code(shop: Shop, code: str) -> Partner | None:
    """The shop's partner with this code, compared in normalised form ("blog-anh" is BLOGANH)."""
    key = code_normalise(code)
    return Partner.objects.select_related("plan").filter(shop=shop, key=key).first() if key else None


def partner_for_code(shop: Shop, code: str) -> Partner:
    """As partner_by_code, but an unknown code is refused (invalid_partner_code: the API answers 422)."""
    partner = partner_by_code(shop, code) if partners_enabled(shop) else None
    if partner is None:
        raise invalid_partner_code()
    return partner


def buys_for_themselves(partner: Partner, member: Member) -> bool:
    """The customer is the partner: their own phone or email."""
    same_phone = bool(partner.phone) and partner.phone == member.phone
    same_email = bool(partner.email and member.email) and partner.email.lower() == member.email.lower()
    return same_phone or same_email


def partner_member(partner: Partner) -> Member | None:
    """The partner's own member at the shop (by phone, else by email), who can be paid in store credit."""
    found = Q()
    if partner.phone:
        found |= Q(phone=partner.phone)
    if partner.email:
        found |= Q(email__iexact=partner.email)
    if not found:
        return None
    members = list(Member.objects.current().filter(found, shop_id=partner.shop_id))
    return next((m for m in members if partner.phone and m.phone == partner.phone), members[0] if members else None)


# ---------------------------------------------------------------- plans


def level_problem(levels) -> tuple[int | None, str, str] | None:
    """What is wrong with a plan's rate levels, as (index, key, message), or None: each {"sales", "percent"},
    sales a whole number of at least 2 and strictly rising, percent between 0 and 100."""
    if not isinstance(levels, list):
        return None, "", "must be a list"
    previous = 1
    for index, level in enumerate(levels):
        if not isinstance(level, dict) or set(level) != {"sales", "percent"}:
            return index, "", 'must be {"sales": n, "percent": "p"}'
        sales = level["sales"]
        if isinstance(sales, bool) or not isinstance(sales, int) or sales <= previous:
            return index, "sales", f"must be a whole number above {previous}"
        previous = sales
        try:
            percent = Decimal(str(level["percent"]))
        except ArithmeticError:
            return index, "percent", "must be a decimal string"
        if isinstance(level["percent"], bool) or not percent.is_finite() or not 0 <= percent <= 100:
            return index, "percent", "must be between 0 and 100"
    return None


def levels_normalised(levels: list) -> list[dict]:
    return [{"sales": level["sales"], "percent": f"{Decimal(str(level['percent'])).normalize():f}"} for level in levels]


def _plan_fields_checked(shop: Shop, fields: dict) -> dict:
    problems = {}
    if not PLAN_CODE.match(fields.get("code") or ""):
        problems["code"] = "must be letters, digits, dashes and underscores"
    if fields.get("kind") not in PlanKind.values:
        problems["kind"] = f"must be one of {', '.join(PlanKind.values)}"
    percent = fields.get("percent")
    if not isinstance(percent, Decimal) or not 0 <= percent <= 100:
        problems["percent"] = "must be between 0 and 100"
    months = fields.get("months")
    if months is not None and (not isinstance(months, int) or months < 1):
        problems["months"] = "must be at least 1, or empty for life"
    for key, least in (("hold_days", 0), ("cookie_days", 1)):
        if not isinstance(fields.get(key), int) or fields[key] < least:
            problems[key] = f"must be a whole number of at least {least}"
    try:
        fields["min_payout"] = parse_money(fields.get("min_payout"), shop.currency)
    except MoneyError as error:
        problems["min_payout"] = str(error)
    problem = level_problem(fields.get("levels", []))
    if problem:
        index, key, message = problem
        problems["levels"] = f"level {index + 1}: {key + ' ' if key else ''}{message}" if index is not None else message
    if problems:
        raise ValidationFailed(fields=problems)
    fields["levels"] = levels_normalised(fields.get("levels", []))
    return fields


PLAN_FIELDS = ("code", "name", "kind", "percent", "months", "hold_days", "min_payout", "cookie_days", "levels")


@transaction.atomic
def plan_save(*, shop: Shop, plan: Plan | None = None, **fields) -> Plan:
    """Create or change a commission plan (a change applies to commissions created from now on: their rate is
    locked when they are created)."""
    fields = _plan_fields_checked(shop, {key: fields.get(key) for key in PLAN_FIELDS})
    clash = Plan.objects.filter(shop=shop, code=fields["code"]).exclude(pk=plan.pk if plan else None)
    if clash.exists():
        raise ValidationFailed(fields={"code": "another plan has this code"})
    program_ensure(shop)
    plan = plan or Plan(shop=shop)
    for key, value in fields.items():
        setattr(plan, key, value)
    plan.active = True
    plan.save()
    return plan


# ---------------------------------------------------------------- partners

PARTNER_FIELDS = (
    "code",
    "name",
    "plan",
    "email",
    "phone",
    "active",
    "payout_method",
    "bank_bin",
    "bank_account",
    "account_name",
    "payout_details",
)
PAYOUT_DETAIL_FIELDS = ("payout_method", "bank_bin", "bank_account", "account_name", "payout_details")


def payout_details_checked(fields: dict) -> dict:
    """The fields that say how a partner is paid, trimmed and checked."""
    problems = {}
    for key in PAYOUT_DETAIL_FIELDS:
        fields[key] = (fields.get(key) or "").strip()
    if fields["payout_method"] not in PayoutMethod.values:
        problems["payout_method"] = f"must be one of {', '.join(PayoutMethod.values)}"
    if fields["bank_bin"] and not BANK_BIN.match(fields["bank_bin"]):
        problems["bank_bin"] = "must be the bank's six digits"
    fields["bank_account"] = fields["bank_account"].replace(" ", "")
    if fields["bank_account"] and not BANK_ACCOUNT.match(fields["bank_account"]):
        problems["bank_account"] = "must be at most 19 letters and digits"
    if len(fields["account_name"]) > 100:
        problems["account_name"] = "must be at most 100 characters"
    if len(fields["payout_details"]) > 1000:
        problems["payout_details"] = "must be at most 1000 characters"
    if problems:
        raise ValidationFailed(fields=problems)
    return fields


def _partner_fields_checked(shop: Shop, partner: Partner | None, fields: dict) -> dict:
    problems = {}
    code = (fields.get("code") or "").strip()
    if not CODE.match(code):
        problems["code"] = "must be letters, digits, dashes and underscores (at most 40)"
    elif (
        Partner.objects.filter(shop=shop, key=code_normalise(code)).exclude(pk=partner.pk if partner else None).exists()
    ):
        problems["code"] = "another partner has this code"
    fields["code"], fields["key"] = code, code_normalise(code)
    fields["name"] = (fields.get("name") or "").strip()
    if not fields["name"] or len(fields["name"]) > 200:
        problems["name"] = "must be 1 to 200 characters"
    plan = fields.get("plan")
    if not isinstance(plan, Plan) or plan.shop_id != shop.pk:
        problems["plan"] = "must be one of the shop's plans"
    fields["email"] = (fields.get("email") or "").strip().lower()
    if len(fields["email"]) > 254 or (fields["email"] and "@" not in fields["email"]):
        problems["email"] = "not an email address"
    phone = (fields.get("phone") or "").strip()
    try:
        fields["phone"] = phone_normalise(phone, shop.country) if phone else ""
    except ValidationFailed:
        problems["phone"] = "not a valid phone number"
    fields["active"] = fields.get("active") is not False
    try:
        payout_details_checked(fields)
    except ValidationFailed as error:
        problems.update(error.fields)
    if problems:
        raise ValidationFailed(fields=problems)
    return fields


@transaction.atomic
def partner_save(*, shop: Shop, partner: Partner | None = None, **fields) -> Partner:
    """Create or change a partner. Its code may change only while no customer is bound to it (links and
    customers' codes carry it)."""
    fields = _partner_fields_checked(shop, partner, {key: fields.get(key) for key in PARTNER_FIELDS})
    if partner is not None and partner.key != fields["key"] and partner.bindings.exists():
        raise ValidationFailed(fields={"code": "customers are bound to this code; it cannot change"})
    program_ensure(shop)
    partner = partner or Partner(shop=shop)
    for key, value in fields.items():
        setattr(partner, key, value)
    partner.save()
    return partner


@transaction.atomic
def payout_details_update(*, partner: Partner, **fields) -> Partner:
    """The partner (on their page) or the shop says how the partner is paid."""
    fields = payout_details_checked({key: fields.get(key) for key in PAYOUT_DETAIL_FIELDS})
    Partner.objects.filter(pk=partner.pk).update(**fields)
    for key, value in fields.items():
        setattr(partner, key, value)
    return partner


def partner_set_active(*, partner: Partner, active: bool) -> Partner:
    """A partner made inactive keeps what it earned and its customers, but binds none and earns no more."""
    Partner.objects.filter(pk=partner.pk).update(active=active)
    partner.active = active
    return partner
