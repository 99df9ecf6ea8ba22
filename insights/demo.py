"""The demo café's insights (`python manage.py demo`): its segments scored, a custom segment, and a campaign to
the members who came at least once, sent ten days ago with a 10% holdout, so the dashboard and the campaign
page have a lift to show."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from loyalty import hooks

from .services.campaigns import campaign_save, campaign_send
from .services.rules import segment_save
from .services.segments import shop_segments

TEXTS = {
    "en": {"subject": "We miss you", "body": "Come back this week: your next coffee earns double."},
    "vi": {"subject": "Nhớ bạn lắm", "body": "Ghé quán tuần này nhé: ly cà phê tiếp theo được nhân đôi điểm."},
    "fa": {"subject": "دلمان برایتان تنگ شده", "body": "این هفته سر بزنید: قهوهٔ بعدی امتیاز دوبرابر دارد."},
}


@hooks.demo_history
def make_insights(shop) -> None:
    now = timezone.now()
    sent_at = timezone.localtime(now - timedelta(days=10), shop.tz).replace(hour=10, minute=0)
    shop_segments(shop, as_of=sent_at)
    lapsed = segment_save(
        shop=shop, name="Came at least once", match="all", rules=[{"field": "visits", "op": "gte", "value": 1}]
    )
    campaign = campaign_save(
        shop=shop, name="We miss you", segment=lapsed, texts=TEXTS, points=5, reason="A welcome back",
        holdout_percent=10, send_at=sent_at, now=sent_at,
    )  # fmt: skip
    campaign_send(campaign.pk, at=sent_at)
    shop_segments(shop, as_of=now)
