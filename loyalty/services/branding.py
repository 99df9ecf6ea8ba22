"""A shop's branding: its logo and two colours (the rules are in loyalty/branding.py).

A logo is a JPEG, PNG or WebP that Pillow reads (an SVG, which could carry a script, is no image to it), at most
5 MB and 25 megapixels (checked before anything decodes it); it is stored as a PNG at most 512 pixels a side,
turned upright and without the photo's metadata."""

from __future__ import annotations

import io
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from loyalty.branding import colour_normal, primary_problem
from loyalty.errors import ValidationFailed
from loyalty.models import Shop

logger = logging.getLogger(__name__)

LOGO_MAX_BYTES = 5 * 1024 * 1024
LOGO_MAX_PIXELS = 25_000_000  # a small file can claim a huge picture that would fill the memory once decoded
LOGO_MAX_SIDE = 512
LOGO_FORMATS = {"JPEG", "PNG", "WEBP"}


def logo_problem(upload) -> str | None:
    """Why this upload cannot be a logo, or None. `upload` is a file Django's ImageField has opened (its `image`
    is Pillow's, not decoded yet)."""
    if upload.size > LOGO_MAX_BYTES:
        return _("The logo is too large: at most 5 MB.")
    image = getattr(upload, "image", None)
    if image is None or image.format not in LOGO_FORMATS:
        return _("Upload the logo as a JPEG, PNG or WebP image.")
    width, height = image.size
    if width * height > LOGO_MAX_PIXELS:
        return _("The logo has too many pixels: at most 25 megapixels.")
    return None


def logo_png(upload) -> bytes:
    """The logo upright, at most LOGO_MAX_SIDE pixels a side, as a PNG without metadata (transparency kept)."""
    upload.seek(0)
    with Image.open(upload) as opened:
        if opened.format not in LOGO_FORMATS or opened.width * opened.height > LOGO_MAX_PIXELS:
            raise ValueError("not a logo the form accepts")
        image = ImageOps.exif_transpose(opened)
        image.thumbnail((LOGO_MAX_SIDE, LOGO_MAX_SIDE))
        transparent = image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info
        image = image.convert("RGBA" if transparent else "RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _colour_checked(value: str, field: str) -> str:
    if not (value or "").strip():
        return ""
    colour = colour_normal(value)
    if colour is None:
        message = _("Write a colour as # and six hexadecimal digits, e.g. #0f766e.")
        raise ValidationFailed(message, fields={field: message}, code="invalid_colour")
    return colour


def _primary_checked(value: str) -> str:
    colour = _colour_checked(value, "brand_primary")
    suggestion = primary_problem(colour) if colour else None
    if suggestion:
        message = _(
            "Neither white nor black text is readable enough on %(colour)s (WCAG asks for 4.5:1). "
            "Choose a darker or a lighter colour, e.g. %(suggestion)s."
        ) % {"colour": colour, "suggestion": suggestion}
        raise ValidationFailed(message, fields={"brand_primary": message}, code="unreadable_colour")
    return colour


def _logo_made(upload) -> bytes:
    problem = logo_problem(upload)
    if problem is None:
        try:
            return logo_png(upload)
        except (ValueError, OSError, Image.DecompressionBombError) as error:
            logger.info("logo refused: %s", error)
            problem = _("Upload the logo as a JPEG, PNG or WebP image.")
    raise ValidationFailed(problem, fields={"logo": problem}, code="invalid_logo")


@transaction.atomic
def shop_branding_update(*, shop: Shop, primary: str, accent: str, logo=None, logo_remove: bool = False) -> Shop:
    """The shop's colours (empty: the default look) and its logo: a new upload replaces it, `logo_remove` takes it
    away, neither keeps it. The old logo's file is deleted once the change is committed."""
    primary, accent = _primary_checked(primary), _colour_checked(accent, "brand_accent")
    png = _logo_made(logo) if logo is not None else None
    locked = Shop.objects.select_for_update().get(pk=shop.pk)
    old_name = locked.logo.name
    fields = ["brand_primary", "brand_accent"]
    shop.brand_primary, shop.brand_accent = primary, accent
    if png is not None:
        shop.logo.save("logo.png", ContentFile(png), save=False)
        fields.append("logo")
    elif logo_remove:
        shop.logo = ""
        fields.append("logo")
    shop.save(update_fields=fields)
    if "logo" in fields and old_name:
        storage = shop.logo.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    return shop
