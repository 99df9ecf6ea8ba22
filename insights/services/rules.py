"""Custom segments' rules: checked when saved (`rules_check`) and turned into one query over the shop's members
(`segment_members`). A rule is {"field", "op", "value"}; a segment's rules all hold (`all`) or any does (`any`).

| field | ops | value | holds when |
| --- | --- | --- | --- |
| tier | in | tier codes | the member's tier is one of them |
| last_visit_days | gte, lte | days | the last purchase was at least / at most that many days ago (never: at least) |
| visits | gte, lte | a count | purchases ever (refunded ones too), at least / at most |
| spend | gte, lte | money | what they kept of their purchases ever (less refunds), at least / at most |
| birthday_month | in | months 1–12 | their birthday is in one of those months |
| location | in | location codes | they bought at one of those locations |
| rfm | in | RFM segment codes | the segments job last named them so |
| consent | eq | true/false | they agreed to marketing messages (or not) |

The program apps add their own rules through loyalty.hooks.segment_rule (referrals, membership,
challenge_completed: docs/insights.md).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import reduce
from operator import and_, or_

from django.db import transaction
from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from loyalty import hooks
from loyalty.errors import ValidationFailed
from loyalty.models import Location, Member, Purchase, TierLevel

from ..models import Match, RfmSegment, Segment

FIELDS = {
    "tier": ("in",),
    "last_visit_days": ("gte", "lte"),
    "visits": ("gte", "lte"),
    "spend": ("gte", "lte"),
    "birthday_month": ("in",),
    "location": ("in",),
    "rfm": ("in",),
    "consent": ("eq",),
}
MAX_RULES = 20


def rules_check(shop, rules) -> list[dict]:
    """The rules as stored, or ValidationFailed naming the first wrong one (`rules[2].value`)."""
    if not isinstance(rules, list) or not rules:
        raise ValidationFailed(fields={"rules": _("add at least one rule")})
    if len(rules) > MAX_RULES:
        raise ValidationFailed(fields={"rules": _("at most %(n)s rules") % {"n": MAX_RULES}})
    return [_rule_check(shop, rule, f"rules[{index}]") for index, rule in enumerate(rules)]


def _ops() -> dict[str, tuple[str, ...]]:
    """The core's fields and the program apps' (loyalty.hooks.segment_rule)."""
    return FIELDS | {name: rule.ops for name, rule in hooks.segment_rules().items()}


def _rule_check(shop, rule, path: str) -> dict:
    ops = _ops()
    if not isinstance(rule, dict) or rule.get("field") not in ops:
        raise ValidationFailed(fields={f"{path}.field": _("unknown field")})
    name, op = rule["field"], rule.get("op")
    if op not in ops[name]:
        raise ValidationFailed(fields={f"{path}.op": _("must be one of %(ops)s") % {"ops": ", ".join(ops[name])}})
    registered = hooks.segment_rules().get(name) if name not in FIELDS else None
    try:
        value = (
            registered.parse(shop, op, rule.get("value")) if registered else _value_check(shop, name, rule.get("value"))
        )
    except (TypeError, ValueError, InvalidOperation):
        raise ValidationFailed(fields={f"{path}.value": _("not a value this rule takes")}) from None
    return {"field": name, "op": op, "value": value}


def _value_check(shop, name: str, value):
    if name in ("last_visit_days", "visits"):
        if isinstance(value, bool) or int(value) < 0 or int(value) != value:
            raise ValueError
        return int(value)
    if name == "spend":
        if Decimal(str(value)) < 0:
            raise ValueError
        return str(Decimal(str(value)))
    if name == "consent":
        if not isinstance(value, bool):
            raise ValueError
        return value
    if not isinstance(value, list) or not value:
        raise ValueError
    known = _known_values(shop, name)
    if any(item not in known for item in value):
        raise ValueError
    return value


def _known_values(shop, name: str) -> set:
    if name == "tier":
        return set(TierLevel.objects.filter(program=shop.program).values_list("code", flat=True))
    if name == "location":
        return set(Location.objects.filter(shop=shop).values_list("code", flat=True))
    if name == "rfm":
        return set(RfmSegment.values)
    return set(range(1, 13))


def _condition(shop, rule: dict, at: datetime) -> Q:
    name, op, value = rule["field"], rule["op"], rule["value"]
    if name not in FIELDS:
        registered = hooks.segment_rules().get(name)
        if registered is None:  # its app was removed since the segment was saved: the rule holds for nobody
            return Q(pk__in=[])
        return registered.condition(shop, rule, at)
    if name == "tier":
        return Q(account__tier__code__in=value)
    if name == "last_visit_days":
        moment = at - timedelta(days=value)
        if op == "gte":
            return Q(account__last_purchase_at__lte=moment) | Q(account__last_purchase_at__isnull=True)
        return Q(account__last_purchase_at__gte=moment)
    if name == "visits":
        return Q(**{f"account__purchases_count__{op}": value})
    if name == "spend":
        return Q(**{f"insight_spend__{op}": Decimal(value)})
    if name == "birthday_month":
        return Q(birthday__month__in=value)
    if name == "location":
        return Q(pk__in=Purchase.objects.filter(location__code__in=value).values("member_id"))
    if name == "rfm":
        return Q(rfm__segment__in=value)
    return Q(marketing_consent=value)


def _spend():
    money = DecimalField(max_digits=20, decimal_places=4)
    kept = (
        Purchase.objects.filter(member=OuterRef("pk"))
        .order_by()
        .values("member")
        .annotate(total=Sum(F("amount") - F("refunded_amount"), output_field=money))
        .values("total")
    )
    return Coalesce(Subquery(kept, output_field=money), Value(Decimal(0), output_field=money))


def reachable_members(shop):
    """The shop's members a campaign or a segment can name: not merged away, not erased."""
    return Member.objects.filter(shop=shop, merged_into__isnull=True, erased_at__isnull=True)


def segment_members(segment, *, at: datetime):
    """The members the segment's rules hold for at `at`: one query."""
    rows = reachable_members(segment.shop)
    if any(rule["field"] == "spend" for rule in segment.rules):
        rows = rows.annotate(insight_spend=_spend())
    conditions = [_condition(segment.shop, rule, at) for rule in segment.rules]
    return rows.filter(reduce(and_ if segment.match == Match.ALL else or_, conditions))


@transaction.atomic
def segment_save(*, shop, name: str, match: str, rules) -> Segment:
    """A new custom segment, its rules checked; its name unique in the shop."""
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("give the segment a name")
    elif Segment.objects.filter(shop=shop, name=name).exists():
        errors["name"] = _("another segment has this name")
    if match not in Match.values:
        errors["match"] = _("all or any")
    if errors:
        raise ValidationFailed(fields=errors)
    return Segment.objects.create(shop=shop, name=name[:200], match=match, rules=rules_check(shop, rules))


@transaction.atomic
def segment_delete(*, segment) -> None:
    """A segment no campaign named (a campaign's audience stays explained); else ValidationFailed."""
    if segment.campaigns.exists():
        raise ValidationFailed(_("A campaign was sent to this segment; it is kept."))
    segment.delete()
