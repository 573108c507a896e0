"""Typed options of the ``pingan`` MkDocs plugin (``plugins: - pingan: …`` in mkdocs.yml)."""

from __future__ import annotations

import datetime

from mkdocs.config import base
from mkdocs.config import config_options as c


class DateOption(c.BaseConfigOption[str | None]):
    """An ISO date (YYYY-MM-DD) kept as text; None when unset."""

    def run_validation(self, value: object) -> str | None:
        if value in (None, ""):
            return None
        text = str(value)
        try:
            datetime.date.fromisoformat(text)
        except ValueError:
            raise base.ValidationError(f"build_date must be YYYY-MM-DD, got {text!r}") from None
        return text


class UrlOption(c.BaseConfigOption[str | None]):
    """An absolute http(s) URL without a trailing slash; None (or empty) when unset."""

    def run_validation(self, value: object) -> str | None:
        if value in (None, ""):
            return None
        text = str(value)
        if not text.startswith(("http://", "https://")):
            raise base.ValidationError(f"expected an http(s):// URL, got {text!r}")
        return text.rstrip("/")


class PinganConfig(base.Config):
    """Where the data is and what the build should assume about the world outside it."""

    #: The deployment's data folder (deployment.yaml, units.yaml…), relative to mkdocs.yml.
    data_dir = c.Type(str, default="data")
    #: Public URL of the form service; empty means deployment.yaml's ``form_url``.
    form_url = UrlOption()
    #: Public URL of the site itself (canonical links, og:url, sitemap); empty means
    #: deployment.yaml's ``site_url``.
    site_url = UrlOption()
    #: Where processed photos are kept between builds, relative to mkdocs.yml; empty means
    #: ``.pingan-cache`` in the data folder (pingan.photos.PhotoCache).
    cache_dir = c.Type(str, default="")
    #: The offices' published activities (``pingan activities export`` writes
    #: activities.json), relative to mkdocs.yml; empty means a site without activities.
    activities = c.Type(str, default="")
    #: The offices' honour decisions (``pingan honours export`` writes honours.json), relative
    #: to mkdocs.yml; empty means honours.yaml alone decides the honour roll.
    honours = c.Type(str, default="")
    #: The form service's aggregate counts (``pingan statistics export`` writes
    #: statistics.json), relative to mkdocs.yml; empty means a site without charts.
    statistics = c.Type(str, default="")
    #: "Today" for open/closed campaigns; empty means SOURCE_DATE_EPOCH, else today in China.
    build_date = DateOption()
    #: Entries per paginated index page (units, honour roll, stories).
    page_size = c.Type(int, default=50)
    #: At most this many units are drawn in the directory's tree; deeper levels are reached
    #: through the unit pages and the paginated list.
    tree_limit = c.Type(int, default=300)
    #: Processes writing the unit, person and story pages; 0 means one per core. Small
    #: sites are written by the build's own process whatever this says.
    workers = c.Type(int, default=0)
    #: Write the pages outside the navigation into Material's page rendered once per shell
    #: (site_builder.shell); false renders each through MkDocs and Material, as a reference.
    shell = c.Type(bool, default=True)
