"""Printed things: sheets of pre-numbered member cards, and the shop's poster with its join QR code.

PDFs come from WeasyPrint with the fonts bundled in static/fonts (Noto Sans for Latin and Vietnamese, Noto Sans
Arabic for Persian), so a sheet prints the same on every server whatever fonts it has. WeasyPrint needs Pango;
it is imported only when a PDF is made, so the rest of the site runs where Pango is missing, and a missing
Pango becomes PrintingUnavailable with a message saying what to install."""

from __future__ import annotations

import base64
import io
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from loyalty.branding import shop_theme
from loyalty.errors import DomainError, NotFound, ValidationFailed
from loyalty.models import Card, Shop
from loyalty.qr import qr_svg

from .members import card_number_new

logger = logging.getLogger(__name__)

BATCH_MIN, BATCH_MAX = 1, 500
CARDS_PER_PAGE = 10
BATCH_CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
POSTER_PNG_DPI = 150
FONT_DIR = Path(settings.BASE_DIR) / "static" / "fonts"


class PrintingUnavailable(DomainError):
    """WeasyPrint or the Pango library it needs is not installed on this server."""

    code = "printing_unavailable"
    status = 503


class NoProgram(DomainError):
    """The shop has no program yet, so there is no join page for a poster's QR code to open."""

    code = "no_program"


@dataclass(frozen=True)
class PrintedBatch:
    code: str
    cards: list[Card]


# ---------------------------------------------------------------- card batches


def _batch_code_new(shop: Shop) -> str:
    """The day it was printed and four random letters, e.g. 261123-K7QX: short enough to write on the box."""
    day = timezone.localdate(timezone=shop.tz).strftime("%y%m%d")
    while True:
        code = f"{day}-{''.join(secrets.choice(BATCH_CODE_ALPHABET) for _ in range(4))}"
        if not Card.objects.filter(batch=code).exists():
            return code


def _free_numbers(count: int) -> list[str]:
    """`count` new card numbers that no card has yet (one query per draw, however many are asked for)."""
    numbers: set[str] = set()
    while len(numbers) < count:
        drawn = {card_number_new() for _ in range(count - len(numbers))} - numbers
        taken = set(Card.objects.filter(number__in=drawn).values_list("number", flat=True))
        numbers |= drawn - taken
    return sorted(numbers)


def card_batch_print(*, shop: Shop, count: int, actor_user=None) -> PrintedBatch:
    """`count` (1–500) unattached printed cards with fresh card numbers, all under one new batch code."""
    if not isinstance(count, int) or isinstance(count, bool) or not BATCH_MIN <= count <= BATCH_MAX:
        message = _("Print between %(min)s and %(max)s cards at a time.") % {"min": BATCH_MIN, "max": BATCH_MAX}
        raise ValidationFailed(message, fields={"count": message}, code="invalid_count")
    for _attempt in range(5):
        try:
            with transaction.atomic():
                code = _batch_code_new(shop)
                cards = Card.objects.bulk_create(
                    Card(shop=shop, number=number, printed=True, batch=code) for number in _free_numbers(count)
                )
        except IntegrityError:  # another request drew one of these numbers in the meantime: draw again
            continue
        logger.info("card batch %s: %s cards printed for shop %s by user %s", code, count, shop.pk, actor_user)
        return PrintedBatch(code=code, cards=cards)
    raise RuntimeError("could not draw free card numbers")


def batch_cards(shop: Shop, batch: str) -> list[Card]:
    """The shop's cards printed in this batch, in number order; another shop's batch is NotFound."""
    cards = list(Card.objects.filter(shop=shop, batch=batch, printed=True).order_by("number"))
    if not batch or not cards:
        raise NotFound(_("No such batch of cards."), code="batch_not_found")
    return cards


def card_number_grouped(number: str) -> str:
    """Groups of three digits, as printed under the QR code: 123 456 789."""
    return " ".join(number[i : i + 3] for i in range(0, len(number), 3))


# ---------------------------------------------------------------- PDF and PNG


def _weasyprint():
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango's shared library cannot be loaded
        logger.warning("printing unavailable: %s", error)
        raise PrintingUnavailable(
            _(
                "Printing is not available on this server: WeasyPrint needs the Pango library "
                "(on Debian or Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0)."
            )
        ) from None
    return weasyprint


def pdf_render(template: str, context: dict) -> bytes:
    """A print template rendered to PDF with the bundled fonts (see templates/print/base.html)."""
    html = render_to_string(template, {**context, "font_dir": FONT_DIR.as_uri()})
    weasyprint = _weasyprint()
    return weasyprint.HTML(string=html, base_url=str(FONT_DIR)).write_pdf()


def _svg_data_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _program_name(shop: Shop) -> str:
    """The program's name; a shop still being set up has none yet."""
    program = getattr(shop, "program", None)
    return program.name if program else ""


def _language_context(shop: Shop) -> dict:
    return {"language": shop.language, "rtl": translation.get_language_bidi()}


def logo_data_uri(shop: Shop) -> str:
    """The shop's logo (a PNG: loyalty/services/branding.py) to put into a PDF; none, or a file gone, is ""."""
    if not shop.logo:
        return ""
    try:
        with shop.logo.open("rb") as file:
            data = file.read()
    except (OSError, ValueError) as error:
        logger.warning("shop %s: logo %s unreadable: %s", shop.pk, shop.logo.name, error)
        return ""
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _branding_context(shop: Shop) -> dict:
    """The logo and the checked colours (loyalty/branding.py); a shop with neither prints the plain look."""
    return {"logo": logo_data_uri(shop), "theme": shop_theme(shop)}


def card_sheet_pdf(shop: Shop, batch: str) -> bytes:
    """The batch's cards on A4 pages, ten ISO ID-1 cards (85.6 × 54 mm) a page, each with the shop's and
    the program's names, a QR code holding exactly the card number, and the number in groups of three."""
    cards = [
        {"number": card.number, "grouped": card_number_grouped(card.number), "qr": _svg_data_uri(qr_svg(card.number))}
        for card in batch_cards(shop, batch)
    ]
    pages = [cards[i : i + CARDS_PER_PAGE] for i in range(0, len(cards), CARDS_PER_PAGE)]
    with translation.override(shop.language):
        context = {"shop": shop, "program_name": _program_name(shop), "pages": pages, "batch": batch}
        return pdf_render("print/cards.html", {**context, **_language_context(shop), **_branding_context(shop)})


def join_url(shop: Shop) -> str:
    """Where a customer joins the shop's program: the address in the poster's QR code."""
    from loyalty.member_site.access import absolute_url

    return absolute_url(reverse("join", kwargs={"slug": shop.slug}))


def poster_ready(shop: Shop) -> bool:
    """A poster needs the shop's program: without one the join page its QR code opens does not exist."""
    return getattr(shop, "program", None) is not None


def poster_context(shop: Shop) -> dict:
    """What the poster says, in the shop's language: its name, the join link and QR code, the program. A shop
    without a program gets no poster (NoProgram)."""
    from .templates import program_sentence

    if not poster_ready(shop):
        raise NoProgram(_("Set up your loyalty program first: the poster's QR code opens its join page."))
    url = join_url(shop)
    with translation.override(shop.language):
        return {
            "shop": shop,
            "program_name": _program_name(shop),
            "sentence": program_sentence(shop, shop.language),
            "join_url": url,
            "qr": _svg_data_uri(qr_svg(url)),
            **_language_context(shop),
            **_branding_context(shop),
        }


def poster_pdf(shop: Shop) -> bytes:
    """An A4 poster in the shop's language (right to left in Persian) with a big join QR code."""
    context = poster_context(shop)
    with translation.override(shop.language):
        return pdf_render("print/poster.html", context)


def pdf_page_png(pdf: bytes, *, dpi: int = POSTER_PNG_DPI) -> bytes:
    """The PDF's first page as a PNG (WeasyPrint writes no PNG; pdfium rasterises its PDF)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=dpi / 72).to_pil()
    finally:
        document.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def poster_png(shop: Shop) -> bytes:
    return pdf_page_png(poster_pdf(shop))
