"""The installable web app: the manifest, its icons, and a service worker whose scope covers the member pages."""

import io
import json

from django.contrib.staticfiles import finders
from django.urls import reverse
from PIL import Image


def test_the_manifest_describes_an_installable_app(client, db):
    response = client.get("/m/manifest.webmanifest")
    assert response.status_code == 200 and response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/m/", "/m/", "standalone")
    assert manifest["name"] and manifest["theme_color"].startswith("#")
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}


def test_the_icons_are_pngs_of_their_stated_size(client, db):
    for icon in json.loads(client.get("/m/manifest.webmanifest").content)["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        with Image.open(path) as image:
            assert image.format == "PNG" and f"{image.width}x{image.height}" == icon["sizes"]


def test_the_service_worker_is_javascript_served_from_the_member_pages(client, db):
    response = client.get("/m/sw.js")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/javascript")
    script = response.content.decode()
    assert 'const SCOPE = "/m/";' in script and "/static/member/member.css" in script
    assert "/static/icons/member-192.png" in script and "&quot;" not in script
    assert "no-cache" in response["Cache-Control"]


def test_kept_pages_outlive_a_new_version_only_the_assets_cache_is_versioned(client, db):
    from loyalty.member_site.views.pwa import assets_version

    script = client.get("/m/sw.js").content.decode()
    assert 'const PAGES = "regulars-member-pages";' in script
    assert f'const ASSETS_CACHE = "regulars-member-assets-{assets_version()}";' in script
    assert "caches.delete(key)" in script and "key !== PAGES" in script


def test_the_worker_keeps_only_card_pages_and_never_no_store_answers(client, db):
    script = client.get("/m/sw.js").content.decode()
    assert 'const NOT_SHOPS = ["admin", "api", "link", "manifest", "media", "sign-in", "static", "sw", ' in script
    assert "function isKeptPage(url)" in script and "/no-store/i.test(control)" in script
    assert "keep-page" in script  # the first visit's page, sent by the page once the worker is ready


def test_the_manifest_lets_the_phone_turn_and_lists_each_icon_purpose_on_its_own(client, db):
    response = client.get("/m/manifest.webmanifest")
    manifest = json.loads(response.content)
    assert "orientation" not in manifest
    assert sorted((icon["sizes"], icon["purpose"]) for icon in manifest["icons"]) == [
        ("192x192", "any"),
        ("192x192", "maskable"),
        ("512x512", "any"),
        ("512x512", "maskable"),
    ]
    assert "private" in response["Cache-Control"]  # it is in the visitor's language


def test_signing_out_clears_the_phones_kept_pages(phone, lan):
    response = phone.post(reverse("account_logout"), {"next": reverse("member:sign_in")})
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert "Clear-Site-Data" not in phone.get(reverse("member:sign_in"))


def test_member_pages_link_the_manifest_and_register_the_worker(phone, lan):
    html = phone.get(reverse("member:shop", kwargs={"slug": lan.shop.slug})).content.decode()
    assert '<link rel="manifest" href="/m/manifest.webmanifest">' in html
    assert 'data-service-worker="/m/sw.js"' in html and 'data-service-worker-scope="/m/"' in html


def test_the_portal_does_not_register_the_worker(client, owner):
    client.force_login(owner)
    assert "sw.js" not in client.get("/portal/", follow=True).content.decode()


def test_the_icons_are_real_images(db):
    with open(finders.find("icons/member-512.png"), "rb") as file:
        image = Image.open(io.BytesIO(file.read()))
        assert len(image.convert("RGB").getcolors(maxcolors=100_000)) > 2  # drawn, not a blank square
