"""The rewards catalogue in the portal and the counter's quick buttons: who may change them, and what each
change does; the catalogue services' rules."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from loyalty.errors import ValidationFailed
from loyalty.models import QuickItem
from loyalty.services.ledger import Actor
from loyalty.services.quick_items import quick_item_move, quick_item_save
from rewards.models import Reward
from rewards.services import reward_move, reward_redeem, reward_save, reward_set_active, rewards_reorder, voucher_cancel
from tests.factories import ProgramFactory, enrol

from .helpers import give_points

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def manager_client(as_user, staff):
    return as_user(staff["manager"].user)


def codes(shop) -> list[str]:
    return list(Reward.objects.filter(shop=shop).values_list("code", flat=True))


def reward_fields(**overrides) -> dict:
    fields = {"name": "Croissant", "kind": "free_item", "points": "15", "value": "30000", "voucher_valid_days": "30"}
    fields.update(overrides)
    return fields


# ---------------------------------------------------------------- who may


def test_cashiers_cannot_open_the_catalogue(counter, cafe):
    assert counter.get(reverse("portal:rewards")).status_code == 403
    assert counter.post(reverse("portal:reward_new"), reward_fields()).status_code == 403
    assert counter.get(reverse("portal:quick_items")).status_code == 403


def test_the_portal_menu_links_the_catalogue_for_managers(manager_client, cafe):
    page = manager_client.get(reverse("portal:home")).content.decode()
    assert f'href="{reverse("portal:rewards")}"' in page


# ---------------------------------------------------------------- the list


def test_the_catalogue_shows_redemption_counts_and_the_impact_counter(manager_client, cafe):
    member = enrol(cafe)
    give_points(member, 100)
    for _ in range(3):
        reward_redeem(member=member, reward_code="tree", actor=Actor(shop=cafe))
    cancelled = reward_redeem(member=member, reward_code="tree", actor=Actor(shop=cafe))
    voucher_cancel(shop=cafe, code=cancelled.code, actor=Actor(shop=cafe))
    reward_redeem(member=member, reward_code="free-coffee", actor=Actor(shop=cafe))
    page = manager_client.get(reverse("portal:rewards")).content.decode()
    assert "data-impact>3<" in page and "donations made by your members (Plant a tree)" in page
    row = page[page.index('id="reward-') :]
    assert "Free Coffee" in row and "worth ₫45,000" in row and "10 % off, at most ₫50,000" in row
    assert "1 / 1" in page  # the mug's stock


def test_the_catalogue_downloads_as_csv(manager_client, cafe):
    response = manager_client.get(reverse("portal:rewards"), {"export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("Reward,Code,Kind,Points,Value")
    assert lines[1].startswith("Free Coffee,free-coffee,Free item,10,45000")


def test_a_shop_without_donations_shows_no_impact_counter(manager_client, cafe):
    Reward.objects.filter(kind="donation").delete()
    assert "data-impact" not in manager_client.get(reverse("portal:rewards")).content.decode()


# ---------------------------------------------------------------- create, edit, reorder, activate


def test_a_reward_is_added_with_a_code_made_from_its_name(manager_client, cafe):
    response = manager_client.post(reverse("portal:reward_new"), reward_fields(tiers=["gold"], stock="5"), **HTMX)
    assert response.status_code == 200 and 'id="catalogue"' in response.content.decode()
    reward = Reward.objects.get(shop=cafe, code="croissant")
    assert (reward.points, reward.value, reward.tiers, reward.stock, reward.stock_left) == (
        15,
        Decimal("30000"),
        ["gold"],
        5,
        5,
    )
    assert codes(cafe)[-1] == "croissant"
    assert "Croissant was added to the catalogue." in response.content.decode()


def test_a_plain_form_post_is_redirected(manager_client, cafe):
    response = manager_client.post(reverse("portal:reward_new"), reward_fields(code="my-croissant"))
    assert response.status_code == 302 and response["Location"] == reverse("portal:rewards")
    assert Reward.objects.filter(shop=cafe, code="my-croissant").exists()


def test_a_reward_with_a_photo(manager_client, cafe, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    from io import BytesIO

    from PIL import Image

    image = BytesIO()
    Image.new("RGB", (4, 4), "red").save(image, "PNG")
    photo = SimpleUploadedFile("croissant.png", image.getvalue(), content_type="image/png")
    manager_client.post(reverse("portal:reward_new"), {**reward_fields(), "photo": photo})
    reward = Reward.objects.get(shop=cafe, code="croissant")
    assert reward.photo.name.startswith("rewards/croissant")
    assert reward.photo.url in manager_client.get(reverse("portal:rewards")).content.decode()


def png(width: int, height: int, mode="RGB", kind="PNG") -> bytes:
    from io import BytesIO

    from PIL import Image

    image = BytesIO()
    Image.new(mode, (width, height)).save(image, kind)
    return image.getvalue()


SVG_WITH_A_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        ("photo.svg", SVG_WITH_A_SCRIPT, "Upload a valid image."),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "Upload a valid image."),
        ("photo.png", png(6000, 5000, "1"), "too many pixels"),  # 30 megapixels in a few kilobytes
        ("photo.png", png(4, 4) + b"\x00" * (5 * 1024 * 1024), "The photo is too large"),
        ("photo.bmp", png(4, 4, kind="BMP"), "Upload a JPEG, PNG, WebP or GIF photo."),
    ],
    ids=["svg with a script", "broken png", "pixel bomb", "too large", "bitmap"],
)
def test_a_photo_that_is_not_a_small_picture_is_refused(manager_client, cafe, tmp_path, settings, name, body, message):
    settings.MEDIA_ROOT = tmp_path
    photo = SimpleUploadedFile(name, body, content_type="image/png")
    response = manager_client.post(reverse("portal:reward_new"), {**reward_fields(), "photo": photo})
    assert message in " ".join(response.context["form"].errors["photo"])
    assert not Reward.objects.filter(shop=cafe, code="croissant").exists()
    assert not list(tmp_path.rglob("*.*")), "nothing refused is stored"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "percent_off", "value": "120"}, "A percentage between 0 and 100."),
        ({"kind": "amount_off", "value": "0"}, "Enter the amount this reward is worth."),
        ({"value": "12.5"}, "VND has no smaller unit than 1."),
        ({"starts": "2026-05-01", "ends": "2026-04-01"}, "The last day must come after the first."),
        ({"code": "free-coffee"}, "Another reward has this code."),
        ({"name": " "}, "This field is required."),
    ],
)
def test_a_reward_with_mistakes_is_shown_again_with_them(manager_client, cafe, fields, message):
    before = codes(cafe)
    response = manager_client.post(reverse("portal:reward_new"), reward_fields(**fields), **HTMX)
    assert response.status_code == 200 and message in response.content.decode()
    assert codes(cafe) == before
    assert manager_client.post(reverse("portal:reward_new"), reward_fields(**fields)).status_code == 422


def test_a_reward_is_edited_in_place(manager_client, cafe):
    reward = Reward.objects.get(shop=cafe, code="ten-off")
    url = reverse("portal:reward_edit", kwargs={"reward_id": reward.pk})
    fragment = manager_client.get(url, **HTMX).content.decode()
    assert fragment.lstrip().startswith(f'<tr id="reward-{reward.pk}"') and 'value="10"' in fragment
    assert 'name="code"' not in fragment  # a code stays
    response = manager_client.post(
        url, reward_fields(name="15 % off", kind="percent_off", value="15", max_discount="60000", points="25"), **HTMX
    )
    reward.refresh_from_db()
    assert (reward.name, reward.value, reward.max_discount, reward.points, reward.code) == (
        "15 % off",
        Decimal("15"),
        Decimal("60000"),
        25,
        "ten-off",
    )
    assert 'id="catalogue"' in response.content.decode()


def test_an_edit_with_mistakes_answers_the_row_form_again(manager_client, cafe):
    reward = Reward.objects.get(shop=cafe, code="ten-off")
    url = reverse("portal:reward_edit", kwargs={"reward_id": reward.pk})
    response = manager_client.post(url, reward_fields(kind="percent_off", value="150"), **HTMX)
    assert response["HX-Retarget"] == f"#reward-{reward.pk}" and response["HX-Reswap"] == "outerHTML"
    assert "A percentage between 0 and 100." in response.content.decode()
    assert manager_client.get(url).status_code == 200  # the page of its own, without HTMX
    assert manager_client.post(url, reward_fields(kind="percent_off", value="150")).status_code == 422


def test_changing_the_stock_counts_the_vouchers_already_issued(manager_client, cafe):
    member = enrol(cafe)
    give_points(member, 100)
    reward_redeem(member=member, reward_code="mug", actor=Actor(shop=cafe))
    mug = Reward.objects.get(shop=cafe, code="mug")
    assert mug.stock_left == 0
    manager_client.post(
        reverse("portal:reward_edit", kwargs={"reward_id": mug.pk}),
        reward_fields(name="Mug", kind="gift", value="90000", points="30", stock="4"),
    )
    mug.refresh_from_db()
    assert (mug.stock, mug.stock_left) == (4, 3)


def test_rewards_move_up_and_down(manager_client, cafe):
    assert codes(cafe) == ["free-coffee", "ten-off", "tree", "mug"]
    tree = Reward.objects.get(shop=cafe, code="tree")
    url = reverse("portal:reward_move", kwargs={"reward_id": tree.pk})
    page = manager_client.post(url, {"direction": "up"}, **HTMX).content.decode()
    assert codes(cafe) == ["free-coffee", "tree", "ten-off", "mug"]
    shown = [page.index(f'<code class="muted">{code}</code>') for code in codes(cafe)]
    assert shown == sorted(shown)  # the list answered is in the new order
    manager_client.post(url, {"direction": "up"})
    manager_client.post(url, {"direction": "up"})  # already first: stays
    assert codes(cafe) == ["tree", "free-coffee", "ten-off", "mug"]
    manager_client.post(url, {"direction": "down"})
    assert codes(cafe) == ["free-coffee", "tree", "ten-off", "mug"]


def test_a_hidden_reward_cannot_be_redeemed_until_shown_again(manager_client, cafe):
    coffee = Reward.objects.get(shop=cafe, code="free-coffee")
    url = reverse("portal:reward_active", kwargs={"reward_id": coffee.pk})
    response = manager_client.post(url, {"active": "0"}, **HTMX)
    assert "Free Coffee is hidden" in response.content.decode()
    coffee.refresh_from_db()
    assert not coffee.active
    member = enrol(cafe)
    give_points(member, 20)
    from rewards.errors import NotEligible

    with pytest.raises(NotEligible):
        reward_redeem(member=member, reward_code="free-coffee", actor=Actor(shop=cafe))
    manager_client.post(url, {"active": "1"})
    coffee.refresh_from_db()
    assert coffee.active


# ---------------------------------------------------------------- quick buttons


def test_quick_buttons_are_added_edited_moved_and_hidden(manager_client, cafe):
    url = reverse("portal:quick_items")
    response = manager_client.post(
        url, {"label": "Latte", "amount": "45000", "sku": "latte", "category": "coffee", "active": "on"}, **HTMX
    )
    assert 'id="quick-items"' in response.content.decode() and "₫45,000" in response.content.decode()
    manager_client.post(url, {"label": "Tea", "amount": "30000", "active": "on"})
    latte, tea = QuickItem.objects.get(label="Latte"), QuickItem.objects.get(label="Tea")
    assert (latte.category, latte.position, tea.position) == ("coffee", 1, 2)

    edit = reverse("portal:quick_item_edit", kwargs={"quick_item_id": tea.pk})
    assert manager_client.get(edit, **HTMX).content.decode().lstrip().startswith(f'<tr id="quick-item-{tea.pk}"')
    manager_client.post(edit, {"label": "Green tea", "amount": "32000", "active": "on"}, **HTMX)
    tea.refresh_from_db()
    assert (tea.label, tea.amount) == ("Green tea", Decimal("32000"))

    manager_client.post(reverse("portal:quick_item_move", kwargs={"quick_item_id": tea.pk}), {"direction": "up"})
    assert list(QuickItem.objects.filter(shop=cafe).values_list("label", flat=True)) == ["Green tea", "Latte"]
    manager_client.post(reverse("portal:quick_item_active", kwargs={"quick_item_id": tea.pk}), {"active": "0"})
    tea.refresh_from_db()
    assert not tea.active


def test_a_quick_button_needs_a_price_in_the_shops_currency(manager_client, cafe):
    response = manager_client.post(reverse("portal:quick_items"), {"label": "Tea", "amount": "0.5"})
    assert response.status_code == 422 and "Enter a price in VND." in response.content.decode()
    response = manager_client.post(reverse("portal:quick_items"), {"label": "Tea", "amount": "0"})
    assert response.status_code == 422 and "The price must be above zero." in response.content.decode()
    assert not QuickItem.objects.exists()


def test_hidden_quick_buttons_are_not_on_the_counter(counter, cafe, coffee):
    member = enrol(cafe)
    QuickItem.objects.filter(pk=coffee.pk).update(active=False)
    page = counter.get(reverse("counter:member", kwargs={"member_id": member.pk})).content.decode()
    assert "data-quick-add" not in page


# ---------------------------------------------------------------- the services


def test_reward_save_checks_tiers_and_limits(cafe):
    with pytest.raises(ValidationFailed) as refused:
        reward_save(shop=cafe, name="X", kind="gift", tiers=["platinum"], per_member_limit=0, voucher_valid_days=0)
    assert set(refused.value.fields) == {"tiers", "per_member_limit", "voucher_valid_days"}


def test_reward_save_drops_a_cap_on_anything_but_a_percentage(cafe):
    reward = reward_save(
        shop=cafe,
        name="Cake",
        kind="amount_off",
        value=Decimal("20000"),
        max_discount=Decimal("5000"),
        voucher_valid_days=10,
    )
    assert reward.max_discount is None and reward.code == "cake"
    again = reward_save(shop=cafe, name="Cake", kind="gift", voucher_valid_days=10)
    assert again.code == "cake-2"


def test_another_shops_reward_cannot_be_saved_or_reordered(cafe):
    elsewhere = ProgramFactory().shop
    theirs = Reward.objects.create(shop=elsewhere, code="theirs", name="Theirs", kind="gift")
    from rewards.errors import RewardNotFound

    with pytest.raises(RewardNotFound):
        reward_save(shop=cafe, reward=theirs, name="Mine", kind="gift", voucher_valid_days=1)
    with pytest.raises(RewardNotFound):
        rewards_reorder(shop=cafe, reward_ids=[theirs.pk])
    with pytest.raises(RewardNotFound):
        reward_move(shop=cafe, reward=theirs, step=1)


def test_rewards_reorder_puts_the_named_first(cafe):
    mug, tree = (Reward.objects.get(shop=cafe, code=code) for code in ("mug", "tree"))
    rewards_reorder(shop=cafe, reward_ids=[mug.pk, tree.pk])
    assert codes(cafe) == ["mug", "tree", "free-coffee", "ten-off"]
    reward_set_active(reward=mug, active=False)
    assert not Reward.objects.get(pk=mug.pk).active


def test_quick_item_services_keep_to_the_shop(cafe):
    elsewhere = ProgramFactory().shop
    theirs = quick_item_save(shop=elsewhere, label="Theirs", amount="1000")
    from loyalty.errors import NotFound

    with pytest.raises(NotFound):
        quick_item_save(shop=cafe, item=theirs, label="Mine", amount="1000")
    with pytest.raises(NotFound):
        quick_item_move(shop=cafe, item=theirs, step=1)
