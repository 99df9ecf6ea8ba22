"""A manager merges a duplicate from the kept member's page: search, confirmation, the merge through the core's
service; cashiers cannot; another shop's member is never a candidate."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from loyalty.models import Member
from loyalty.services.purchases import purchase_record
from tests.factories import enrol


@pytest.fixture
def manager_client(as_user, cafe_staff):
    return as_user(cafe_staff["manager"])


@pytest.fixture
def pair(cafe):
    keep = enrol(cafe, phone="+84901234567", name="Nguyễn Thị Lan")
    duplicate = enrol(cafe, phone="+84907654321", name="Lan Nguyen")
    purchase_record(shop=cafe, external_id="D-1", amount=Decimal("400000"), member=duplicate)
    return keep, duplicate


def merge_url(member) -> str:
    return reverse("portal:member_merge", args=[member.pk])


def test_the_search_lists_other_members_but_not_the_kept_one(manager_client, pair, other_shop):
    keep, duplicate = pair
    enrol(other_shop, name="Lan Elsewhere")
    html = manager_client.get(merge_url(keep), {"q": "lan"}).content.decode()
    assert f"?duplicate={duplicate.pk}" in html and f"?duplicate={keep.pk}" not in html
    assert "Lan Elsewhere" not in html
    assert (
        manager_client.get(merge_url(keep), {"q": "0907 654 321"}).content.decode().count("This is the duplicate") == 1
    )


def test_the_confirmation_names_both_and_the_merge_moves_everything(manager_client, pair):
    keep, duplicate = pair
    page = manager_client.get(merge_url(keep), {"duplicate": duplicate.pk})
    html = page.content.decode()
    assert page.status_code == 200 and "Merge Lan Nguyen into Nguyễn Thị Lan?" in html and "cannot be undone" in html
    response = manager_client.post(merge_url(keep), {"duplicate": duplicate.pk})
    assert response.status_code == 302 and response["Location"] == reverse("portal:member", args=[keep.pk])
    duplicate.refresh_from_db()
    keep.account.refresh_from_db()
    assert duplicate.merged_into_id == keep.pk
    assert keep.account.points_balance == 10 and keep.account.purchases_count == 1
    assert set(keep.purchases.values_list("account_id", flat=True)) == {keep.account_id}


def test_a_member_cannot_be_merged_into_itself_nor_a_stranger_chosen(manager_client, pair, other_shop):
    keep, _duplicate = pair
    stranger = enrol(other_shop, name="Stranger")
    for chosen in (keep.pk, stranger.pk, "x"):
        response = manager_client.post(merge_url(keep), {"duplicate": chosen}, follow=True)
        assert "Choose the duplicate first." in response.content.decode()
    assert not Member.objects.filter(merged_into__isnull=False).exists()


def test_cashiers_cannot_merge(as_user, cafe_staff, pair):
    keep, duplicate = pair
    cashier = as_user(cafe_staff["cashier"])
    assert cashier.post(merge_url(keep), {"duplicate": duplicate.pk}).status_code == 403
    assert "Merge a duplicate" not in cashier.get(reverse("portal:member", args=[keep.pk])).content.decode()
