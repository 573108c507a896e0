"""QR codes for apply links, as small self-contained SVG files."""

from __future__ import annotations

import io

import segno


def qr_svg(url: str, title: str) -> str:
    """An SVG QR code for *url*; medium error correction survives a printed, creased notice."""
    code = segno.make(url, error="m", micro=False)
    buffer = io.BytesIO()
    code.save(buffer, kind="svg", scale=4, border=2, xmldecl=False, title=title, nl=True)
    return buffer.getvalue().decode("utf-8")
