"""The portal and a member's data: download (owner, manager), erasure on request (owner), consent history."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from loyalty.models import ConsentChange, ConsentSource, Member
from loyalty.services.invariants import ledger_violations
from loyalty.services.members import consent_set
from loyalty.services.purchases import purchase_record
from tests.factories import enrol


@pytest.fixture
def lan(shop):
    member = enrol(shop, phone="+84901234567", name="Nguyễn Lan", email="lan@example.com", marketing_consent=True,
                   consent_source=ConsentSource.COUNTER)  # fmt: skip
    purchase_record(shop=shop, external_id="R-1", amount=Decimal("200000"), member=member)
    return member


def url(name: str, member) -> str:
    return reverse(f"portal:{name}", kwargs={"member_id": member.pk})


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_the_owner_and_a_manager_download_the_members_data_as_a_json_file(as_user, role, request, lan):
    response = as_user(request.getfixturevalue(role)).get(url("member_data_export", lan))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == f'attachment; filename="{lan.shop.slug}-member-{lan.pk}.json"'
    data = json.loads(response.content)
    assert data["profile"]["name"] == "Nguyễn Lan" and data["purchases"][0]["external_id"] == "R-1"


def test_a_cashier_can_neither_download_nor_erase(as_user, cashier, lan):
    client = as_user(cashier)
    assert client.get(url("member_data_export", lan)).status_code == 403
    assert client.get(url("member_data_erase", lan)).status_code == 403
    assert client.post(url("member_data_erase", lan)).status_code == 403
    page = client.get(url("member", lan)).content.decode()
    assert url("member_data_export", lan) not in page and url("member_data_erase", lan) not in page
    assert Member.objects.get(pk=lan.pk).erased_at is None


def test_a_manager_cannot_erase(as_user, manager, lan):
    client = as_user(manager)
    assert client.post(url("member_data_erase", lan)).status_code == 403
    page = client.get(url("member", lan)).content.decode()
    assert url("member_data_export", lan) in page and url("member_data_erase", lan) not in page


def test_erasing_asks_first_naming_what_goes_and_what_stays(owner_client, lan):
    page = owner_client.get(url("member_data_erase", lan))
    content = page.content.decode()
    assert page.status_code == 200 and "Phone number, name, email and birthday" in content
    assert "Points history, purchases, refunds and vouchers" in content
    assert Member.objects.get(pk=lan.pk).erased_at is None


def test_the_owner_erases_and_the_page_shows_an_erased_member(owner_client, owner, lan):
    response = owner_client.post(url("member_data_erase", lan))
    assert response.status_code == 302 and response["Location"] == url("member", lan)
    member = Member.objects.get(pk=lan.pk)
    assert member.erased_at and member.name == "" and member.phone == f"erased-{lan.pk}"
    assert ConsentChange.objects.filter(member=lan, granted=False, source="erasure", by=owner).exists()
    assert ledger_violations() == []
    page = owner_client.get(url("member", lan)).content.decode()
    assert "Erased member" in page and "Nguyễn Lan" not in page and "+84 90" not in page
    assert url("member_data_erase", lan) not in page and url("member_consent", lan) not in page
    listing = owner_client.get(reverse("portal:members")).content.decode()
    assert "Erased member" in listing and "Nguyễn Lan" not in listing


def test_an_erased_member_cannot_be_erased_again_or_changed(owner_client, lan):
    owner_client.post(url("member_data_erase", lan))
    assert owner_client.post(url("member_data_erase", lan)).status_code == 404
    assert owner_client.post(url("member_consent", lan), {"marketing_consent": "on"}).status_code == 404
    assert not Member.objects.get(pk=lan.pk).marketing_consent


def test_the_member_page_lists_the_consent_history(owner_client, owner, lan):
    consent_set(member=lan, granted=False, source=ConsentSource.PORTAL, by=owner)
    page = owner_client.get(url("member", lan)).content.decode()
    history = page[page.index('id="consent-history"') :]
    assert "Agreed to marketing messages" in history and "Withdrew marketing consent" in history
    assert "Counter" in history and "Portal" in history and owner.email in history


def test_another_shops_member_is_404(owner_client, other_shop):
    theirs = enrol(other_shop)
    assert owner_client.get(url("member_data_export", theirs)).status_code == 404
    assert owner_client.get(url("member_data_erase", theirs)).status_code == 404
    assert owner_client.post(url("member_data_erase", theirs)).status_code == 404
    assert Member.objects.get(pk=theirs.pk).erased_at is None
