"""The base layout: accessible, right-to-left for Persian, CSRF for HTMX, and no links to pages that do not exist."""

import re

import pytest
from django.urls import reverse

from loyalty.portal.navigation import SECTIONS


def test_pages_load_the_own_css_and_the_vendored_htmx(client, db):
    html = client.get(reverse("home")).content.decode()
    assert '<link rel="stylesheet" href="/static/css/app.css">' in html
    assert '<script src="/static/vendor/htmx.min.js" defer></script>' in html
    assert "cdn" not in html.lower()


def test_the_csrf_token_rides_in_hx_headers_on_the_body(owner_client):
    html = owner_client.get(reverse("portal:home")).content.decode()
    token = re.search(r'<body hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'>', html)
    assert token and len(token.group(1)) >= 32


@pytest.mark.parametrize("language, direction", [("en", "ltr"), ("vi", "ltr"), ("fa", "rtl")])
def test_the_page_direction_follows_the_language(client, db, language, direction):
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    html = client.get(reverse("account_login")).content.decode()
    assert f'<html lang="{language}" dir="{direction}">' in html


def test_the_language_switcher_offers_every_language(client, db):
    html = client.get(reverse("account_login")).content.decode()
    assert reverse("set_language") in html
    assert all(f'<option value="{code}"' in html for code in ("en", "vi", "fa"))


def test_pages_are_translated(client, db):
    client.post(reverse("set_language"), {"language": "vi", "next": "/"})
    assert "Đăng nhập vào Regulars" in client.get(reverse("account_login")).content.decode()
    client.post(reverse("set_language"), {"language": "fa", "next": "/"})
    assert "ورود به Regulars" in client.get(reverse("account_login")).content.decode()


def test_the_owners_menu_links_only_to_pages_that_open(owner_client):
    html = owner_client.get(reverse("portal:home")).content.decode()
    menu = html.split('class="portal-nav"')[1].split("</nav>")[0]
    links = re.findall(r'href="([^"]+)"', menu)
    assert reverse("portal:staff") in links and reverse("portal:locations") in links
    for link in links:
        assert owner_client.get(link).status_code == 200, link


def test_the_menu_marks_the_current_section(owner_client, location):
    html = owner_client.get(reverse("portal:location_edit", args=[location.pk])).content.decode()
    assert f'<a href="{reverse("portal:locations")}" aria-current="page">' in html


def test_every_section_names_a_page_of_the_portal_or_the_counter():
    assert all(name.startswith(("portal:", "counter:")) for name, _label, _role in SECTIONS)


def test_owners_and_cashiers_find_the_counter_in_the_navigation(owner_client):
    assert f'href="{reverse("counter:home")}"' in owner_client.get(reverse("portal:members")).content.decode()


def test_the_sign_in_pages_look_like_the_product(client, db):
    for name in ("account_login", "account_signup", "account_reset_password", "account_request_login_code"):
        html = client.get(reverse(name)).content.decode()
        assert 'class="auth-card"' in html and 'class="button button--primary' in html, name


def test_a_stacked_table_labels_every_cell_for_a_phone(owner_client, shop):
    """On a phone a table's rows become cards with the header hidden: each cell carries its column's name."""
    from rewards.services import reward_save

    reward_save(shop=shop, name="Cake", kind="free_item", points=5, voucher_valid_days=30)
    html = owner_client.get(reverse("portal:rewards")).content.decode()
    assert 'data-label="Points"' in html and "table--stack" in html
