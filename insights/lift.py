"""What a campaign caused: visits and spend per member of the targeted group against the held-back group over the
days after it started, the difference, and its 95% confidence interval (Welch's: each group's own variance,
normal approximation). One query per window, whatever the audience's size."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from loyalty.models import Purchase
from loyalty.money import round_money
from loyalty.services.sql import table

from .models import CampaignMember, Group

Z_95 = 1.959964
WINDOWS = (7, 30)


@dataclass(frozen=True)
class Sample:
    n: int
    total: float
    squares: float

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else 0.0

    @property
    def variance(self) -> float | None:
        if self.n < 2:
            return None
        return max(self.squares - self.n * self.mean**2, 0.0) / (self.n - 1)


@dataclass(frozen=True)
class Difference:
    targeted: float
    holdout: float
    low: float | None
    high: float | None

    @property
    def lift(self) -> float:
        return self.targeted - self.holdout

    @property
    def significant(self) -> bool:
        return self.low is not None and (self.low > 0 or self.high < 0)


def difference(targeted: Sample, holdout: Sample) -> Difference:
    lift = targeted.mean - holdout.mean
    if targeted.variance is None or holdout.variance is None:
        return Difference(targeted.mean, holdout.mean, None, None)
    margin = Z_95 * math.sqrt(targeted.variance / targeted.n + holdout.variance / holdout.n)
    return Difference(targeted.mean, holdout.mean, lift - margin, lift + margin)


@dataclass(frozen=True)
class Lift:
    days: int
    complete: bool  # the window has passed
    targeted: int
    holdout: int
    visits: Difference
    spend: Difference


def _samples(campaign, since, until) -> dict:
    quote = connection.ops.quote_name
    sql = f"""
        SELECT grp, COUNT(*), SUM(visits), SUM(visits * visits), SUM(spend), SUM(spend * spend) FROM (
            SELECT cm.id, cm.{quote("group")} AS grp, COUNT(p.id) AS visits,
                   COALESCE(SUM(p.amount - p.refunded_amount), 0) AS spend
            FROM {table(CampaignMember)} cm
            LEFT JOIN {table(Purchase)} p ON p.member_id = cm.member_id AND p.occurred_at >= %s AND p.occurred_at < %s
            WHERE cm.campaign_id = %s
            GROUP BY cm.id, cm.{quote("group")}
        ) per_member GROUP BY grp"""
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(sql, [adapt(since), adapt(until), campaign.pk])
        rows = cursor.fetchall()
    found = {row[0]: row for row in rows}

    def sample(group: str, column: int) -> Sample:
        row = found.get(group)
        if row is None:
            return Sample(0, 0.0, 0.0)
        return Sample(int(row[1]), float(row[column] or 0), float(row[column + 1] or 0))

    return {
        "visits": (sample(Group.TARGET, 2), sample(Group.HOLDOUT, 2)),
        "spend": (sample(Group.TARGET, 4), sample(Group.HOLDOUT, 4)),
    }


def campaign_lift(campaign, days: int, *, now=None) -> Lift | None:
    """None before the campaign started."""
    if campaign.started_at is None:
        return None
    now = now or timezone.now()
    since = campaign.started_at
    until = since + timedelta(days=days)
    samples = _samples(campaign, since, min(until, now))
    (visits_t, visits_h), (spend_t, spend_h) = samples["visits"], samples["spend"]
    return Lift(
        days=days,
        complete=until <= now,
        targeted=visits_t.n,
        holdout=visits_h.n,
        visits=difference(visits_t, visits_h),
        spend=difference(spend_t, spend_h),
    )


def as_money(value: float, currency: str) -> Decimal:
    return round_money(Decimal(str(value)), currency)
