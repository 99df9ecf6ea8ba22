"""A shop's colours on its pages: `{% brand_style shop %}` in a page's head sets the style sheet's custom properties
(`--brand`, `--brand-ink`, …) to the shop's theme; a shop with no colours gets nothing, so the default look stays.
Every value is a `#rrggbb` that loyalty.branding made from a checked colour, never what someone typed."""

from django import template
from django.utils.html import format_html

from loyalty.branding import DEFAULT_PRIMARY, shop_theme

register = template.Library()


@register.simple_tag
def brand_style(shop) -> str:
    theme = shop_theme(shop) if shop else None
    if theme is None:
        return ""
    return format_html("<style>{}</style>", theme.style_rule())


@register.simple_tag
def brand_colour(shop) -> str:
    """The shop's main colour (the browser's toolbar, `<meta name="theme-color">`), else the default."""
    theme = shop_theme(shop) if shop else None
    return theme.primary if theme is not None else DEFAULT_PRIMARY
