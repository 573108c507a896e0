"""The built static site at ``/`` when ``SITE_DIR`` is set (``make demo``: one port).

In production a web server serves the site; then ``/`` just points to the campaign list.
Only the site's own files are served: no hidden files (``.git``, ``.env``) and no path
that leaves the folder, not even as a redirect that would tell a folder exists.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, redirect, send_from_directory, url_for
from werkzeug.routing import PathConverter

bp = Blueprint("site", __name__)


class SitePath(PathConverter):
    """Any path but the API's: a GET on a POST-only API address must answer 405, not a page."""

    regex = r"(?!api/)[^/].*?"


bp.record_once(lambda state: state.app.url_map.converters.setdefault("site_path", SitePath))


@bp.get("/")
@bp.get("/<site_path:path>")
def page(path: str = ""):
    site_dir = current_app.config.get("SITE_DIR")
    if not site_dir:
        if path:
            abort(404)
        return redirect(url_for("apply.index"))
    if not _is_public(path):
        abort(404)
    root = Path(site_dir).resolve()
    if not path or path.endswith("/"):
        path += "index.html"
    elif (root / path).is_dir():
        return redirect("/" + path + "/", 301)
    return send_from_directory(root, path)


def _is_public(path: str) -> bool:
    """A relative path with no hidden or parent (``..``) segment and no backslash."""
    return (
        not path.startswith("/")
        and "\\" not in path
        and not any(segment.startswith(".") for segment in path.split("/"))
    )
