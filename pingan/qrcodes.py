"""QR codes for apply links, as small self-contained SVG (site pages, posters, cards)."""

from __future__ import annotations

import io

import segno


def qr_svg(url: str, title: str, scale: int = 4) -> str:
    """An SVG QR code for *url*; medium error correction survives a printed, creased notice."""
    code = segno.make(url, error="m", micro=False)
    buffer = io.BytesIO()
    code.save(buffer, kind="svg", scale=scale, border=2, xmldecl=False, title=title, nl=True)
    return buffer.getvalue().decode("utf-8")
