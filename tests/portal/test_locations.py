"""Managers list, add and rename locations, with or without HTMX."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from loyalty.models import Location

LOCATIONS = reverse("portal:locations")
HTMX = {"HX-Request": "true"}


def test_the_list_shows_the_shops_locations_only(as_user, manager, location, other_shop):
    Location.objects.create(shop=other_shop, code="elsewhere", name="Somewhere Else")
    html = as_user(manager).get(LOCATIONS).content.decode()
    assert "Old Quarter" in html and "Somewhere Else" not in html


def test_adding_a_location_redirects_back_to_the_list(as_user, manager, shop):
    response = as_user(manager).post(LOCATIONS, {"name": "Tây Hồ"}, follow=True)
    assert response.redirect_chain == [(LOCATIONS, 302)]
    assert shop.locations.get(code="tay-ho").name == "Tây Hồ"
    assert "Tây Hồ was added." in response.content.decode()


def test_adding_with_htmx_returns_the_list(as_user, manager, shop):
    response = as_user(manager).post(LOCATIONS, {"name": "Tây Hồ"}, headers=HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="locations">') and "Tây Hồ" in html


def test_a_location_needs_a_name(as_user, manager, shop):
    response = as_user(manager).post(LOCATIONS, {"name": "  "})
    assert response.status_code == 200 and response.context["form"].errors["name"]
    assert not shop.locations.exists()


def test_renaming_on_its_own_page(as_user, manager, location):
    url = reverse("portal:location_edit", args=[location.pk])
    client = as_user(manager)
    assert 'value="Old Quarter"' in client.get(url).content.decode()
    assert client.post(url, {"name": "Phố Cổ"}).url == LOCATIONS
    location.refresh_from_db()
    assert (location.name, location.code) == ("Phố Cổ", "old-quarter")


def test_renaming_in_place_with_htmx(as_user, manager, location):
    url = reverse("portal:location_edit", args=[location.pk])
    client = as_user(manager)
    form = client.get(url, headers=HTMX).content.decode()
    assert form.lstrip().startswith(f'<li id="location-{location.pk}">') and "<form" in form
    row = client.post(url, {"name": "Phố Cổ"}, headers=HTMX).content.decode()
    assert row.lstrip().startswith(f'<li id="location-{location.pk}">') and "Phố Cổ" in row and "<form" not in row


def test_renaming_to_nothing_shows_the_error_in_place(as_user, manager, location):
    url = reverse("portal:location_edit", args=[location.pk])
    response = as_user(manager).post(url, {"name": ""}, headers=HTMX)
    assert response.context["form"].errors["name"]
    location.refresh_from_db()
    assert location.name == "Old Quarter"


def test_the_list_costs_the_same_queries_for_many_locations(as_user, manager, shop):
    client = as_user(manager)
    with CaptureQueriesContext(connection) as with_none:
        client.get(LOCATIONS)
    for number in range(10):
        Location.objects.create(shop=shop, code=f"loc-{number}", name=f"Location {number}")
    with CaptureQueriesContext(connection) as with_many:
        client.get(LOCATIONS)
    assert len(with_many) == len(with_none)
