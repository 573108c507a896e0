"""The application form: ``GET``/``POST /apply/<campaign>`` and its confirmation page."""

from __future__ import annotations

import re
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.datastructures import MultiDict

from pingan.colours import readable_background

from ..applications import format_reference, submit
from ..context import campaign_forms, cipher, today
from ..db import get_db
from ..extensions import limiter
from ..forms import VIA, CampaignForm, CsrfForm
from ..validation import FieldError

bp = Blueprint("apply", __name__, url_prefix="/apply")

#: The honeypot: hidden from people by CSS, filled by form-filling robots.
HONEYPOT = "website"


def _form_or_404(campaign_id: str) -> CampaignForm:
    form = campaign_forms().get(campaign_id)
    if form is None:
        abort(404)
    return form


@bp.get("/")
def index() -> str:
    """The campaigns open today."""
    day = today()
    forms = [
        f
        for f in campaign_forms().values()
        if f.campaign.status(day) == "open" and f.campaign.accepts_public()
    ]
    return render_template("campaigns.html", forms=forms)


@bp.get("/theme.css")
def theme() -> Response:
    """The deployment's identity colours as CSS variables (no inline style under the CSP)."""
    identity = current_app.extensions["pingan_deployment"].settings.get("identity") or {}
    text = identity.get("text_colour", "#ffffff")
    # Readable as the site makes it: the masthead and buttons put the text colour on it.
    primary = readable_background(identity.get("primary", "#1565c0"), text)
    accent = identity.get("accent", "#c62828")
    css = f":root{{--primary:{primary};--accent:{accent};--on-primary:{text}}}\n"
    response = Response(css, mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/<campaign_id>")
def form(campaign_id: str) -> tuple[str, int] | str:
    form = _form_or_404(campaign_id)
    values: dict[str, Any] = {"id_type": "resident_id"}
    unit = request.args.get("unit", "")
    if "unit" in form and unit in (form["unit"].values or []):
        values["unit"] = unit
    via = request.args.get("via", "")
    if re.fullmatch(VIA.pattern, via):
        values["via"] = via
    return _render(form, values, [])


@bp.post("/<campaign_id>")
@limiter.limit(lambda: current_app.config["APPLY_RATE_LIMIT"], methods=["POST"])
def post(campaign_id: str):
    form = _form_or_404(campaign_id)
    raw = raw_from_form(form, request.form)
    if request.form.get(HONEYPOT):
        current_app.logger.info("honeypot filled on the form of %s", campaign_id)
        return _render(form, raw, [FieldError(HONEYPOT, "此项应留空，请清空后再提交")], 422)
    outcome = submit(get_db(), cipher(), form, raw, today(), channel="form")
    if not outcome.ok:
        return _render(form, raw, outcome.errors or [], 422)
    session["confirmation"] = {
        "campaign": campaign_id,
        "reference": outcome.application.reference,
    }
    return redirect(url_for("apply.done", campaign_id=campaign_id), 303)


@bp.get("/<campaign_id>/done")
def done(campaign_id: str):
    form = _form_or_404(campaign_id)
    confirmation = session.get("confirmation") or {}
    if confirmation.get("campaign") != campaign_id:
        return redirect(url_for("status.lookup"), 303)
    reference = confirmation["reference"]
    return render_template(
        "done.html", form=form, reference=format_reference(reference), raw_reference=reference
    )


def raw_from_form(form: CampaignForm, data: MultiDict) -> dict[str, Any]:
    """The posted HTML form as the validator's dict (the same shape the JSON API takes)."""
    raw: dict[str, Any] = {}
    for field in form.fields:
        if field.type == "list":
            raw[field.name] = data.getlist(field.name)
        elif field.type == "boolean":
            raw[field.name] = True if data.get(field.name) else None
        else:
            raw[field.name] = data.get(field.name)
    raw["declarations"] = data.getlist("declarations")
    raw["consent_notice"] = bool(data.get("consent_notice"))
    raw["consent_sensitive"] = bool(data.get("consent_sensitive"))
    raw["notice_version"] = data.get("notice_version")
    raw["via"] = data.get("via") or None
    return raw


def _render(form: CampaignForm, values: dict[str, Any], errors: list[FieldError], status=200):
    state = form.campaign.status(today()) if form.campaign.accepts_public() else "directed"
    return (
        render_template(
            "apply.html",
            form=form,
            csrf_form=CsrfForm(),
            values=values,
            errors=errors,
            error_for={error.field: error.message for error in errors},
            state=state,
            honeypot=HONEYPOT,
        ),
        status,
    )
