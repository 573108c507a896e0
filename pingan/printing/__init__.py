"""Printed matter: A4 recruitment posters and blank paper registration forms, as HTML for a
print stylesheet and as PDF (WeasyPrint, with the CJK font).

Both come from the data the site and the form use: a poster from the campaign (who may
apply, what volunteers do, how to apply, a QR code of the form's address, pre-filling the
unit or a grid worker's code), a paper form from the campaign's fields, each asked for as
its kind says (``Kind.paper``), like Shanxi's 附件3 登记表. Offices enter paper forms
through the normal validation (the roster import).
"""

from .cache import CachedPdf, PdfCache
from .materials import grid_cards_html, paper_form_html, poster_html, poster_url, prefilled_unit
from .pdf import html_to_pdf
from .service_record import ServiceRecord, service_record_html, style_hashes

__all__ = [
    "CachedPdf",
    "PdfCache",
    "grid_cards_html",
    "html_to_pdf",
    "paper_form_html",
    "poster_html",
    "poster_url",
    "prefilled_unit",
    "service_record_html",
    "ServiceRecord",
    "style_hashes",
]
