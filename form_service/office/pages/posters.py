"""Posters and paper forms for a unit, made on demand (``pingan.printing``).

A deployment of 12,000 units cannot print every unit's poster at build time: an office
makes its own, with the QR code pre-filling the application unit that it is, or that it
belongs to (a village squad's poster pre-fills its town where the towns take the
applications). Scope as everywhere: a unit outside the user's is a 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from pingan.campaigns import Campaign
from pingan.printing import html_to_pdf, paper_form_html, poster_html, prefilled_unit

from ...context import current_deployment, today
from ..auth import login_required, require_unit_in_scope

bp = Blueprint("posters", __name__)


def _campaigns() -> list[Campaign]:
    """Rounds worth a poster: open or about to open, public ones first."""
    day = today()
    return sorted(
        (c for c in current_deployment().campaigns.values() if c.status(day) != "closed"),
        key=lambda c: (not c.accepts_public(), c.opens),
    )


def _campaign(campaign_id: str) -> Campaign:
    campaign = current_deployment().campaigns.get(campaign_id)
    if campaign is None or campaign not in _campaigns():
        abort(404)
    return campaign


def _pdf(html: str, filename: str):
    response = current_app.response_class(html_to_pdf(html), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"inline; filename={filename}"
    return response


@bp.get("/units/<unit>/posters", endpoint="index")
@login_required
def index(unit: str):
    require_unit_in_scope(unit)
    deployment = current_deployment()
    return render_template(
        "office/posters.html",
        unit=deployment.tree[unit],
        campaigns=[(c, prefilled_unit(deployment, c, unit)) for c in _campaigns()],
    )


@bp.get("/units/<unit>/posters/<campaign_id>.pdf", endpoint="poster")
@login_required
def poster(unit: str, campaign_id: str):
    require_unit_in_scope(unit)
    campaign = _campaign(campaign_id)
    html = poster_html(
        current_deployment(),
        campaign,
        current_app.config["PUBLIC_URL"],
        unit=prefilled_unit(current_deployment(), campaign, unit),
        via=request.args.get("via") or None,
    )
    return _pdf(html, f"poster-{campaign.id}-{unit}.pdf")


@bp.get("/paper-forms/<campaign_id>.pdf", endpoint="paper_form")
@login_required
def paper_form(campaign_id: str):
    campaign = _campaign(campaign_id)
    return _pdf(paper_form_html(current_deployment(), campaign), f"form-{campaign.id}.pdf")
