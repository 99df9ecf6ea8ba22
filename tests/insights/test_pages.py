"""The portal's insights pages: what they show, who may open them, and what they cost in queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from insights.models import Campaign, CampaignStatus, Segment
from insights.services.campaigns import campaign_save, campaign_send
from insights.services.rules import segment_save
from insights.services.segments import shop_segments
from loyalty.services.members import consent_set
from tests.factories import StaffFactory

from .conftest import buy, daytime, enrol

DASHBOARD = reverse("insights:dashboard")


@pytest.fixture
def manager_client(saigon, client):
    client.force_login(StaffFactory(shop=saigon, role="manager").user)
    return client


@pytest.fixture
def busy(saigon):
    """Members who joined over the last months and bought in the last weeks (times relative to now)."""
    now = timezone.now()
    made = []
    for index in range(6):
        member = enrol(saigon, name=f"Member {index}", at=now - timedelta(days=20 * index + 1))
        consent_set(member=member, granted=True, source="portal")
        buy(saigon, member, "400000", now - timedelta(days=index + 1), saigon.loc_a)
        made.append(member)
    buy(saigon, None, "200000", now - timedelta(days=2), saigon.loc_b)
    return made


def test_the_dashboard_shows_each_figure_with_its_explanation_and_charts(manager_client, busy):
    page = manager_client.get(DASHBOARD).content.decode()
    assert "Repeat-purchase rate" in page and "Of the members who bought in the period" in page
    assert "Liability" in page and "Points outstanding times the value of a point (₫1,000)." in page
    assert "<svg" in page and 'role="img"' in page and '<table class="visually-hidden">' in page
    assert "Retention by month of joining" in page and "Month 0" in page
    assert "₫2,400,000" in page  # six members' 400,000


def test_a_period_and_a_location_narrow_the_figures(manager_client, saigon, busy):
    today = timezone.localdate(timezone=saigon.tz)
    params = {"start": (today - timedelta(days=3)).isoformat(), "end": (today + timedelta(days=1)).isoformat()}
    page = manager_client.get(DASHBOARD, {**params, "location": saigon.loc_b.pk}).content.decode()
    assert "₫200,000" in page and "At Thảo Điền only." in page
    fragment = manager_client.get(DASHBOARD, params, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="report">')


def test_a_wrong_period_says_so_and_shows_the_last_30_days(manager_client):
    page = manager_client.get(DASHBOARD, {"start": "2031-06-01", "end": "2031-05-01"}).content.decode()
    assert "Choose a day after the first one." in page


def test_cashiers_may_not_open_the_insights(saigon, client):
    client.force_login(StaffFactory(shop=saigon, role="cashier").user)
    for name in ("dashboard", "segments", "campaigns", "campaign_new", "report_csv"):
        assert client.get(reverse(f"insights:{name}")).status_code == 403


def test_the_dashboard_costs_the_same_queries_for_a_busy_shop(manager_client, saigon, busy):
    manager_client.get(DASHBOARD)  # warm: session, translations
    with CaptureQueriesContext(connection) as quiet:
        manager_client.get(DASHBOARD)
    now, day = timezone.now(), daytime()
    for index in range(15):
        buy(saigon, enrol(saigon, at=now - timedelta(days=index + 40)), "100000", now - timedelta(days=index + 1))
    segment = segment_save(shop=saigon, name="All", match="all", rules=[{"field": "visits", "op": "gte", "value": 0}])
    for name in ("One", "Two"):
        texts = {"en": {"subject": "s", "body": "b"}}
        sent = campaign_save(shop=saigon, name=name, segment=segment, texts=texts, send_at=day, now=day)
        campaign_send(sent.pk, at=day)
    with CaptureQueriesContext(connection) as busy_shop:
        manager_client.get(DASHBOARD)
    assert Campaign.objects.filter(shop=saigon, status=CampaignStatus.SENT).count() == 2
    assert len(busy_shop) == len(quiet) + 2  # one lift query for each of the latest campaigns (at most 3)


def test_the_segments_page_counts_and_links_each_segment(manager_client, saigon, busy):
    shop_segments(saigon, as_of=timezone.now())
    page = manager_client.get(reverse("insights:segments")).content.decode()
    for label in ("Champions", "Hibernating", "Can&#x27;t lose"):
        assert label in page
    rfm = manager_client.get(reverse("insights:rfm_segment"), {"segment": "champions"})
    assert rfm.status_code == 200
    assert manager_client.get(reverse("insights:rfm_segment"), {"segment": "nobody"}).status_code == 404


def test_a_segment_is_made_from_rules_one_a_line(manager_client, saigon, busy):
    rules = '{"field": "visits", "op": "gte", "value": 1}\n{"field": "last_visit_days", "op": "lte", "value": 4}'
    answer = manager_client.post(reverse("insights:segment_new"), {"name": "Fresh", "match": "all", "rules": rules})
    segment = Segment.objects.get(shop=saigon, name="Fresh")
    assert answer.status_code == 302 and answer["Location"] == reverse("insights:segment", args=[segment.pk])
    page = manager_client.get(answer["Location"]).content.decode()
    assert "3 members now" in page  # bought 1, 2 and 3 days ago (the 4th a moment more than 4 days before)
    wrong = manager_client.post(
        reverse("insights:segment_new"), {"name": "Bad", "match": "all", "rules": '{"field": "visits", "op": "in"}'}
    )
    assert wrong.status_code == 422 and "rules[0].op" in wrong.content.decode()
    not_json = manager_client.post(
        reverse("insights:segment_new"), {"name": "Bad", "match": "all", "rules": "visits > 3"}
    )
    assert not_json.status_code == 422 and "Line 1 is not JSON." in not_json.content.decode()
    deleted = manager_client.post(reverse("insights:segment_delete", args=[segment.pk]))
    assert deleted.status_code == 302 and not Segment.objects.filter(pk=segment.pk).exists()


def campaign_form(segment, **fields) -> dict:
    data = {
        "name": "Come back", "audience": f"custom:{segment.pk}", "holdout_percent": "10", "points": "0",
        "subject_en": "We miss you", "body_en": "A coffee is waiting.", "reason": "",
    }  # fmt: skip
    data.update(fields)
    return data


def test_a_campaign_is_previewed_for_a_real_member_then_scheduled(manager_client, saigon, busy):
    segment = segment_save(shop=saigon, name="All", match="all", rules=[{"field": "visits", "op": "gte", "value": 0}])
    url = reverse("insights:campaign_new")
    preview = manager_client.post(url, {**campaign_form(segment), "preview": "1"}).content.decode()
    assert "would read" in preview and "A coffee is waiting." in preview and "Unsubscribe" in preview
    assert not Campaign.objects.exists()
    answer = manager_client.post(url, campaign_form(segment))
    campaign = Campaign.objects.get(shop=saigon)
    assert answer.status_code == 302
    campaign_send(campaign.pk, at=daytime() + timedelta(days=1))  # the next morning: never in quiet hours
    page = manager_client.get(reverse("insights:campaign", args=[campaign.pk])).content.decode()
    assert "Lift against the holdout" in page and "Delivery" in page
    assert "5 / 1" in page  # six members, 10% (one) held back


def test_a_campaign_without_a_message_nor_a_gift_is_refused(manager_client, saigon, busy):
    segment = segment_save(shop=saigon, name="All", match="all", rules=[{"field": "visits", "op": "gte", "value": 0}])
    answer = manager_client.post(reverse("insights:campaign_new"), campaign_form(segment, subject_en="", body_en=""))
    assert answer.status_code == 422 and not Campaign.objects.exists()


def test_a_scheduled_campaign_is_cancelled(manager_client, saigon, busy):
    segment = segment_save(shop=saigon, name="All", match="all", rules=[{"field": "visits", "op": "gte", "value": 0}])
    later = timezone.now() + timedelta(days=2)
    campaign = campaign_save(
        shop=saigon, name="Later", segment=segment, texts={"en": {"subject": "s", "body": "b"}}, send_at=later
    )
    answer = manager_client.post(reverse("insights:campaign_cancel", args=[campaign.pk]))
    assert answer.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CANCELLED
    listing = manager_client.get(reverse("insights:campaigns")).content.decode()
    assert "Later" in listing and "Cancelled" in listing
