"""Owners create till API keys (shown once), see them listed and revoke them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from loyalty.models import ApiKey
from loyalty.models.api_keys import hash_key
from loyalty.services.api_keys import api_key_create
from tests.factories import LocationFactory

API_KEYS = reverse("portal:api_keys")


def revoke_url(key) -> str:
    return reverse("portal:api_key_revoke", kwargs={"api_key_id": key.pk})


def test_the_list_shows_each_keys_name_role_location_prefix_and_use(owner_client, shop, location, other_shop):
    key, _raw = api_key_create(shop=shop, role="manager", name="Till 1", location=location)
    api_key_create(shop=other_shop, role="cashier", name="Their till")
    html = owner_client.get(API_KEYS).content.decode()
    assert "Till 1" in html and "Manager" in html and "Old Quarter" in html and f"{key.prefix}…" in html
    assert "Never" in html and revoke_url(key) in html
    assert "Their till" not in html
    assert key.key_hash not in html


def test_a_new_key_is_shown_once_and_only_its_hash_is_kept(owner_client, shop, location):
    response = owner_client.post(
        reverse("portal:api_key_create"), {"name": "Till 2", "role": "cashier", "location": location.pk}
    )
    assert response.status_code == 200
    raw = response.context["raw_key"]
    html = response.content.decode()
    assert raw in html and "this is the only time it is shown" in html
    assert "no-store" in response["Cache-Control"]
    key = ApiKey.objects.get(shop=shop)
    assert (key.name, key.role, key.location, key.key_hash) == ("Till 2", "cashier", location, hash_key(raw))
    assert raw not in owner_client.get(API_KEYS).content.decode()


def test_the_new_key_works_on_the_till_api(owner_client, shop):
    response = owner_client.post(reverse("portal:api_key_create"), {"name": "Till", "role": "cashier"})
    raw = response.context["raw_key"]
    answer = owner_client.get(
        "/api/v1/members/lookup", {"q": "+84900000000"}, headers={"Authorization": f"Bearer {raw}"}
    )
    assert answer.status_code == 404  # a member not found, asked with a key that works


def test_a_key_needs_a_name_and_a_till_role(owner_client, shop):
    response = owner_client.post(reverse("portal:api_key_create"), {"name": "", "role": "owner"})
    assert set(response.context["form"].errors) == {"name", "role"}
    assert not ApiKey.objects.exists()


def test_another_shops_location_is_not_a_choice(owner_client, shop, other_shop):
    elsewhere = LocationFactory(shop=other_shop)
    response = owner_client.post(
        reverse("portal:api_key_create"), {"name": "Till", "role": "cashier", "location": elsewhere.pk}
    )
    assert response.context["form"].errors["location"]
    assert not ApiKey.objects.exists()


def test_revoking_asks_first_then_revokes(owner_client, shop):
    key, _raw = api_key_create(shop=shop, role="cashier", name="Till 1")
    page = owner_client.get(revoke_url(key)).content.decode()
    assert "Revoke the key “Till 1”?" in page and f'action="{revoke_url(key)}"' in page
    key.refresh_from_db()
    assert key.revoked_at is None

    response = owner_client.post(revoke_url(key), follow=True)
    assert response.redirect_chain == [(API_KEYS, 302)]
    assert "The key “Till 1” was revoked." in response.content.decode()
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert revoke_url(key) not in response.content.decode()


def test_a_revoked_key_cannot_be_revoked_again(owner_client, shop):
    key, _raw = api_key_create(shop=shop, role="cashier", name="Till 1")
    owner_client.post(revoke_url(key))
    key.refresh_from_db()
    revoked_at = key.revoked_at
    assert "already revoked" in owner_client.post(revoke_url(key), follow=True).content.decode()
    key.refresh_from_db()
    assert key.revoked_at == revoked_at


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_only_owners_manage_keys(as_user, request, role):
    client = as_user(request.getfixturevalue(role))
    assert client.get(API_KEYS).status_code == 403
    assert client.post(reverse("portal:api_key_create"), {"name": "x", "role": "cashier"}).status_code == 403


def test_the_list_costs_the_same_queries_for_many_keys(owner_client, shop, location):
    api_key_create(shop=shop, role="cashier", name="Till 0", location=location)
    with CaptureQueriesContext(connection) as with_one:
        owner_client.get(API_KEYS)
    for number in range(1, 10):
        api_key_create(shop=shop, role="cashier", name=f"Till {number}", location=LocationFactory(shop=shop))
    with CaptureQueriesContext(connection) as with_many:
        owner_client.get(API_KEYS)
    assert len(with_many) == len(with_one)
