"""The `segments` job: every shop's RFM scores rewritten from its purchases in one INSERT … SELECT per shop (no
member's row passes through Python), then the day's count of every segment, RFM and custom.

Scores: among the shop's members with a purchase in the last year (not merged away, not erased), recency (the
latest purchase), frequency (purchases) and money (what they kept, less refunds) are each scored 1–5 by the share
of members at or below them (a tie scores the same), then named from recency and the mean of the other two:

    R \\ FM   1            2              3                4            5
    5        new          potential      potential        champions    champions
    4        promising    potential      potential        loyal        champions
    3        about to sleep about to sleep need attention loyal        loyal
    1–2      hibernating  hibernating    at risk          at risk      can't lose
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from loyalty.hooks import job
from loyalty.models import Member, Purchase, Shop
from loyalty.services.sql import table

from ..models import RfmScore, RfmSegment, Segment, SegmentCount
from ..pages import SCORED_TTL, scored_key
from ..snapshots import snapshot_take
from .rules import segment_members

WINDOW = timedelta(days=365)

SEGMENT_CASE = """CASE
    WHEN r = 5 AND fm >= 4 THEN 'champions' WHEN r = 4 AND fm = 5 THEN 'champions'
    WHEN r >= 3 AND fm >= 4 THEN 'loyal'
    WHEN r >= 4 AND fm >= 2 THEN 'potential_loyalists'
    WHEN r = 5 THEN 'new' WHEN r = 4 THEN 'promising'
    WHEN r = 3 AND fm = 3 THEN 'need_attention' WHEN r = 3 THEN 'about_to_sleep'
    WHEN fm = 5 THEN 'cant_lose' WHEN fm >= 3 THEN 'at_risk'
    ELSE 'hibernating' END"""


def _score(column: str) -> str:
    """1–5: five times the share of the shop's scored members at or below this one, rounded up (integers only,
    so PostgreSQL and SQLite agree; the window frame counts every tie as at or below)."""
    return f"((COUNT(*) OVER (ORDER BY {column}) * 5 + COUNT(*) OVER () - 1) / COUNT(*) OVER ())"


def _scores_sql() -> str:
    purchase, member, rfm = table(Purchase), table(Member), table(RfmScore)
    return f"""
        INSERT INTO {rfm} (shop_id, member_id, recency, frequency, monetary, segment, last_purchase_at, visits,
                           spend, as_of)
        SELECT %s, member_id, r, f, m, {SEGMENT_CASE}, last_at, visits, spend, %s FROM (
            SELECT member_id, last_at, visits, spend, r, f, m, (f + m + 1) / 2 AS fm FROM (
                SELECT member_id, last_at, visits, spend,
                       {_score("last_at")} AS r, {_score("visits")} AS f, {_score("spend")} AS m
                FROM (
                    SELECT p.member_id, MAX(p.occurred_at) AS last_at, COUNT(*) AS visits,
                           SUM(p.amount - p.refunded_amount) AS spend
                    FROM {purchase} p JOIN {member} mb ON mb.id = p.member_id
                    WHERE p.shop_id = %s AND p.occurred_at > %s AND p.occurred_at <= %s
                      AND mb.merged_into_id IS NULL AND mb.erased_at IS NULL
                    GROUP BY p.member_id
                ) figures
            ) scored
        ) named"""


def _moment(value: datetime):
    return connection.ops.adapt_datetimefield_value(value)


@transaction.atomic
def shop_scores(shop: Shop, *, as_of: datetime) -> int:
    """The shop's scores as of `as_of`, replacing the last run's; returns how many members are scored."""
    RfmScore.objects.filter(shop=shop).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            _scores_sql(),
            [shop.pk, _moment(as_of), shop.pk, _moment(as_of - WINDOW), _moment(as_of)],
        )
        return cursor.rowcount


@transaction.atomic
def shop_counts(shop: Shop, *, as_of: datetime) -> None:
    """The day's count of each RFM segment (one query) and each custom segment (one each), kept for the trend."""
    day = timezone.localtime(as_of, shop.tz).date()
    counts = {code: 0 for code in RfmSegment.values}
    for row in RfmScore.objects.filter(shop=shop).values("segment").annotate(n=Count("id")):
        counts[row["segment"]] = row["n"]
    for segment in Segment.objects.filter(shop=shop):
        counts[f"custom:{segment.pk}"] = segment_members(segment, at=as_of).count()
    SegmentCount.objects.filter(shop=shop, day=day).delete()
    SegmentCount.objects.bulk_create(
        [SegmentCount(shop=shop, day=day, key=key, members=members) for key, members in counts.items()]
    )


def shop_segments(shop: Shop, *, as_of: datetime) -> int:
    """The shop's scores, the day's counts and the dashboard's snapshot; returns how many members are scored."""
    scored = shop_scores(shop, as_of=as_of)
    shop_counts(shop, as_of=as_of)
    snapshot_take(shop, as_of=as_of)
    cache.set(scored_key(shop.pk), scored > 0, SCORED_TTL)
    return scored


@job("segments")
def segments_job(*, as_of: datetime) -> dict:
    """Nightly: each shop with members whose day (on its own clock) has no counts yet is scored and counted. The
    beat runs the jobs every 15 minutes, so a shop is scored soon after its midnight, once a day; running the
    job again the same day finds nothing to do."""
    scored = shops = 0
    for shop in Shop.objects.filter(members__isnull=False).distinct():
        day = timezone.localtime(as_of, shop.tz).date()
        if SegmentCount.objects.filter(shop=shop, day=day).exists():
            continue
        scored += shop_segments(shop, as_of=as_of)
        shops += 1
    return {"shops": shops, "members_scored": scored}
