"""The deployment's identity colours as Material's CSS custom properties."""

from __future__ import annotations

from typing import Any

from pingan.colours import mix as _mix
from pingan.colours import readable_background

DEFAULT_PRIMARY = "#1565c0"
DEFAULT_ACCENT = "#c62828"


def identity_colours(settings: dict[str, Any]) -> tuple[str, str, str]:
    """(primary, accent, text): the deployment's colours as the site paints them.

    The header, primary buttons and brand badges put the text colour on the other two, so
    those are nudged until it reads; the charts and the share image use the same three."""
    identity = settings.get("identity") or {}
    text = identity.get("text_colour", "#ffffff").lower()
    primary = readable_background(identity.get("primary", DEFAULT_PRIMARY), text)
    accent = readable_background(identity.get("accent", DEFAULT_ACCENT), text)
    return primary, accent, text


def identity_css(settings: dict[str, Any]) -> str:
    """CSS for ``palette: primary: custom`` (see Material's "custom colors")."""
    primary, accent, text = identity_colours(settings)
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
