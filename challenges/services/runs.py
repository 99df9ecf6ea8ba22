"""What a shop runs of this app, read once per program change: a shop with no challenges, impact, surprises or
community pays no query on its purchases, refunds and pages (the core's pinned query counts hold)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from loyalty.models import Program, Shop

from ..models import Challenge, Community, Impact, LeaderboardPrize, Surprise

_RUNS: dict[int, tuple] = {}
_RUNS_LIMIT = 4096


@dataclass(frozen=True)
class Runs:
    challenges: bool = False
    impact: bool = False
    surprises: bool = False
    community: bool = False
    badges: bool = False

    @property
    def anything(self) -> bool:
        return self.challenges or self.impact or self.surprises or self.community


def runs(shop: Shop, program: Program | None = None) -> Runs:
    """What the shop runs now; `program`: the shop's own, when the caller holds it already."""
    program = program if program is not None and program.shop_id == shop.pk else shop.program
    cached = _RUNS.get(program.pk)
    if cached is not None and program.updated_at <= cached[0]:
        return cached[1]
    if len(_RUNS) >= _RUNS_LIMIT:
        _RUNS.clear()
    found = Runs(
        challenges=Challenge.objects.filter(shop_id=shop.pk, active=True).exists(),
        impact=Impact.objects.filter(shop_id=shop.pk).exists(),
        surprises=Surprise.objects.filter(shop_id=shop.pk, active=True).exists(),
        community=Community.objects.filter(shop_id=shop.pk).exists(),
        badges=Community.objects.filter(shop_id=shop.pk, badges=True).exists(),
    )
    _RUNS[program.pk] = (program.updated_at, found)
    return found


def _program_changed(sender, instance, **kwargs) -> None:
    Program.objects.filter(shop_id=instance.shop_id).update(updated_at=timezone.now())


for _model in (Challenge, Impact, Surprise, Community, LeaderboardPrize):
    post_save.connect(_program_changed, sender=_model, dispatch_uid=f"challenges-changed-save-{_model.__name__}")
    post_delete.connect(_program_changed, sender=_model, dispatch_uid=f"challenges-changed-delete-{_model.__name__}")
