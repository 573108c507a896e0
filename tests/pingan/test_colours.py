"""Identity colours: WCAG contrast figures, and backgrounds nudged only as far as needed."""

from __future__ import annotations

import pytest

from pingan.colours import (
    MINIMUM_CONTRAST,
    contrast_ratio,
    readable_background,
    relative_luminance,
)


@pytest.mark.parametrize(
    ("a", "b", "ratio"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        ("#767676", "#ffffff", 4.54),  # the lightest grey that passes on white
        ("#ffd600", "#d7000f", 3.81),  # Shanxi's yellow on red, as first chosen
    ],
)
def test_contrast_ratio_matches_wcag(a, b, ratio):
    assert contrast_ratio(a, b) == pytest.approx(ratio, abs=0.01)
    assert contrast_ratio(b, a) == pytest.approx(ratio, abs=0.01)


def test_a_readable_background_is_left_alone():
    assert readable_background("#1565C0", "#ffffff") == "#1565c0"


def test_light_text_darkens_the_background_just_enough():
    red = readable_background("#d7000f", "#ffd600")

    assert contrast_ratio(red, "#ffd600") >= MINIMUM_CONTRAST
    assert contrast_ratio(red, "#ffd600") < MINIMUM_CONTRAST + 0.2
    r, g, b = (int(red[i : i + 2], 16) for i in (1, 3, 5))
    assert r > 150 and g < 20 and b < 20  # still the scheme's red


def test_dark_text_lightens_the_background():
    olive = readable_background("#5a5000", "#000000")

    assert contrast_ratio(olive, "#000000") >= MINIMUM_CONTRAST
    assert relative_luminance(olive) > relative_luminance("#5a5000")
