"""The contrast rules of a shop's colours (loyalty/branding.py), against WCAG 2's published figures."""

import pytest

from loyalty.branding import (
    GRAPHIC_CONTRAST,
    NEAR_BLACK,
    PAGE_BACKGROUND,
    TEXT_CONTRAST,
    WHITE,
    adjustments,
    colour_normal,
    contrast_ratio,
    darkened_to,
    primary_problem,
    relative_luminance,
    text_on,
    theme_of,
)


@pytest.mark.parametrize(
    ("first", "second", "ratio"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        ("#777777", "#ffffff", 4.48),  # the grey that just fails AA
        ("#767676", "#ffffff", 4.54),  # the lightest grey that passes
        ("#595959", "#ffffff", 7.0),
        ("#0000ff", "#ffffff", 8.59),
        ("#ff0000", "#ffffff", 4.0),
        ("#ffffff", "#0f766e", 5.47),  # the default teal's header
    ],
)
def test_the_contrast_ratio_matches_wcag(first, second, ratio):
    assert round(contrast_ratio(first, second), 2) == ratio
    assert contrast_ratio(second, first) == contrast_ratio(first, second)


def test_relative_luminance_runs_from_black_to_white():
    assert relative_luminance("#000000") == 0
    assert relative_luminance("#FFFFFF") == pytest.approx(1)
    assert relative_luminance("#808080") == pytest.approx(0.2159, abs=1e-4)


@pytest.mark.parametrize("value", ["", "red", "#fff", "#12345g", "0f766e", "#0f766e;}", "#0f766e0", None])
def test_only_six_hexadecimal_digits_make_a_colour(value):
    assert colour_normal(value) is None


def test_a_colour_is_lower_cased_and_trimmed():
    assert colour_normal("  #0F766E ") == "#0f766e"


@pytest.mark.parametrize(
    ("background", "ink"),
    [("#0f766e", WHITE), ("#1d4ed8", WHITE), ("#facc15", NEAR_BLACK), ("#ffffff", NEAR_BLACK), ("#a3e635", NEAR_BLACK)],
)
def test_text_on_a_colour_is_white_or_near_black_whichever_reads_better(background, ink):
    assert text_on(background) == ink
    assert contrast_ratio(text_on(background), background) >= TEXT_CONTRAST


def test_a_mid_tone_on_which_neither_reads_is_a_problem_with_a_darker_suggestion():
    assert primary_problem("#0f766e") is None
    assert primary_problem("#facc15") is None
    suggestion = primary_problem("#777777")
    assert suggestion == "#767676"
    assert contrast_ratio(WHITE, suggestion) >= TEXT_CONTRAST
    assert primary_problem("#e0457b") is not None  # a pink: 3.96:1 with white, 4.48:1 with near-black


def test_darkening_stops_as_soon_as_the_ratio_is_reached():
    assert darkened_to("#0f766e", WHITE, TEXT_CONTRAST) == "#0f766e"  # already enough: unchanged
    darker = darkened_to("#facc15", PAGE_BACKGROUND, TEXT_CONTRAST)
    assert contrast_ratio(darker, PAGE_BACKGROUND) >= TEXT_CONTRAST
    one_step_less = darkened_to("#facc15", PAGE_BACKGROUND, contrast_ratio(darker, PAGE_BACKGROUND) - 0.3)
    assert relative_luminance(one_step_less) > relative_luminance(darker)


def test_no_colours_is_no_theme_and_the_default_look_stays():
    assert theme_of("", "") is None
    assert theme_of("#777777", "") is None  # a refused colour counts as not set


def test_a_light_main_colour_gets_dark_text_and_darkened_links():
    theme = theme_of("#facc15", "")
    assert theme.primary == "#facc15" and theme.primary_ink == NEAR_BLACK
    assert contrast_ratio(theme.primary_text, PAGE_BACKGROUND) >= TEXT_CONTRAST
    assert contrast_ratio(theme.accent, WHITE) >= GRAPHIC_CONTRAST
    assert contrast_ratio(theme.soft, "#1f2937") >= TEXT_CONTRAST  # the messages' text on the tint
    assert adjustments("#facc15", "")["primary"] == ("#facc15", theme.primary_text)


def test_a_dark_main_colour_is_used_as_it_is():
    theme = theme_of("#1d4ed8", "#f59e0b")
    assert (theme.primary, theme.primary_ink, theme.primary_text) == ("#1d4ed8", WHITE, "#1d4ed8")
    assert adjustments("#1d4ed8", "#b45309") == {}


def test_an_accent_alone_keeps_the_default_main_colour():
    theme = theme_of("", "#b45309")
    assert theme.primary == "#0f766e" and theme.accent == "#b45309"


def test_the_style_rule_holds_nothing_but_custom_properties_and_colours():
    rule = theme_of("#1D4ED8", "#f59e0b").style_rule()
    assert rule.startswith(":root { --brand: #1d4ed8; --brand-ink: #ffffff; ")
    body = rule.removeprefix(":root { ").removesuffix("; }")
    for declaration in body.split("; "):
        name, value = declaration.split(": ")
        assert name.startswith("--") and colour_normal(value) == value


@pytest.mark.parametrize("primary", ["#0f766e", "#1d4ed8", "#facc15", "#767676", "#a3e635", "#7e22ce", "#000000"])
def test_the_focus_ring_and_the_header_text_show_on_any_accepted_main_colour(primary):
    properties = theme_of(primary).css_properties()
    assert contrast_ratio(properties["--brand-focus"], primary) >= GRAPHIC_CONTRAST
    assert contrast_ratio(properties["--brand-ink"], primary) >= TEXT_CONTRAST
    assert contrast_ratio(WHITE, properties["--brand-dark"]) >= TEXT_CONTRAST  # the buttons' hover: white on it
