"""The configuration file (shared/spec/program-config.md): import with errors that name the JSON path (the export,
its round trip, is config_export.py). The core reads `merchant`, `program` and `rewards`; the program apps
register their sections (and whole documents of another kind) in loyalty.hooks."""

from __future__ import annotations

import re
from decimal import Decimal
from zoneinfo import available_timezones

from babel.numbers import get_currency_precision
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from loyalty import hooks
from loyalty.models import (
    Bonus,
    Campaign,
    CategoryMultiplier,
    Location,
    Program,
    QuickItem,
    Shop,
    StampCard,
    StampEntry,
    TierLevel,
)
from loyalty.models.programs import ExpiryPolicy, LimitPeriod, Rounding, StampPer, TierBasis, TierWindow
from rewards.models import Reward, RewardKind
from rewards.services import REWARD_FIELDS, stock_left

from .config_reader import CODE, SLUG, Reader, fail, unique_codes

HOUR = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
LANGUAGES = {code for code, _ in settings.LANGUAGES}
PAYMENT_METHODS = {"cash", "card", "ewallet", "bank_transfer", "other"}


# ---------------------------------------------------------------- parsing the document


def parse_merchant(doc: Reader) -> dict:
    m = doc.child(
        "merchant", required=("slug", "name", "country", "currency", "timezone"), optional=("language", "locations")
    )
    country = m.text("country", max_length=2)
    if not re.fullmatch(r"[A-Z]{2}", country):
        fail(m.at("country"), _("must be an ISO 3166 code such as VN"))
    currency = m.text("currency", max_length=3)
    try:
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise ValueError
        get_currency_precision(currency)
    except (ValueError, KeyError):
        fail(m.at("currency"), _("must be an ISO 4217 code such as VND"))
    timezone_name = m.text("timezone", max_length=64)
    if timezone_name not in available_timezones():
        fail(m.at("timezone"), _("must be an IANA time zone such as Asia/Ho_Chi_Minh"))
    locations = []
    for index, raw in enumerate(m.items("locations")):
        loc = Reader(raw, f"{m.at('locations')}[{index}]", required=("code", "name"))
        locations.append({"code": loc.text("code", pattern=SLUG, max_length=60), "name": loc.text("name")})
    unique_codes(locations, m.at("locations"))
    name = m.text("name")
    if not name.strip():
        fail(m.at("name"), _("must not be empty"))
    return {
        "slug": m.text("slug", pattern=SLUG, max_length=60),
        "name": name,
        "country": country,
        "currency": currency,
        "timezone": timezone_name,
        "language": m.text("language", "en", choices=LANGUAGES),
        "locations": locations,
    }


PROGRAM_KEYS = (
    "name",
    "points_name",
    "points_name_one",
    "point_value",
    "earn",
    "pending_days",
    "expiry",
    "backdate_days",
    "bonuses",
    "category_multipliers",
    "campaigns",
    "tiers",
    "stamp_cards",
    "cashback",
)


def parse_program(doc: Reader, currency: str, location_codes: set[str], shop_name: str = "") -> dict | None:
    if not doc.has("program"):
        return None
    p = doc.child("program", required=("earn",), optional=PROGRAM_KEYS)
    earn = p.child("earn", required=("per_amount",), optional=("points", "rounding", "min_spend", "exclude_categories"))
    expiry = p.child("expiry", optional=("policy", "days", "months"))
    policy = expiry.text("policy", ExpiryPolicy.NONE, choices=set(ExpiryPolicy.values))
    days = months = None
    if policy in (ExpiryPolicy.DAYS_AFTER_EARN, ExpiryPolicy.INACTIVITY):
        days = expiry.whole("days", minimum=1)
    if policy == ExpiryPolicy.MONTHS_AFTER_EARN_MONTH:
        months = expiry.whole("months", minimum=0)
    tiers = parse_tiers(p, currency)
    tier_codes = {t["code"] for t in tiers["levels"]} if tiers else set()
    return {
        "name": p.text("name") or shop_name,  # left out: the shop's name (program-config.md)
        "points_name": p.text("points_name", "points", max_length=50),
        "points_name_one": p.text("points_name_one", "", max_length=50),
        "point_value": p.money("point_value", currency),
        "earn_per_amount": earn.money("per_amount", currency, positive=True),
        "earn_points": earn.whole("points", 1, minimum=0),  # 0: a stamps-only program
        "rounding": earn.text("rounding", Rounding.DOWN, choices=set(Rounding.values)),
        "min_spend": earn.money("min_spend", currency),
        "exclude_categories": earn.strings("exclude_categories"),
        "pending_days": p.whole("pending_days", 0),
        "expiry_policy": policy,
        "expiry_days": days,
        "expiry_months": months,
        "backdate_days": p.whole("backdate_days", 90),
        "cashback_percent": p.child("cashback", optional=("percent",)).decimal("percent"),
        "bonuses": parse_bonuses(p),
        "category_multipliers": parse_multipliers(p),
        "campaigns": parse_campaigns(p, tier_codes, location_codes),
        "tiers": tiers,
        "stamp_cards": parse_stamp_cards(p, currency),
    }


def parse_bonuses(p: Reader) -> list[dict]:
    rows = []
    for index, raw in enumerate(p.items("bonuses")):
        b = Reader(raw, f"{p.at('bonuses')}[{index}]", required=("event", "points"), optional=("limit",))
        limit = None
        if b.has("limit"):
            lim = b.child("limit", required=("count", "per"))
            limit = {"count": lim.whole("count", minimum=1), "per": lim.text("per", choices=set(LimitPeriod.values))}
        rows.append(
            {
                "event": b.text("event", pattern=CODE, max_length=60),
                "points": b.whole("points", minimum=0),
                "limit": limit,
            }
        )
    unique_codes(rows, p.at("bonuses"), "event")
    return rows


def parse_multipliers(p: Reader) -> list[dict]:
    rows = []
    for index, raw in enumerate(p.items("category_multipliers")):
        c = Reader(raw, f"{p.at('category_multipliers')}[{index}]", required=("category", "multiplier"))
        rows.append(
            {"category": c.text("category", max_length=100), "multiplier": c.decimal("multiplier", minimum=Decimal(0))}
        )
    unique_codes(rows, p.at("category_multipliers"), "category")
    return rows


def parse_campaigns(p: Reader, tier_codes: set[str], location_codes: set[str]) -> list[dict]:
    rows = []
    for index, raw in enumerate(p.items("campaigns")):
        path = f"{p.at('campaigns')}[{index}]"
        c = Reader(
            raw,
            path,
            required=("code", "name", "multiplier"),
            optional=("weekdays", "hours", "starts", "ends", "categories", "tiers", "locations", "payment_methods"),
        )
        weekdays = c.items("weekdays")
        for i, day in enumerate(weekdays):
            if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 7:
                fail(f"{c.at('weekdays')}[{i}]", _("must be an ISO weekday, 1 (Monday) to 7 (Sunday)"))
        hours = c.strings("hours")
        if hours and (len(hours) != 2 or not all(HOUR.match(h) for h in hours) or hours[0] >= hours[1]):
            fail(c.at("hours"), _('must be ["HH:MM", "HH:MM"] with the start before the end'))
        starts, ends = c.day("starts"), c.day("ends")
        if starts and ends and ends <= starts:
            fail(c.at("ends"), _("must be after starts"))
        tiers = c.strings("tiers", choices=tier_codes)
        rows.append(
            {
                "code": c.text("code", pattern=CODE, max_length=60),
                "name": c.text("name"),
                "multiplier": c.decimal("multiplier", minimum=Decimal(0)),
                "weekdays": weekdays,
                "hours": hours,
                "starts": starts,
                "ends": ends,
                "categories": c.strings("categories"),
                "tiers": tiers,
                "locations": c.strings("locations", choices=location_codes),
                "payment_methods": c.strings("payment_methods", choices=PAYMENT_METHODS),
            }
        )
    unique_codes(rows, p.at("campaigns"))
    return rows


def parse_tiers(p: Reader, currency: str) -> dict | None:
    if not p.has("tiers"):
        return None
    t = p.child("tiers", required=("levels",), optional=("basis", "window", "downgrade_grace_days"))
    basis = t.text("basis", TierBasis.POINTS_EARNED, choices=set(TierBasis.values))
    levels = []
    for index, raw in enumerate(t.items("levels")):
        lv = Reader(
            raw,
            f"{t.at('levels')}[{index}]",
            required=("code", "name", "threshold"),
            optional=("multiplier", "discount_percent"),
        )
        threshold = (
            lv.money("threshold", currency)
            if basis == TierBasis.AMOUNT_SPENT
            else Decimal(lv.whole("threshold", minimum=0))
        )
        if levels and threshold <= levels[-1]["threshold"]:
            fail(lv.at("threshold"), _("must be higher than the level before"))
        discount = lv.decimal("discount_percent", "0")
        if discount > 100:
            fail(lv.at("discount_percent"), _("must be at most 100"))
        levels.append(
            {
                "code": lv.text("code", pattern=CODE, max_length=60),
                "name": lv.text("name"),
                "threshold": threshold,
                "multiplier": lv.decimal("multiplier", "1"),
                "discount_percent": discount,
            }
        )
    unique_codes(levels, t.at("levels"))
    return {
        "basis": basis,
        "window": t.text("window", TierWindow.LIFETIME, choices=set(TierWindow.values)),
        "downgrade_grace_days": t.whole("downgrade_grace_days", 0),
        "levels": levels,
    }


def parse_stamp_cards(p: Reader, currency: str) -> list[dict]:
    rows = []
    for index, raw in enumerate(p.items("stamp_cards")):
        c = Reader(
            raw,
            f"{p.at('stamp_cards')}[{index}]",
            required=("code", "name", "stamps_required"),
            optional=("per", "categories", "min_spend", "cooldown_minutes", "reward"),
        )
        rows.append(
            {
                "code": c.text("code", pattern=CODE, max_length=60),
                "name": c.text("name"),
                "stamps_required": c.whole("stamps_required", minimum=1),
                "per": c.text("per", StampPer.VISIT, choices=set(StampPer.values)),
                "categories": c.strings("categories"),
                "min_spend": c.money("min_spend", currency),
                "cooldown_minutes": c.whole("cooldown_minutes", 0),
                "reward": c.text("reward", "", max_length=60),
                "path": c.at("reward"),
            }
        )
    unique_codes(rows, p.at("stamp_cards"))
    return rows


REWARD_KEYS = (
    "code",
    "name",
    "kind",
    "points",
    "value",
    "max_discount",
    "tiers",
    "stock",
    "per_member_limit",
    "voucher_valid_days",
    "refund_points_on_expiry",
    "starts",
    "ends",
    "description",
)


def parse_rewards(doc: Reader, currency: str, tier_codes: set[str]) -> list[dict]:
    rows = []
    for index, raw in enumerate(doc.items("rewards")):
        r = Reader(raw, f"rewards[{index}]", required=("code", "name", "kind"), optional=REWARD_KEYS)
        kind = r.text("kind", choices=set(RewardKind.values))
        value = r.decimal("value", "0") if kind == RewardKind.PERCENT_OFF else r.money("value", currency)
        if kind == RewardKind.PERCENT_OFF and not 0 < value <= 100:
            fail(r.at("value"), _("must be a percentage between 0 and 100"))
        starts, ends = r.day("starts"), r.day("ends")
        if starts and ends and ends <= starts:
            fail(r.at("ends"), _("must be after starts"))
        rows.append(
            {
                "code": r.text("code", pattern=CODE, max_length=60),
                "name": r.text("name"),
                "kind": kind,
                "points": r.whole("points", 0),
                "value": value,
                "max_discount": r.money("max_discount", currency, None, allow_null=True),
                "tiers": r.strings("tiers", choices=tier_codes),
                "stock": r.whole("stock", None, allow_null=True),
                "per_member_limit": r.whole("per_member_limit", None, minimum=1, allow_null=True),
                "voucher_valid_days": r.whole("voucher_valid_days", 30, minimum=1),
                "refund_points_on_expiry": r.boolean("refund_points_on_expiry"),
                "starts": starts,
                "ends": ends,
                "description": r.text("description", "", max_length=2000),
            }
        )
    unique_codes(rows, "rewards")
    return rows


def parse_document(data) -> dict:
    """The whole shop document, checked; each program app's section by its own parser (loyalty.hooks)."""
    sections = hooks.config_sections()
    top = Reader(data, "", optional=("merchant", "program", "rewards", "quick_items", *(s.key for s in sections)))
    if "merchant" not in data:
        fail("merchant", _("is required"))
    merchant = parse_merchant(top)
    currency = merchant["currency"]
    location_codes = {loc["code"] for loc in merchant["locations"]}
    program = parse_program(top, currency, location_codes, merchant["name"])
    tier_codes = {t["code"] for t in program["tiers"]["levels"]} if program and program["tiers"] else set()
    rewards = parse_rewards(top, currency, tier_codes)
    reward_codes = {r["code"] for r in rewards}
    for card in (program or {}).get("stamp_cards", []):
        if card["reward"] and card["reward"] not in reward_codes:
            fail(card["path"], _("no reward with code %(code)r in rewards") % {"code": card["reward"]})
    context = hooks.ParseContext(
        currency=currency,
        reward_codes=frozenset(reward_codes),
        tier_codes=frozenset(tier_codes),
        location_codes=frozenset(location_codes),
    )
    extra = {s.key: s.parse(data[s.key], context) if top.has(s.key) else None for s in sections}
    quick_items = parse_quick_items(top, currency) if top.has("quick_items") else None
    return {"merchant": merchant, "program": program, "rewards": rewards, "quick_items": quick_items, "sections": extra}


def parse_quick_items(doc: Reader, currency: str) -> list[dict]:
    """The counter's quick buttons: `[{"label", "sku", "category", "amount"}]`."""
    rows = []
    for index, raw in enumerate(doc.items("quick_items")):
        q = Reader(raw, f"quick_items[{index}]", required=("label", "amount"), optional=("sku", "category"))
        label = q.text("label", max_length=60)
        if not label.strip():
            fail(q.at("label"), _("must not be empty"))
        rows.append(
            {
                "label": label.strip(),
                "sku": q.text("sku", "", max_length=100),
                "category": q.text("category", "", max_length=100),
                "amount": q.money("amount", currency, positive=True),
            }
        )
    return rows


# ---------------------------------------------------------------- applying it


def other_document(data) -> tuple[str, object] | None:
    """A document of another kind registered by an app ({"coalition": …}): its key and importer."""
    if isinstance(data, dict) and len(data) == 1:
        key = next(iter(data))
        importer = hooks.document_importer(key)
        if importer is not None:
            return key, importer
    return None


@transaction.atomic
def document_import(data, *, update: bool = False) -> str:
    """Import any configuration document; returns what `program_import` prints (a slug, a coalition's code)."""
    other = other_document(data)
    if other is not None:
        return other[1](data)
    return config_import(data, update=update).slug


@transaction.atomic
def config_import(data, *, update: bool = False) -> Shop:
    """Create the shop from a document, or with `update` replace an existing shop's configuration."""
    parsed = parse_document(data)
    merchant = parsed["merchant"]
    shop = Shop.objects.select_for_update().filter(slug=merchant["slug"]).first()
    if shop is not None and not update:
        fail(
            "merchant.slug",
            _("a shop with slug %(slug)r exists (use --update to replace its configuration)")
            % {"slug": merchant["slug"]},
        )
    if shop is not None and shop.currency != merchant["currency"] and shop.purchases.exists():
        fail("merchant.currency", _("cannot change once the shop has purchases"))
    shop = shop or Shop(slug=merchant["slug"])
    for key in ("name", "country", "currency", "timezone", "language"):
        setattr(shop, key, merchant[key])
    shop.save()
    for loc in merchant["locations"]:
        Location.objects.update_or_create(shop=shop, code=loc["code"], defaults={"name": loc["name"]})
    program_data = parsed["program"] or default_program(shop)
    _apply_program(shop, program_data)
    _apply_rewards(shop, parsed["rewards"])
    if parsed["quick_items"] is not None:  # left out: the counter's buttons stay as they are
        _apply_quick_items(shop, parsed["quick_items"])
    for section in hooks.config_sections():  # absent from the document: the shop has none (None)
        section.apply(shop, parsed["sections"][section.key])
    return shop


def default_program(shop: Shop) -> dict:
    """A shop imported without a program gets one that earns nothing until it is configured."""
    parsed = parse_program(
        Reader({"program": {"name": shop.name, "earn": {"per_amount": "1", "points": 1}}}, ""), shop.currency, set()
    )
    parsed["earn_points"] = 1
    return parsed


PROGRAM_FIELDS = (
    "name",
    "points_name",
    "points_name_one",
    "point_value",
    "earn_per_amount",
    "earn_points",
    "rounding",
    "min_spend",
    "exclude_categories",
    "pending_days",
    "expiry_policy",
    "expiry_days",
    "expiry_months",
    "backdate_days",
    "cashback_percent",
)


def _apply_program(shop: Shop, data: dict) -> Program:
    program = Program.objects.filter(shop=shop).first() or Program(shop=shop)
    for field in PROGRAM_FIELDS:
        setattr(program, field, data[field])
    tiers = data["tiers"]
    program.tier_basis = tiers["basis"] if tiers else TierBasis.POINTS_EARNED
    program.tier_window = tiers["window"] if tiers else TierWindow.LIFETIME
    program.downgrade_grace_days = tiers["downgrade_grace_days"] if tiers else 0
    program.save()
    program.bonuses.all().delete()
    Bonus.objects.bulk_create(
        [
            Bonus(
                program=program,
                event=b["event"],
                points=b["points"],
                limit_count=b["limit"]["count"] if b["limit"] else None,
                limit_per=b["limit"]["per"] if b["limit"] else "",
            )
            for b in data["bonuses"]
        ]
    )
    program.category_multipliers.all().delete()
    CategoryMultiplier.objects.bulk_create(
        [CategoryMultiplier(program=program, **m) for m in data["category_multipliers"]]
    )
    program.campaigns.all().delete()
    Campaign.objects.bulk_create([Campaign(program=program, **c) for c in data["campaigns"]])
    _apply_tiers(program, tiers["levels"] if tiers else [])
    _apply_stamp_cards(program, data["stamp_cards"])
    program.save(update_fields=["updated_at"])  # after the bulk writes, which send no signals
    return program


def _apply_tiers(program: Program, levels: list[dict]) -> None:
    """Levels are matched by code so that members keep their level across an update."""
    program.tiers.exclude(code__in=[lv["code"] for lv in levels]).delete()
    for index, kept in enumerate(program.tiers.all()):  # distinct placeholders: thresholds are unique per program
        TierLevel.objects.filter(pk=kept.pk).update(threshold=-(index + 1))
    for lv in levels:
        TierLevel.objects.update_or_create(
            program=program,
            code=lv["code"],
            defaults={k: lv[k] for k in ("name", "threshold", "multiplier", "discount_percent")},
        )


def _apply_stamp_cards(program: Program, cards: list[dict]) -> None:
    codes = [c["code"] for c in cards]
    for gone in program.stamp_cards.exclude(code__in=codes):
        if StampEntry.objects.filter(card=gone).exists():
            fail("program.stamp_cards", _("card %(code)r has stamps and cannot be removed") % {"code": gone.code})
        gone.delete()
    for c in cards:
        StampCard.objects.update_or_create(
            program=program,
            code=c["code"],
            defaults={
                "name": c["name"],
                "stamps_required": c["stamps_required"],
                "per": c["per"],
                "categories": c["categories"],
                "min_spend": c["min_spend"],
                "cooldown_minutes": c["cooldown_minutes"],
                "reward_code": c["reward"],
            },
        )


def _apply_quick_items(shop: Shop, items: list[dict]) -> None:
    QuickItem.objects.filter(shop=shop).delete()
    QuickItem.objects.bulk_create([QuickItem(shop=shop, position=n, **item) for n, item in enumerate(items, 1)])


def _apply_rewards(shop: Shop, rewards: list[dict]) -> None:
    codes = [r["code"] for r in rewards]
    for gone in Reward.objects.filter(shop=shop).exclude(code__in=codes):
        if gone.vouchers.exists():
            gone.active = False
            gone.save(update_fields=["active"])
        else:
            gone.delete()
    for position, r in enumerate(rewards):
        reward = Reward.objects.filter(shop=shop, code=r["code"]).first() or Reward(shop=shop, code=r["code"])
        issued = reward.vouchers.exclude(status="cancelled").count() if reward.pk else 0
        for key in REWARD_FIELDS:
            setattr(reward, key, r[key])
        reward.stock_left = stock_left(r["stock"], issued)
        reward.position, reward.active = position, True
        reward.save()
