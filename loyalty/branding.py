"""A shop's colours, checked for contrast the way WCAG 2 measures it, and the look they give its pages and prints.

A colour is `#rrggbb` (parsed here, so nothing else ever reaches a style sheet). The rules:

- text on the primary colour (the member pages' header and buttons, the join page's buttons) is white or
  near-black, whichever contrasts more; a primary colour on which neither reaches 4.5:1 (WCAG AA for text) is
  refused, with the nearest darker colour that works offered instead;
- links and headings on the page use the primary colour darkened, where needed, until it reaches 4.5:1 on the
  page's background;
- the accent colour (progress bars, stamps, the band on cards and posters) is darkened, where needed, until it
  reaches 3:1 on white (WCAG's minimum for graphics), so bars and stamps still show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEX_COLOUR = re.compile(r"^#[0-9a-f]{6}$")

WHITE = "#ffffff"
NEAR_BLACK = "#111827"
PAGE_BACKGROUND = "#f3f5f7"  # the member pages' background (static/member/member.css), darker than the white cards
TEXT_CONTRAST = 4.5  # WCAG 2 AA, normal text
GRAPHIC_CONTRAST = 3.0  # WCAG 2 AA, graphical objects (1.4.11)
SOFT_SHARE = 0.15  # how much of the primary colour tints the light backgrounds (messages)

# The look with no branding: the colours static/member/member.css and static/css/app.css start from.
DEFAULT_PRIMARY = "#0f766e"
DEFAULT_PRIMARY_TEXT = "#115e59"
DEFAULT_SOFT = "#ccfbf1"


def colour_normal(value: str) -> str | None:
    """`#RRGGBB` or `#rrggbb` (spaces around allowed) as `#rrggbb`; anything else is None."""
    value = (value or "").strip().lower()
    return value if HEX_COLOUR.match(value) else None


def _rgb(colour: str) -> tuple[int, int, int]:
    normal = colour_normal(colour)
    if normal is None:
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    return int(normal[1:3], 16), int(normal[3:5], 16), int(normal[5:7], 16)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(channel))):02x}" for channel in rgb)


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """WCAG 2's relative luminance: 0 for black, 1 for white."""
    r, g, b = (_linear(channel) for channel in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2's contrast ratio, from 1 (the same) to 21 (black on white); the order does not matter."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_on(background: str) -> str:
    """White or near-black, whichever reads better on the background."""
    return WHITE if contrast_ratio(WHITE, background) >= contrast_ratio(NEAR_BLACK, background) else NEAR_BLACK


def mix(colour: str, other: str, share: float) -> str:
    """`share` of `colour` and the rest of `other`, channel by channel."""
    ours, theirs = _rgb(colour), _rgb(other)
    return _hex(tuple(share * a + (1 - share) * b for a, b in zip(ours, theirs, strict=True)))


def darkened_to(colour: str, against: str, ratio: float) -> str:
    """The colour itself if it reaches `ratio` on `against`, else the least darkening of it (towards black) that
    does. `against` must be light enough for black to reach the ratio (all the page colours here are)."""
    for step in range(101):
        candidate = mix("#000000", colour, step / 100)
        if contrast_ratio(candidate, against) >= ratio:
            return candidate
    return "#000000"


def primary_problem(colour: str) -> str | None:
    """None when white or near-black text reaches 4.5:1 on the colour; else a darker colour on which white does
    (the suggestion to offer)."""
    if contrast_ratio(text_on(colour), colour) >= TEXT_CONTRAST:
        return None
    return darkened_to(colour, WHITE, TEXT_CONTRAST)


@dataclass(frozen=True)
class Theme:
    """The colours a shop's pages and prints use, every one a checked `#rrggbb`."""

    primary: str
    primary_ink: str  # text on the primary colour
    primary_text: str  # links and headings on the page
    soft: str  # light backgrounds (messages)
    accent: str  # bars, stamps, bands

    def css_properties(self) -> dict[str, str]:
        """The member pages' and the join page's custom properties (static/member/member.css, static/css/app.css)."""
        return {
            "--brand": self.primary,
            "--brand-ink": self.primary_ink,
            "--brand-dark": self.primary_text,
            "--brand-soft": self.soft,
            "--accent": self.accent,
            "--brand-focus": "#fde047" if self.primary_ink == WHITE else NEAR_BLACK,
        }

    def style_rule(self) -> str:
        """`:root { --brand: #…; … }`: only colours this module made, never what someone typed."""
        body = "; ".join(f"{name}: {value}" for name, value in self.css_properties().items())
        return ":root { " + body + "; }"


def theme_of(primary: str, accent: str = "") -> Theme | None:
    """The theme of a shop's colours; None when it set neither (its pages keep the default look). A primary
    colour that fails its rule (which the settings form refuses) counts as not set; without one, the default
    primary stays and the accent alone changes."""
    primary, accent = colour_normal(primary), colour_normal(accent)
    if primary is not None and primary_problem(primary) is not None:
        primary = None
    if primary is None and accent is None:
        return None
    if primary is None:
        main = (DEFAULT_PRIMARY, WHITE, DEFAULT_PRIMARY_TEXT, DEFAULT_SOFT)
    else:
        text = darkened_to(primary, PAGE_BACKGROUND, TEXT_CONTRAST)
        main = (primary, text_on(primary), text, mix(primary, WHITE, SOFT_SHARE))
    return Theme(*main, accent=darkened_to(accent or main[0], WHITE, GRAPHIC_CONTRAST))


def shop_theme(shop) -> Theme | None:
    return theme_of(shop.brand_primary, shop.brand_accent)


def adjustments(primary: str, accent: str) -> dict[str, tuple[str, str]]:
    """Which chosen colours the pages use darkened, as {"primary"/"accent": (chosen, used)}: what to warn of."""
    theme = theme_of(primary, accent)
    changed = {}
    primary, accent = colour_normal(primary), colour_normal(accent)
    if theme is not None and primary and theme.primary_text != primary:
        changed["primary"] = (primary, theme.primary_text)
    if theme is not None and accent and theme.accent != accent:
        changed["accent"] = (accent, theme.accent)
    return changed
