"""The `challenges` and `impact` sections of the configuration document (program-config.md), and this app's own
`surprises` and `community` sections (docs/challenges.md): parse with errors naming the JSON path, apply (rows
matched by code; challenges and surprises left out are made inactive, never deleted, since progress and wins
name them), export, round-tripping."""

from __future__ import annotations

from decimal import Decimal

from django.apps import apps

from loyalty import hooks
from loyalty.money import money_str
from loyalty.services.config_reader import SLUG, Reader, fail, unique_codes
from rewards.models import Reward

from .models import Board, Challenge, Community, GoalKind, Impact, ImpactPer, LeaderboardPrize, Surprise

CHALLENGE_KEYS = ("starts", "ends", "points", "reward", "badge", "tiers")
WHOLE_GOALS = (GoalKind.VISITS, GoalKind.DISTINCT_ITEMS, GoalKind.CATEGORIES, GoalKind.STREAK, GoalKind.REFERRALS)


def _num(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _reward_code(r: Reader, key: str, ctx: hooks.ParseContext, *, allow_null: bool) -> str | None:
    code = r.raw(key)
    if code is None and allow_null:
        return None
    code = r.text(key, max_length=60)
    if code not in ctx.reward_codes:
        fail(r.at(key), f"no reward with code {code!r} in rewards")
    return code


def _parse_goal(r: Reader, ctx: hooks.ParseContext) -> dict:
    g = r.child("goal", optional=("kind", "target", "categories"))
    if not r.has("goal"):
        fail(r.at("goal"), "is required")
    if g.raw("kind") == GoalKind.REFERRALS and not apps.is_installed("referrals"):
        fail(g.at("kind"), "referral goals need the referral program, which is not installed")
    kind = g.text("kind", choices=set(GoalKind.values))
    if "target" not in g.data:
        fail(g.at("target"), "is required")
    if kind == GoalKind.SPEND:
        target = g.money("target", ctx.currency, positive=True)
    else:
        target = Decimal(g.whole("target", minimum=1))
    return {"goal_kind": kind, "target": target, "categories": g.strings("categories")}


def _parse_challenge(raw, path: str, ctx: hooks.ParseContext) -> dict:
    r = Reader(raw, path, required=("code", "name", "goal", "starts", "ends"), optional=CHALLENGE_KEYS)
    name = r.text("name")
    if not name.strip():
        fail(r.at("name"), "must not be empty")
    starts, ends = r.day("starts"), r.day("ends")
    if starts is None:
        fail(r.at("starts"), "is required")
    if ends is None or ends <= starts:
        fail(r.at("ends"), "must be a date after starts")
    tiers = r.strings("tiers", choices=ctx.tier_codes)
    return {
        "code": r.text("code", max_length=60, pattern=SLUG),
        "name": name,
        **_parse_goal(r, ctx),
        "starts": starts,
        "ends": ends,
        "points": r.whole("points", 0),
        "reward": _reward_code(r, "reward", ctx, allow_null=True),
        "badge": r.text("badge", max_length=60),
        "tiers": tiers,
    }


class ChallengesSection:
    key = "challenges"

    def parse(self, value, ctx: hooks.ParseContext) -> list[dict]:
        if not isinstance(value, list):
            fail(self.key, "must be a list")
        rows = [_parse_challenge(raw, f"{self.key}[{index}]", ctx) for index, raw in enumerate(value)]
        unique_codes(rows, self.key)
        return rows

    def apply(self, shop, parsed: list[dict] | None) -> None:
        rows = parsed or []
        rewards = {r.code: r for r in Reward.objects.filter(shop=shop)}
        for data in rows:
            fields = {k: v for k, v in data.items() if k != "code"} | {"active": True}
            fields["reward"] = rewards[data["reward"]] if data["reward"] else None
            challenge = Challenge.objects.filter(shop=shop, code=data["code"]).first()
            if challenge is not None and challenge.ends != data["ends"]:
                fields["closed_at"] = None  # a new end date: the job judges the window again
            Challenge.objects.update_or_create(shop=shop, code=data["code"], defaults=fields)
        Challenge.objects.filter(shop=shop).exclude(code__in=[r["code"] for r in rows]).update(active=False)

    def export(self, shop) -> list[dict] | None:
        challenges = list(Challenge.objects.filter(shop=shop, active=True).select_related("reward").order_by("code"))
        return [export_challenge(c, shop.currency) for c in challenges] or None


def export_challenge(challenge: Challenge, currency: str) -> dict:
    whole = challenge.goal_kind in WHOLE_GOALS
    return {
        "code": challenge.code,
        "name": challenge.name,
        "goal": {
            "kind": challenge.goal_kind,
            "target": int(challenge.target) if whole else money_str(challenge.target, currency),
            "categories": list(challenge.categories),
        },
        "starts": challenge.starts.isoformat(),
        "ends": challenge.ends.isoformat(),
        "points": challenge.points,
        "reward": challenge.reward.code if challenge.reward_id else None,
        "badge": challenge.badge,
        "tiers": list(challenge.tiers),
    }


class ImpactSection:
    key = "impact"

    def parse(self, value, ctx: hooks.ParseContext) -> dict:
        r = Reader(
            value, self.key, required=("name", "unit", "per", "quantity"), optional=("per_amount", "per_donation")
        )
        per = r.text("per", choices=set(ImpactPer.values))
        parsed = {
            "name": r.text("name", max_length=100),
            "unit": r.text("unit", max_length=40),
            "per": per,
            "quantity": _impact_quantity(r, "quantity", "1"),
            "per_amount": None,
            "per_donation": _impact_quantity(r, "per_donation", "1"),
        }
        if not parsed["name"].strip():
            fail(r.at("name"), "must not be empty")
        if per == ImpactPer.AMOUNT:
            if not r.has("per_amount"):
                fail(r.at("per_amount"), "is required when per is amount")
            parsed["per_amount"] = r.money("per_amount", ctx.currency, positive=True)
        elif r.has("per_amount"):
            fail(r.at("per_amount"), "applies only when per is amount")
        return parsed

    def apply(self, shop, parsed: dict | None) -> None:
        if parsed is None:
            Impact.objects.filter(shop=shop).delete()
            return
        Impact.objects.update_or_create(shop=shop, defaults=parsed)

    def export(self, shop) -> dict | None:
        impact = Impact.objects.filter(shop=shop).first()
        if impact is None:
            return None
        made = {"name": impact.name, "unit": impact.unit, "per": impact.per, "quantity": _num(impact.quantity)}
        if impact.per == ImpactPer.AMOUNT:
            made["per_amount"] = money_str(impact.per_amount, shop.currency)
        made["per_donation"] = _num(impact.per_donation)
        return made


def _impact_quantity(r: Reader, key: str, default: str) -> Decimal:
    quantity = r.decimal(key, default, positive=True)
    if quantity != quantity.quantize(Decimal("0.0001")) or quantity >= 10**12:
        fail(r.at(key), "must have at most four decimal places and be below 1000000000000")
    return quantity


class SurprisesSection:
    key = "surprises"

    def parse(self, value, ctx: hooks.ParseContext) -> list[dict]:
        if not isinstance(value, list):
            fail(self.key, "must be a list")
        rows = []
        for index, raw in enumerate(value):
            r = Reader(
                raw, f"{self.key}[{index}]", required=("code", "name", "one_in", "reward"), optional=("min_spend",)
            )
            rows.append(
                {
                    "code": r.text("code", max_length=60, pattern=SLUG),
                    "name": r.text("name"),
                    "one_in": r.whole("one_in", minimum=2),
                    "reward": _reward_code(r, "reward", ctx, allow_null=False),
                    "min_spend": r.money("min_spend", ctx.currency),
                }
            )
        unique_codes(rows, self.key)
        return rows

    def apply(self, shop, parsed: list[dict] | None) -> None:
        rows = parsed or []
        rewards = {r.code: r for r in Reward.objects.filter(shop=shop)}
        for data in rows:
            fields = {k: v for k, v in data.items() if k != "code"} | {
                "reward": rewards[data["reward"]],
                "active": True,
            }
            Surprise.objects.update_or_create(shop=shop, code=data["code"], defaults=fields)
        Surprise.objects.filter(shop=shop).exclude(code__in=[r["code"] for r in rows]).update(active=False)

    def export(self, shop) -> list[dict] | None:
        surprises = Surprise.objects.filter(shop=shop, active=True).select_related("reward")
        return [
            {
                "code": s.code,
                "name": s.name,
                "one_in": s.one_in,
                "reward": s.reward.code,
                "min_spend": money_str(s.min_spend, shop.currency),
            }
            for s in surprises
        ] or None


class CommunitySection:
    key = "community"

    def parse(self, value, ctx: hooks.ParseContext) -> dict:
        r = Reader(value, self.key, optional=("badges", "leaderboard", "ideas"))
        board = r.child("leaderboard", optional=("enabled", "prizes"))
        prizes = []
        for index, raw in enumerate(board.items("prizes")):
            p = Reader(raw, f"{board.at('prizes')}[{index}]", required=("place", "reward"), optional=("board",))
            if p.raw("board") == Board.REFERRALS and not apps.is_installed("referrals"):
                fail(p.at("board"), "the referrers' board needs the referral program, which is not installed")
            prizes.append(
                {
                    "board": p.text("board", Board.VISITS, choices=set(Board.values)),
                    "place": p.whole("place", minimum=1),
                    "reward": _reward_code(p, "reward", ctx, allow_null=False),
                }
            )
        seen = set()
        for index, prize in enumerate(prizes):
            if (prize["board"], prize["place"]) in seen:
                fail(f"{board.at('prizes')}[{index}].place", "has a prize already")
            seen.add((prize["board"], prize["place"]))
        return {
            "badges": r.boolean("badges", True),
            "leaderboard": board.boolean("enabled", False),
            "ideas": r.boolean("ideas", False),
            "prizes": prizes,
        }

    def apply(self, shop, parsed: dict | None) -> None:
        if parsed is None:
            Community.objects.filter(shop=shop).delete()
            LeaderboardPrize.objects.filter(shop=shop).delete()
            return
        flags = {k: parsed[k] for k in ("badges", "leaderboard", "ideas")}
        Community.objects.update_or_create(shop=shop, defaults=flags)
        LeaderboardPrize.objects.filter(shop=shop).delete()  # prizes are settings: the awards keep their vouchers
        rewards = {r.code: r for r in Reward.objects.filter(shop=shop)}
        LeaderboardPrize.objects.bulk_create(
            [
                LeaderboardPrize(shop=shop, board=p["board"], place=p["place"], reward=rewards[p["reward"]])
                for p in parsed["prizes"]
            ]
        )

    def export(self, shop) -> dict | None:
        community = Community.objects.filter(shop=shop).first()
        if community is None:
            return None
        prizes = LeaderboardPrize.objects.filter(shop=shop).select_related("reward")
        return {
            "badges": community.badges,
            "leaderboard": {
                "enabled": community.leaderboard,
                "prizes": [{"board": p.board, "place": p.place, "reward": p.reward.code} for p in prizes],
            },
            "ideas": community.ideas,
        }


for _section in (ChallengesSection(), ImpactSection(), SurprisesSection(), CommunitySection()):
    hooks.config_section(_section)
