"""Printed matter kept by content hash, so a rebuild does not make the same PDF again.

WeasyPrint takes a few tenths of a second for an A4 poster (and half a second to import),
while the site around it builds in seconds: a site rebuilt every few minutes on a schedule,
or on every save in ``pingan preview``, must not pay that for posters whose text has not
changed. The key is the HTML itself (every word, date and QR code of the poster is in it)
with WeasyPrint's version, so a changed campaign or a new WeasyPrint makes a new file and an
unchanged one is found again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path

from ..files import write_atomically
from .pdf import html_to_pdf


@cache
def recipe() -> str:
    """Part of every key: what else than the HTML decides the PDF's bytes."""
    return f"pingan-pdf-1:weasyprint-{version('weasyprint')}\n"


@dataclass(frozen=True)
class CachedPdf:
    """A PDF in the cache; ``reused`` when it was there already."""

    path: Path
    reused: bool


class PdfCache:
    """PDFs of self-contained HTML pages in a folder, by the content hash of the HTML."""

    def __init__(self, folder: Path | str):
        self.folder = Path(folder)

    def path_of(self, html: str) -> Path:
        """Where the PDF of *html* is (or will be) kept."""
        digest = hashlib.sha256((recipe() + html).encode("utf-8")).hexdigest()
        return self.folder / digest[:2] / f"{digest}.pdf"

    def has(self, html: str) -> bool:
        path = self.path_of(html)
        return path.is_file() and path.stat().st_size > 0

    def get(self, html: str) -> CachedPdf:
        """The PDF of *html*, made now (with WeasyPrint) or found in the cache."""
        path = self.path_of(html)
        if self.has(html):
            return CachedPdf(path, reused=True)
        data = html_to_pdf(html)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, data)
        return CachedPdf(path, reused=False)
