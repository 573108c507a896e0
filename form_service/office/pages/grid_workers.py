"""Grid workers of the office's scope (grid_workers.yaml): how many applied and were
registered through each one's QR code, and their QR cards to print.

An application names its grid worker in ``via`` (the QR code fills it in); codes are
compared without regard to case, as people type them (``form_service.statistics.
grid_worker_counts``, which the site's station ranking counts with too).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from pingan.printing import grid_cards_html, html_to_pdf

from ...context import current_deployment
from ...db import read_session
from ...statistics import grid_worker_counts
from ..auth import login_required, require_unit_in_scope
from .posters import _campaigns

bp = Blueprint("grid_workers", __name__)


def _workers_under(unit: str) -> list[dict]:
    deployment = current_deployment()
    below = {node.id for node in deployment.tree.descendants(unit)}
    return [worker for worker in deployment.grid_workers if worker["unit"] in below]


@bp.get("/units/<unit>/grid-workers", endpoint="index")
@login_required
def index(unit: str):
    require_unit_in_scope(unit)
    deployment = current_deployment()
    workers = _workers_under(unit)
    codes = [worker["code"] for worker in workers]
    counts = grid_worker_counts(read_session(), deployment.id, codes)
    rows = [
        (worker, deployment.tree[worker["unit"]], *counts.get(worker["code"].upper(), (0, 0)))
        for worker in workers
    ]
    rows.sort(key=lambda row: (-row[3], -row[2], row[0]["code"]))
    campaigns = [c for c in _campaigns() if "via" in c.field_names]
    return render_template(
        "office/grid_workers.html", unit=deployment.tree[unit], rows=rows, campaigns=campaigns
    )


@bp.get("/units/<unit>/grid-workers/<campaign_id>.pdf", endpoint="cards")
@login_required
def cards(unit: str, campaign_id: str):
    require_unit_in_scope(unit)
    campaign = current_deployment().campaigns.get(campaign_id)
    workers = _workers_under(unit)
    if campaign is None or campaign not in _campaigns() or not workers:
        abort(404)
    html = grid_cards_html(
        current_deployment(), campaign, current_app.config["PUBLIC_URL"], workers
    )
    response = current_app.response_class(html_to_pdf(html), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"inline; filename=grid-cards-{unit}.pdf"
    return response
