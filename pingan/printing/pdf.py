"""HTML to PDF through WeasyPrint, with Noto CJK (Debian's fonts-noto-cjk) for the text."""

from __future__ import annotations


class OutsideResource(ValueError):
    """Printed matter is self-contained: it asked for a file or an address."""


def html_to_pdf(html: str) -> bytes:
    """The PDF of a self-contained HTML page (inline CSS and SVG, no external requests)."""
    from weasyprint import HTML  # imported here: `pingan check` and the site do not need it
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    nothing = URLFetcher(allowed_protocols=(), fail_on_errors=True)
    try:
        return HTML(string=html, url_fetcher=nothing).write_pdf()
    except FatalURLFetchingError as error:
        raise OutsideResource(f"printed matter loads nothing from outside: {error}") from None
