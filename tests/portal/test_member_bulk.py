"""Bulk actions on the members table's selection: points, a voucher, a tag, the CSV; once per form key; a large
selection by the Celery task with its progress page; managers only. And the filters the apps and tags add."""

from __future__ import annotations

import csv
import io
import re
import uuid

import pytest
from django.urls import reverse

from loyalty.models import EntryKind, LedgerEntry
from loyalty.portal import bulk
from loyalty.portal.models import BulkAction, BulkActionMember, BulkStatus, MemberTag
from loyalty.services.invariants import ledger_violations
from rewards.models import Reward, Voucher
from tests.factories import enrol

MEMBERS = reverse("portal:members")
BULK = reverse("portal:member_bulk")
HTMX = {"HX-Request": "true"}


@pytest.fixture
def manager_client(as_user, cafe_staff):
    return as_user(cafe_staff["manager"])


@pytest.fixture
def regulars(cafe):
    return [enrol(cafe, name=f"Regular {n}") for n in range(3)] + [enrol(cafe, name="Walk-in")]


def key() -> str:
    return uuid.uuid4().hex


def confirm(client, action: str, *, ids=(), all_matching: str | None = None, **fields):
    data = {"action": action, "confirm": "1", "ids": [m.pk for m in ids], **fields}
    if all_matching is not None:
        data |= {"all": "on", "filter": all_matching}
    return client.post(BULK, data)


def test_the_confirmation_page_names_how_many_members_and_asks_for_a_reason(manager_client, regulars):
    response = manager_client.post(BULK, {"action": "points", "ids": [regulars[0].pk, regulars[1].pk]})
    html = response.content.decode()
    assert response.status_code == 200
    assert "For 2 members." in html and 'name="reason"' in html and 'name="points"' in html
    assert re.search(r'name="key" value="[0-9a-f]{32}"', html)
    assert not LedgerEntry.objects.filter(kind=EntryKind.BONUS).exists()


def test_points_go_to_the_ticked_members_once_however_often_the_form_is_sent(manager_client, regulars):
    form_key = key()
    chosen = regulars[:2]
    first = confirm(manager_client, "points", ids=chosen, key=form_key, points="50", reason="Rainy day")
    action = BulkAction.objects.get()
    assert first.status_code == 302 and first["Location"] == reverse("portal:member_bulk_action", args=[action.pk])
    again = confirm(manager_client, "points", ids=chosen, key=form_key, points="50", reason="Rainy day")
    assert again["Location"] == first["Location"]
    grants = LedgerEntry.objects.filter(kind=EntryKind.BONUS, source=f"bulk:{action.pk}")
    assert sorted(grants.values_list("account_id", flat=True)) == sorted(m.account_id for m in chosen)
    assert set(grants.values_list("points", "reason")) == {(50, "Rainy day")}
    assert (action.status, action.total, action.done) == (BulkStatus.DONE, 2, 2)
    page = manager_client.get(first["Location"]).content.decode()
    assert "2 of 2 members" in page and "Rainy day" in page and "every 1s" not in page
    assert ledger_violations() == []


def test_a_reason_is_required_and_nothing_is_given_without_it(manager_client, regulars):
    response = confirm(manager_client, "points", ids=regulars[:1], key=key(), points="50", reason="")
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    assert not BulkAction.objects.exists()


def test_every_member_matching_the_filter_gets_the_voucher(manager_client, regulars, cafe):
    reward = Reward.objects.get(shop=cafe, code="free-coffee")
    response = confirm(
        manager_client, "voucher", all_matching="q=Regular", key=key(), reward=str(reward.pk), reason="Sorry"
    )
    assert response.status_code == 302
    names = set(Voucher.objects.filter(reward=reward).values_list("member__name", flat=True))
    assert names == {"Regular 0", "Regular 1", "Regular 2"}


def test_a_tag_is_added_shown_on_the_member_page_and_filters_the_table(manager_client, regulars):
    confirm(manager_client, "tag", ids=regulars[:2], key=key(), tag="Wholesale")
    confirm(manager_client, "tag", ids=regulars[1:3], key=key(), tag="wholesale ")  # the same tag, any case
    tagged = MemberTag.objects.filter(tag__name="Wholesale")
    assert sorted(tagged.values_list("member__name", flat=True)) == ["Regular 0", "Regular 1", "Regular 2"]
    page = manager_client.get(reverse("portal:member", args=[regulars[0].pk])).content.decode()
    assert '<span class="badge">Wholesale</span>' in page
    tag_id = tagged.first().tag_id
    listed = manager_client.get(MEMBERS, {"tag": tag_id, "export": "csv"}).content.decode()
    assert {row[0] for row in list(csv.reader(io.StringIO(listed)))[1:]} == {"Regular 0", "Regular 1", "Regular 2"}
    removed = manager_client.post(reverse("portal:member_tag_remove", args=[regulars[0].pk, tag_id]))
    assert removed.status_code == 302 and not tagged.filter(member=regulars[0]).exists()


def test_the_selection_downloads_as_csv(manager_client, regulars):
    response = manager_client.post(BULK, {"action": "export", "ids": [regulars[0].pk, regulars[3].pk]})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert response["Content-Disposition"] == 'attachment; filename="portal-cafe-members-selected.csv"'
    assert {row[0] for row in rows[1:]} == {"Regular 0", "Walk-in"} and rows[0][0] == "Name"


def test_nothing_selected_goes_back_with_a_message(manager_client, regulars):
    response = manager_client.post(BULK, {"action": "points", "filter": "q=Regular"}, follow=True)
    assert "Tick the members first" in response.content.decode()


def test_another_shops_members_are_never_in_the_selection(manager_client, regulars, other_shop):
    stranger = enrol(other_shop, name="Stranger")
    confirm(manager_client, "points", ids=[regulars[0], stranger], key=key(), points="5", reason="x")
    assert list(BulkActionMember.objects.values_list("member_id", flat=True)) == [regulars[0].pk]


def test_a_large_selection_runs_in_the_task_and_its_page_polls_while_it_runs(
    manager_client, regulars, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(bulk, "INLINE_LIMIT", 1)
    monkeypatch.setattr(bulk, "BATCH", 2)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        confirm(manager_client, "points", all_matching="", key=key(), points="7", reason="Big day")
    action = BulkAction.objects.get()
    assert (action.status, action.total, action.done) == (BulkStatus.RUNNING, 4, 0) and len(queued) == 1
    polling = manager_client.get(
        reverse("portal:member_bulk_action", args=[action.pk]), {"part": "progress"}, headers=HTMX
    )
    html = polling.content.decode()
    assert html.lstrip().startswith('<section class="card" id="bulk-progress"') and 'hx-trigger="every 1s"' in html
    assert "0 of 4 members" in html
    assert bulk.bulk_run(action.pk) == 4
    assert bulk.bulk_run(action.pk) == 0  # a second run (a redelivered task) gives nothing twice
    action.refresh_from_db()
    assert (action.status, action.done) == (BulkStatus.DONE, 4)
    assert LedgerEntry.objects.filter(source=f"bulk:{action.pk}").count() == 4
    assert ledger_violations() == []


def test_cashiers_cannot_act_on_a_selection(as_user, cafe_staff, regulars):
    cashier = as_user(cafe_staff["cashier"])
    assert confirm(cashier, "points", ids=regulars[:1], key=key(), points="5", reason="x").status_code == 403
    assert 'id="bulk-form"' not in cashier.get(MEMBERS).content.decode()


# ---------------------------------------------------------------- the list's cost


def test_the_managers_list_costs_a_fixed_number_of_queries_whatever_the_size(
    manager_client, regulars, cafe, django_assert_num_queries
):
    manager_client.get(MEMBERS)  # warm
    with django_assert_num_queries(QUERIES):
        manager_client.get(MEMBERS, {"last_visit": "-90", "consent": "false", "sort": "points"})
    for n in range(30):
        enrol(cafe, name=f"More {n}")
    with django_assert_num_queries(QUERIES):
        response = manager_client.get(MEMBERS, {"last_visit": "-90", "consent": "false", "sort": "points"})
    assert "34 members" in response.content.decode()


def test_past_the_count_limit_the_list_says_more_than(manager_client, regulars, monkeypatch):
    from loyalty.portal.tables import BoundedPaginator

    monkeypatch.setattr(BoundedPaginator, "COUNT_LIMIT", 2)
    html = manager_client.get(MEMBERS).content.decode()
    assert "More than 2 members" in html


# The session, the user, the staff membership with its shop (twice: the decorator and the layout), the program;
# the apps' filter choices (custom segments, membership plans); the bounded count; has the program tiers, their
# choices; has the shop tags; the page's rows.
QUERIES = 12
