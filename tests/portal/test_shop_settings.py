"""The owner changes the shop's name, country, time zone and customer language; the slug and currency stay."""

from loyalty.models import Shop

VALID = {"name": "Phở Lan", "country": "VN", "timezone": "Asia/Ho_Chi_Minh", "language": "vi"}


def test_the_owner_changes_the_shops_language_and_name_and_its_links_stay(as_user, owner, shop):
    slug, currency = shop.slug, shop.currency
    page = as_user(owner).get("/portal/settings/")
    assert page.status_code == 200 and 'name="currency"' not in page.content.decode()
    response = as_user(owner).post("/portal/settings/", VALID)
    assert response.status_code == 302
    shop = Shop.objects.get(pk=shop.pk)
    assert (shop.name, shop.language, shop.timezone) == ("Phở Lan", "vi", "Asia/Ho_Chi_Minh")
    assert (shop.slug, shop.currency) == (slug, currency)


def test_a_persian_shop_greets_its_joiners_in_persian(as_user, owner, shop, client):
    as_user(owner).post("/portal/settings/", {**VALID, "country": "IR", "timezone": "Asia/Tehran", "language": "fa"})
    assert 'dir="rtl"' in client.get(f"/j/{shop.slug}/").content.decode()


def test_a_bad_value_is_an_error_on_its_field_and_nothing_changes(as_user, owner, shop):
    response = as_user(owner).post("/portal/settings/", {**VALID, "timezone": "Mars/Olympus", "name": " "})
    assert response.status_code == 400
    assert Shop.objects.get(pk=shop.pk).name == shop.name
    errors = response.context["form"].errors
    assert "timezone" in errors and "name" in errors


def test_only_the_owner_changes_settings(as_user, manager, shop):
    assert as_user(manager).get("/portal/settings/").status_code == 403
    assert as_user(manager).post("/portal/settings/", VALID).status_code == 403
    assert Shop.objects.get(pk=shop.pk).name == shop.name


def test_settings_are_in_the_owners_menu(as_user, owner, manager):
    assert 'href="/portal/settings/"' in as_user(owner).get("/portal/").content.decode()
    assert 'href="/portal/settings/"' not in as_user(manager).get("/portal/").content.decode()
