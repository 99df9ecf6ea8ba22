"""Printed member cards: batches of pre-numbered cards, their PDF sheet, the shop's poster, lost cards."""

from __future__ import annotations

import ctypes
import io
import re
from datetime import timedelta

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest
from django.utils import timezone, translation
from fontTools.ttLib import TTFont
from PIL import Image

from loyalty.errors import CardInUse, NotFound, ValidationFailed
from loyalty.models import Card
from loyalty.services.members import card_attach, card_block, card_number_valid, member_lookup
from loyalty.services.printing import (
    BATCH_MAX,
    POSTER_PNG_DPI,
    card_batch_print,
    card_number_grouped,
    card_sheet_pdf,
    join_url,
    poster_context,
    poster_pdf,
    poster_png,
)
from loyalty.services.templates import program_sentence
from tests.factories import ProgramFactory, enrol

BUNDLED_FONTS = {"Noto Sans Bold", "Noto Sans Regular", "Noto Sans Arabic Bold", "Noto Sans Arabic Regular"}


def pdf_pages(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def pdf_fonts(pdf: bytes) -> set[str]:
    """The full name (in the font file's own name table) of the font of every text on every page, each
    checked to be embedded in the PDF, so a font the server happened to have would show as itself."""
    names = set()
    document = pypdfium2.PdfDocument(pdf)
    try:
        for page in document:
            for text in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT]):
                font = pdfium_c.FPDFTextObj_GetFont(text.raw)
                assert pdfium_c.FPDFFont_GetIsEmbedded(font)
                size = ctypes.c_size_t()
                pdfium_c.FPDFFont_GetFontData(font, None, 0, ctypes.byref(size))
                data = (ctypes.c_uint8 * size.value)()
                pdfium_c.FPDFFont_GetFontData(font, data, size.value, ctypes.byref(size))
                names.add(TTFont(io.BytesIO(bytes(data)))["name"].getDebugName(4))
    finally:
        document.close()
    return names


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ---------------------------------------------------------------- batches


def test_a_batch_is_that_many_unattached_printed_cards_with_valid_unique_numbers(shop):
    batch = card_batch_print(shop=shop, count=25)
    cards = Card.objects.filter(shop=shop, batch=batch.code)
    assert cards.count() == len(batch.cards) == 25
    numbers = [card.number for card in cards]
    assert len(set(numbers)) == 25
    assert all(card_number_valid(number) for number in numbers)
    assert all(card.printed and card.member_id is None and card.blocked_at is None for card in cards)


def test_each_batch_has_its_own_code(shop):
    first, second = card_batch_print(shop=shop, count=1), card_batch_print(shop=shop, count=1)
    assert first.code != second.code
    assert first.cards[0].number != second.cards[0].number


@pytest.mark.parametrize("count", [0, -3, BATCH_MAX + 1, "10", None, True])
def test_a_batch_of_a_wrong_size_is_refused_and_prints_nothing(shop, count):
    with pytest.raises(ValidationFailed) as refused:
        card_batch_print(shop=shop, count=count)
    assert "count" in refused.value.fields
    assert "500" in refused.value.message
    assert not Card.objects.filter(shop=shop).exists()


def test_the_largest_batch_is_allowed(shop):
    assert len(card_batch_print(shop=shop, count=BATCH_MAX).cards) == BATCH_MAX


def test_a_printed_card_is_attached_at_the_counter_and_finds_its_member(shop):
    number = card_batch_print(shop=shop, count=3).cards[1].number
    member = enrol(shop, card_number=number)
    assert member_lookup(shop, card_number_grouped(number)) == member


# ---------------------------------------------------------------- the sheet


@pytest.mark.parametrize(("count", "pages"), [(10, 1), (11, 2), (25, 3)])
def test_the_sheet_has_ten_cards_a_page_each_with_its_number(shop, count, pages):
    batch = card_batch_print(shop=shop, count=count)
    texts = pdf_pages(card_sheet_pdf(shop, batch.code))
    assert len(texts) == pages
    everything = compact("".join(texts))
    assert all(card.number in everything for card in batch.cards)
    assert [compact(text).count(shop.name.replace(" ", "")) for text in texts][-1] == count - 10 * (pages - 1)


def test_the_sheet_prints_the_number_in_groups_of_three(shop):
    batch = card_batch_print(shop=shop, count=1)
    assert card_number_grouped(batch.cards[0].number) in pdf_pages(card_sheet_pdf(shop, batch.code))[0]


def test_another_shops_batch_has_no_sheet(shop, other_shop):
    batch = card_batch_print(shop=other_shop, count=2)
    with pytest.raises(NotFound):
        card_sheet_pdf(shop, batch.code)


def test_card_numbers_are_grouped_in_threes():
    assert card_number_grouped("123456789") == "123 456 789"
    assert card_number_grouped("1234567") == "123 456 7"


# ---------------------------------------------------------------- fonts


def test_pdfs_embed_only_the_bundled_fonts_and_render_vietnamese_and_persian(db):
    cafe = ProgramFactory(shop__name="Quán Cà Phê Đức", name="کافه").shop
    batch = card_batch_print(shop=cafe, count=1)
    pdf = card_sheet_pdf(cafe, batch.code)
    assert pdf_fonts(pdf) == {"Noto Sans Bold", "Noto Sans Arabic Regular"}
    text = pdf_pages(pdf)[0]
    assert "Quán Cà Phê Đức" in text
    assert "کافه" in text
    assert "\ufffd" not in text


def test_a_persian_poster_reads_right_to_left_in_the_bundled_arabic_font(db):
    shop = ProgramFactory(shop__name="کافه دوست", shop__language="fa", shop__currency="IRR", name="باشگاه").shop
    context = poster_context(shop)
    assert context["rtl"] is True
    pdf = poster_pdf(shop)
    assert {"Noto Sans Arabic Bold", "Noto Sans Arabic Regular"} <= pdf_fonts(pdf)
    assert pdf_fonts(pdf) <= BUNDLED_FONTS
    text = pdf_pages(pdf)[0]
    assert "کافه دوست" in text
    assert "\ufffd" not in text


# ---------------------------------------------------------------- the poster


def test_the_posters_qr_code_and_link_are_the_shops_absolute_join_address(shop, settings):
    settings.SITE_URL = "https://regulars.example.com"
    assert join_url(shop) == f"https://regulars.example.com/j/{shop.slug}/"
    context = poster_context(shop)
    assert context["join_url"] == join_url(shop)
    text = pdf_pages(poster_pdf(shop))[0]
    assert compact(join_url(shop)) in compact(text)
    assert shop.name in text
    assert compact(program_sentence(shop)) in compact(text)


def test_the_poster_speaks_the_shops_language_whatever_the_page_is_shown_in(db):
    shop = ProgramFactory(shop__language="vi").shop
    with translation.override("vi"):
        in_vietnamese = program_sentence(shop, "vi")
    with translation.override("en"):
        context = poster_context(shop)
    assert context["sentence"] == in_vietnamese
    assert "40.000" in context["sentence"]  # Vietnamese digit grouping, not 40,000
    assert context["language"] == "vi" and context["rtl"] is False


def test_the_poster_png_is_one_a4_page_at_150_dpi(shop):
    png = poster_png(shop)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    width, height = (round(mm / 25.4 * POSTER_PNG_DPI) for mm in (210, 297))
    assert abs(image.size[0] - width) <= 1 and abs(image.size[1] - height) <= 1  # 1240 × 1754 at 150 dpi
    assert image.convert("L").getextrema() == (0, 255)  # black QR modules on white paper


# ---------------------------------------------------------------- lost cards


def test_a_blocked_card_finds_no_member_and_a_replacement_does(shop):
    member = enrol(shop)
    lost = member.cards.get()
    card_block(card=lost)
    with pytest.raises(NotFound):
        member_lookup(shop, lost.number)
    replacement = card_batch_print(shop=shop, count=1).cards[0]
    card_attach(member=member, number=replacement.number)
    assert member_lookup(shop, replacement.number) == member


def test_blocking_twice_keeps_the_first_time_and_touches_no_other_card(shop):
    member, other = enrol(shop), enrol(shop)
    card = member.cards.get()
    first = timezone.now() - timedelta(days=1)
    card_block(card=card, at=first)
    card_block(card=card)
    card.refresh_from_db()
    assert card.blocked_at == first
    assert other.cards.get().blocked_at is None
    assert Card.objects.get(pk=card.pk).member == member


def test_a_blocked_card_cannot_be_attached_again(shop):
    member = enrol(shop)
    lost = card_batch_print(shop=shop, count=1).cards[0]
    card_attach(member=member, number=lost.number)
    card_block(card=lost)
    with pytest.raises(CardInUse):
        card_attach(member=enrol(shop), number=lost.number)
