"""The `referral` section of the configuration document (program-config.md, docs/referrals.md): parse with
errors naming the JSON path, apply through program_save, export every key, round-tripping."""

from __future__ import annotations

from django.utils.translation import gettext as _

from loyalty import hooks
from loyalty.errors import ValidationFailed
from loyalty.services.config_reader import Reader, fail
from rewards.models import Reward

from .models import ReferralProgram
from .services.programs import MAX_MILESTONES, program_remove, program_save

KEYS = ("enabled", "referee_reward", "referrer_points", "review_days", "max_per_week", "milestones", "leaderboard")


def _reward_code(reader: Reader, key: str, ctx: hooks.ParseContext, *, allow_empty: bool) -> str:
    code = reader.text(key, max_length=60)
    if not code and allow_empty:
        return ""
    if code not in ctx.reward_codes:
        fail(reader.at(key), _("no reward with code %(code)r in rewards") % {"code": code})
    return code


def _parse_milestones(section: Reader, ctx: hooks.ParseContext) -> list[dict]:
    rows = section.items("milestones")
    if len(rows) > MAX_MILESTONES:
        fail(section.at("milestones"), _("at most %(count)d milestones") % {"count": MAX_MILESTONES})
    milestones, seen = [], set()
    for index, raw in enumerate(rows):
        r = Reader(raw, f"{section.at('milestones')}[{index}]", required=("count", "reward"))
        count = r.whole("count", minimum=1)
        if count in seen:
            fail(r.at("count"), _("%(value)s appears twice") % {"value": count})
        seen.add(count)
        milestones.append({"count": count, "reward": _reward_code(r, "reward", ctx, allow_empty=False)})
    return sorted(milestones, key=lambda m: m["count"])


class ReferralSection:
    key = "referral"

    def parse(self, value, ctx: hooks.ParseContext) -> dict:
        r = Reader(value, self.key, optional=KEYS)
        return {
            "enabled": r.boolean("enabled", True),
            "referee_reward": _reward_code(r, "referee_reward", ctx, allow_empty=True),
            "referrer_points": r.whole("referrer_points", 0),
            "review_days": r.whole("review_days", None, allow_null=True),
            "max_per_week": r.whole("max_per_week", None, minimum=1, allow_null=True),
            "milestones": _parse_milestones(r, ctx),
            "leaderboard": r.boolean("leaderboard", False),
        }

    def apply(self, shop, parsed: dict | None) -> None:
        if parsed is None:
            program_remove(shop=shop)
            return
        rewards = {reward.code: reward for reward in Reward.objects.filter(shop=shop)}
        try:
            program_save(
                shop=shop,
                enabled=parsed["enabled"],
                referee_reward=rewards.get(parsed["referee_reward"]),
                referrer_points=parsed["referrer_points"],
                review_days=parsed["review_days"],
                max_per_week=parsed["max_per_week"],
                leaderboard=parsed["leaderboard"],
                milestones=[(m["count"], rewards[m["reward"]]) for m in parsed["milestones"]],
            )
        except ValidationFailed as error:
            field, message = next(iter(error.fields.items()))
            fail(f"{self.key}.{field}", message)

    def export(self, shop) -> dict | None:
        program = ReferralProgram.objects.select_related("referee_reward").filter(shop=shop).first()
        if program is None:
            return None
        return {
            "enabled": program.enabled,
            "referee_reward": program.referee_reward.code if program.referee_reward else None,
            "referrer_points": program.referrer_points,
            "review_days": program.review_days,
            "max_per_week": program.max_per_week,
            "milestones": [
                {"count": m.count, "reward": m.reward.code} for m in program.milestones.select_related("reward")
            ],
            "leaderboard": program.leaderboard,
        }


hooks.config_section(ReferralSection())
