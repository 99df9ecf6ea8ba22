"""The members table's filters: last visit, points range and marketing consent, with the same queries however many
members match, and the CSV export keeping the filters."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from loyalty.models import Account
from loyalty.services.ledger import Actor, points_adjust
from tests.factories import enrol

MEMBERS = reverse("portal:members")


def names(client, **query) -> set[str]:
    response = client.get(MEMBERS, {**query, "export": "csv"})
    return {row[0] for row in list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]}


def test_filters_by_last_visit_points_and_consent(owner_client, shop):
    now = timezone.now()
    recent, old, _never = (
        enrol(shop, name="Recent"),
        enrol(shop, name="Old"),
        enrol(shop, name="Never", marketing_consent=True, consent_source="portal"),
    )
    Account.objects.filter(pk=recent.account_id).update(last_purchase_at=now - timedelta(days=3))
    Account.objects.filter(pk=old.account_id).update(last_purchase_at=now - timedelta(days=200))
    points_adjust(account_id=old.account_id, actor=Actor(shop=shop), points=150, reason="x", at=now)
    assert names(owner_client, last_visit="30") == {"Recent"}
    assert names(owner_client, last_visit="-90") == {"Old", "Never"}
    assert names(owner_client, points_min="100") == {"Old"}
    assert names(owner_client, points_max="10") == {"Recent", "Never"}
    assert names(owner_client, consent="true") == {"Never"}
    assert names(owner_client, consent="false", last_visit="-365") == set()


def test_the_filtered_page_costs_the_same_queries_for_more_members(owner_client, shop):
    enrol(shop)
    query = {"last_visit": "-90", "points_min": "0", "consent": "false"}
    owner_client.get(MEMBERS, query)
    with CaptureQueriesContext(connection) as few:
        owner_client.get(MEMBERS, query)
    for _n in range(5):
        enrol(shop)
    with CaptureQueriesContext(connection) as more:
        owner_client.get(MEMBERS, query)
    assert len(more) == len(few)


def test_the_apps_filters_appear_only_with_something_to_choose(owner_client, shop):
    """Insights offers its segments (the RFM ones always); memberships its plans, only once the shop has one."""
    html = owner_client.get(MEMBERS).content.decode()
    assert 'name="segment"' in html and 'name="membership"' not in html


def test_the_segment_filter_keeps_the_members_the_segment_names(owner_client, shop):
    from insights.services.rules import segment_save

    agreed, _other = enrol(shop, name="Agreed", marketing_consent=True, consent_source="portal"), enrol(shop, name="No")
    segment = segment_save(
        shop=shop, name="Reachable", match="all", rules=[{"field": "consent", "op": "eq", "value": True}]
    )
    assert names(owner_client, segment=f"custom:{segment.pk}") == {agreed.name}
    assert names(owner_client, segment="rfm:champions") == set()
    assert names(owner_client, segment="custom:999999") == {"Agreed", "No"}  # not a choice: no filter


def test_the_membership_filter_uses_the_plans_members_now(owner_client, shop):
    from memberships.models import Membership, MembershipPlan

    plan = MembershipPlan.objects.create(shop=shop, code="vip", name="VIP", prices=[{"price": "100000"}])
    member, _other = enrol(shop, name="Vip"), enrol(shop, name="Plain")
    now = timezone.now()
    Membership.objects.create(shop=shop, member=member, plan=plan, status="active", started_at=now - timedelta(days=1),
                              period_start=now - timedelta(days=1), ends_at=now + timedelta(days=30),
                              grace_ends_at=now + timedelta(days=33))  # fmt: skip
    assert names(owner_client, membership="plan:vip") == {"Vip"}
    assert names(owner_client, membership="any") == {"Vip"}
    assert names(owner_client, membership="none") == {"Plain"}
