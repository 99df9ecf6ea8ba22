"""The print page: numbering new cards, their sheets and the poster as downloads; a member's lost card."""

from __future__ import annotations

import io
import re
import uuid

import pypdfium2
import pytest
from django.urls import reverse
from PIL import Image

from loyalty.errors import NotFound
from loyalty.models import Card
from loyalty.services import printing
from loyalty.services.members import member_lookup
from loyalty.services.printing import card_batch_print
from tests.factories import enrol


def page_count(pdf: bytes) -> int:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


@pytest.fixture
def manager_client(as_user, manager):
    return as_user(manager)


def number_cards(client, count, *, key: str | None = None, **options):
    """Posts the print page's form as a browser does: with the idempotency key the page gave it."""
    data = {"count": count, "idempotency_key": key or uuid.uuid4().hex}
    return client.post(reverse("portal:print_cards"), data, **options)


# ---------------------------------------------------------------- roles


@pytest.mark.parametrize(
    ("name", "method"),
    [("portal:print", "get"), ("portal:print_cards", "post"), ("portal:print_poster_pdf", "get")],
)
def test_cashiers_cannot_print(as_user, cashier, name, method):
    response = getattr(as_user(cashier), method)(reverse(name), {"count": 10} if method == "post" else None)
    assert response.status_code == 403
    assert not Card.objects.exists()


def test_the_print_section_is_in_a_managers_menu_and_not_a_cashiers(as_user, manager, cashier):
    url = reverse("portal:print")
    assert f'href="{url}"' in as_user(manager).get(reverse("portal:home")).content.decode()
    assert f'href="{url}"' not in as_user(cashier).get(reverse("portal:home")).content.decode()


# ---------------------------------------------------------------- card batches


def test_a_manager_numbers_cards_and_sees_the_batch_with_its_sheet(manager_client, shop):
    response = number_cards(manager_client, 11)
    assert response.status_code == 302
    batch = Card.objects.get(shop=shop, number=Card.objects.filter(shop=shop).first().number).batch
    assert Card.objects.filter(shop=shop, batch=batch, printed=True, member__isnull=True).count() == 11
    page = manager_client.get(reverse("portal:print")).content.decode()
    sheet_url = reverse("portal:print_card_sheet", kwargs={"batch": batch})
    assert batch in page and sheet_url in page
    sheet = manager_client.get(sheet_url)
    assert sheet.status_code == 200
    assert sheet["Content-Type"] == "application/pdf"
    assert f"{shop.slug}-cards-{batch}.pdf" in sheet["Content-Disposition"]
    assert page_count(sheet.content) == 2


def test_the_batch_list_counts_the_cards_given_to_members(manager_client, shop):
    batch = card_batch_print(shop=shop, count=4)
    enrol(shop, card_number=batch.cards[0].number)
    enrol(shop, card_number=batch.cards[1].number)
    response = manager_client.get(reverse("portal:print"))
    assert response.context["batches"] == [
        {"batch": batch.code, "printed_at": batch.cards[0].created_at, "cards": 4, "attached": 2}
    ]


@pytest.mark.parametrize("count", ["0", "501", "ten", ""])
def test_a_wrong_number_of_cards_is_a_form_error(manager_client, shop, count):
    response = number_cards(manager_client, count)
    assert response.status_code == 200
    assert response.context["form"].errors["count"]
    assert not Card.objects.filter(shop=shop).exists()


def test_with_htmx_numbering_answers_the_batch_list(manager_client, shop):
    response = number_cards(manager_client, 3, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="batches"' in html and "<html" not in html
    assert Card.objects.filter(shop=shop).count() == 3


def test_a_double_click_numbers_one_batch(manager_client, shop):
    page = manager_client.get(reverse("portal:print")).content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page).group(1)
    first = number_cards(manager_client, 5, key=key)
    second = number_cards(manager_client, 5, key=key)
    assert first.status_code == second.status_code == 302
    assert Card.objects.filter(shop=shop).count() == 5
    assert len({card.batch for card in Card.objects.filter(shop=shop)}) == 1


def test_a_double_click_with_htmx_numbers_one_batch_and_answers_the_list_twice(manager_client, shop):
    key = uuid.uuid4().hex
    for _ in range(2):
        response = number_cards(manager_client, 4, key=key, headers={"HX-Request": "true"})
        assert response.status_code == 200 and 'id="batches"' in response.content.decode()
    assert Card.objects.filter(shop=shop).count() == 4


def test_a_refused_count_can_be_corrected_and_sent_with_the_same_key(manager_client, shop):
    key = uuid.uuid4().hex
    assert number_cards(manager_client, 0, key=key).status_code == 200
    assert number_cards(manager_client, 2, key=key).status_code == 302
    assert Card.objects.filter(shop=shop).count() == 2


def test_another_shops_batch_is_404(manager_client, other_shop):
    batch = card_batch_print(shop=other_shop, count=2)
    assert manager_client.get(reverse("portal:print_card_sheet", kwargs={"batch": batch.code})).status_code == 404


# ---------------------------------------------------------------- the poster


def test_the_poster_downloads_as_a_pdf_and_a_png(manager_client, shop):
    pdf = manager_client.get(reverse("portal:print_poster_pdf"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert page_count(pdf.content) == 1
    png = manager_client.get(reverse("portal:print_poster_png"))
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(png.content)).size[0] > 1000


def test_without_pango_the_page_says_what_to_install(manager_client, monkeypatch):
    def missing():
        raise printing.PrintingUnavailable("Printing is not available on this server: install Pango.")

    monkeypatch.setattr(printing, "_weasyprint", missing)
    response = manager_client.get(reverse("portal:print_poster_pdf"))
    assert response.status_code == 503
    assert "Printing is not available on this server" in response.content.decode()


def test_a_missing_pango_library_becomes_printing_unavailable(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def failing_import(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", failing_import)
    with pytest.raises(printing.PrintingUnavailable, match="libpango"):
        printing._weasyprint()


# ---------------------------------------------------------------- a member's lost card


def test_a_lost_card_is_blocked_from_the_members_page(as_user, cashier, shop):
    member = enrol(shop)
    card = member.cards.get()
    client = as_user(cashier)
    page = client.get(reverse("portal:member", kwargs={"member_id": member.pk})).content.decode()
    block_url = reverse("portal:member_card_block", kwargs={"card_id": card.pk})
    assert block_url in page and "Block (lost)" in page
    response = client.post(block_url)
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.blocked_at is not None
    with pytest.raises(NotFound):
        member_lookup(shop, card.number)


def test_a_replacement_card_is_attached_and_the_old_one_blocked(as_user, cashier, shop):
    member = enrol(shop)
    old = member.cards.get()
    replacement = card_batch_print(shop=shop, count=1).cards[0]
    response = as_user(cashier).post(
        reverse("portal:member_card_attach", kwargs={"member_id": member.pk}),
        {"card_number": printing.card_number_grouped(replacement.number)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert 'id="cards"' in response.content.decode()
    old.refresh_from_db()
    assert old.blocked_at is not None
    assert member_lookup(shop, replacement.number) == member


@pytest.mark.parametrize(
    ("number", "error"),
    [("123456780", "not valid"), ("another member's", "belongs to another member")],
)
def test_a_card_that_cannot_be_given_is_a_form_error(as_user, cashier, shop, number, error):
    member = enrol(shop)
    if number == "another member's":
        number = enrol(shop).cards.get().number
    response = as_user(cashier).post(
        reverse("portal:member_card_attach", kwargs={"member_id": member.pk}), {"card_number": number}
    )
    assert response.status_code == 200
    assert error in " ".join(response.context["card_form"].errors["card_number"])
    assert member.cards.get().blocked_at is None


def test_the_print_page_links_open_the_file_so_a_problem_page_can_show(manager_client, shop):
    """With `download` a browser saves whatever comes back, so the 503 page saying what to install was never seen;
    Content-Disposition already makes the files downloads."""
    card_batch_print(shop=shop, count=1)
    page = manager_client.get(reverse("portal:print")).content.decode()
    assert "/print/poster.pdf" in page and "/print/poster.png" in page and "/print/cards/" in page
    assert not re.search(r"<a [^>]*\bdownload\b", page)


def test_a_shop_without_a_program_gets_no_poster(as_user, db):
    from tests.factories import ShopFactory, StaffFactory

    client = as_user(StaffFactory(shop=ShopFactory(), role="manager").user)
    page = client.get(reverse("portal:print")).content.decode()
    assert "Set up your loyalty program first" in page and "/print/poster.pdf" not in page
    for name in ("portal:print_poster_pdf", "portal:print_poster_png"):
        response = client.get(reverse(name))
        assert response.status_code == 409 and response["Content-Type"].startswith("text/html")
        assert "Set up your loyalty program first" in response.content.decode()


def test_the_poster_service_refuses_a_shop_without_a_program(db):
    from tests.factories import ShopFactory

    with pytest.raises(printing.NoProgram):
        printing.poster_context(ShopFactory())
