"""Each recruiting campaign's A4 poster as a PDF in the site, made at build time.

The notice page links ``notices/<campaign>/poster.pdf``: the same poster as ``pingan
poster`` prints (``pingan.printing.poster_html``, QR code of the form's address), for
anyone to download and print. The plan decides which posters there are and their HTML;
the build's workers (``site_builder.shell``) make the PDFs beside the pages, through the
cache (``pingan.printing.PdfCache``), so a rebuild copies an unchanged poster instead of
running WeasyPrint again. A closed campaign gets none: its QR code would open a form that
takes no more applications. A unit's poster is made on demand (the office page and
``pingan poster --unit``), never here: a deployment may have 12,000 units.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

from pingan.campaigns import Campaign
from pingan.printing import PdfCache, poster_html


def poster_uri(campaign_id: str) -> str:
    return f"notices/{campaign_id}/poster.pdf"


@dataclass(frozen=True)
class PlannedPoster:
    """A poster the build writes: where in the site, and the HTML its PDF is made of."""

    src_uri: str
    html: str


def plan_poster(site, plan, campaign: Campaign) -> str | None:
    """Add *campaign*'s poster to the plan (``plan.posters``) and give its src_uri, if the
    site has one: it makes posters (a poster cache) and the campaign is not closed."""
    if site.poster_cache is None or campaign.status(site.day) == "closed":
        return None
    poster = PlannedPoster(
        poster_uri(campaign.id), poster_html(site.deployment, campaign, site.form_url)
    )
    plan.posters.append(poster)
    return poster.src_uri


def write_poster(cache: PdfCache, poster: PlannedPoster, site_dir: str) -> bool:
    """Copy the poster's PDF (made now or found in *cache*) into the site; True if reused."""
    made = cache.get(poster.html)
    path = os.path.join(site_dir, poster.src_uri)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    shutil.copyfile(made.path, path)
    return made.reused
