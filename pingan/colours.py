"""Identity colours made readable: text on a deployment's colour meets WCAG's 4.5:1.

A deployment names its colours after its document ("red with yellow lettering"); the exact
shade is ours to choose, so both the site and the form service nudge a background colour
just far enough (darker under light text, lighter under dark text) for its text to be read.
"""

from __future__ import annotations

#: WCAG 2.1 AA contrast for normal text (1.4.3).
MINIMUM_CONTRAST = 4.5


def _channels(colour: str) -> list[int]:
    return [int(colour[i : i + 2], 16) for i in (1, 3, 5)]


def mix(colour: str, other: str, share: float) -> str:
    """*colour* moved *share* of the way towards *other* (both ``#rrggbb``)."""
    pairs = zip(_channels(colour), _channels(other), strict=True)
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in pairs)


def relative_luminance(colour: str) -> float:
    """WCAG's relative luminance of an sRGB ``#rrggbb`` colour."""
    linear = [
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
        for c in (x / 255 for x in _channels(colour))
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours, from 1 (same) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable_background(background: str, text: str, minimum: float = MINIMUM_CONTRAST) -> str:
    """*background* unchanged if *text* reads on it, else moved towards black or white by the
    smallest whole percentage that gives *minimum* contrast."""
    background, text = background.lower(), text.lower()
    towards = "#000000" if relative_luminance(text) > relative_luminance(background) else "#ffffff"
    for percent in range(101):
        candidate = mix(background, towards, percent / 100)
        if contrast_ratio(candidate, text) >= minimum:
            return candidate
    return towards
