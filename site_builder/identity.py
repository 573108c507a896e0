"""The deployment's identity colours as Material's CSS custom properties."""

from __future__ import annotations

from typing import Any

DEFAULT_PRIMARY = "#1565c0"
DEFAULT_ACCENT = "#c62828"


def _mix(colour: str, other: str, share: float) -> str:
    """*colour* moved *share* of the way towards *other* (both ``#rrggbb``)."""
    a = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b, strict=True))


def identity_css(settings: dict[str, Any]) -> str:
    """CSS for ``palette: primary: custom`` (see Material's "custom colors")."""
    identity = settings.get("identity") or {}
    primary = identity.get("primary", DEFAULT_PRIMARY).lower()
    accent = identity.get("accent", DEFAULT_ACCENT).lower()
    text = identity.get("text_colour", "#ffffff").lower()
    return (
        "/* Generated from deployment.yaml identity colours. */\n"
        ":root > * {\n"
        f"  --md-primary-fg-color: {primary};\n"
        f"  --md-primary-fg-color--light: {_mix(primary, '#ffffff', 0.3)};\n"
        f"  --md-primary-fg-color--dark: {_mix(primary, '#000000', 0.25)};\n"
        f"  --md-primary-bg-color: {text};\n"
        f"  --md-primary-bg-color--light: {text}b3;\n"
        f"  --md-accent-fg-color: {accent};\n"
        f"  --md-accent-fg-color--transparent: {accent}1a;\n"
        f"  --pingan-primary: {primary};\n"
        f"  --pingan-accent: {accent};\n"
        f"  --pingan-on-primary: {text};\n"
        "}\n"
    )
