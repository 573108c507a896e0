"""The JSON API: the same operations as the form, for apps and the site's pages.

Exempt from CSRF tokens (no cookies are read) but refused to cross-site browser pages by
``Origin``/``Sec-Fetch-Site`` unless they come from the configured public site.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, current_app, jsonify, request, url_for
from werkzeug.exceptions import HTTPException

from ..applications import format_reference, progress, submit
from ..context import campaign_forms, cipher, current_deployment, today
from ..db import get_db, read_session
from ..errors import api_error
from ..extensions import limiter
from ..openapi import IDEMPOTENCY_KEY_PATTERN, openapi_document
from ..published_activities import places_left
from ..security import cors_headers, cross_site_refusal

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _errors(status: int, message: str, field: str | None = None) -> tuple[Response, int]:
    return jsonify({"errors": [{"field": field, "message": message}]}), status


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return api_error(error)


@bp.after_request
def _cors(response: Response) -> Response:
    return cors_headers(response)


@bp.get("/campaigns")
def campaigns():
    day = today()
    items = []
    for form in campaign_forms().values():
        campaign = form.campaign
        items.append(
            {
                "id": campaign.id,
                "title": campaign.title,
                "opens": campaign.opens.isoformat(),
                "closes": campaign.closes.isoformat() if campaign.closes else None,
                "status": campaign.status(day),
                "recruitment": campaign.data["recruitment"],
                "apply_url": url_for("apply.form", campaign_id=campaign.id, _external=True),
                "applications_url": url_for(
                    "api.create_application", campaign_id=campaign.id, _external=True
                ),
                "fields": [field.name for field in form.fields],
                "notice_version": form.notice_version,
            }
        )
    return jsonify({"campaigns": items})


@bp.post("/campaigns/<campaign_id>/applications")
@limiter.limit(lambda: current_app.config["APPLY_RATE_LIMIT"])
def create_application(campaign_id: str):
    refusal = cross_site_refusal(request)
    if refusal:
        return _errors(403, refusal)
    form = campaign_forms().get(campaign_id)
    if form is None:
        abort(404)
    if not request.is_json:
        return _errors(415, "请以 application/json 提交")
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the JSON parser can follow
        body = None
    if not isinstance(body, dict):
        return _errors(400, "请求内容应为 JSON 对象")
    key = request.headers.get("Idempotency-Key")
    if key is not None and not re.fullmatch(IDEMPOTENCY_KEY_PATTERN, key):
        return _errors(400, "Idempotency-Key 应为 1–100 个可打印 ASCII 字符", "Idempotency-Key")
    outcome = submit(
        get_db(),
        cipher(),
        form,
        body,
        today(),
        channel="api",
        strict_keys=True,
        idempotency_key=key,
    )
    if not outcome.ok:
        return jsonify({"errors": [error.as_dict() for error in outcome.errors or []]}), 422
    application = outcome.application
    response = jsonify(
        {
            # One form wherever a person reads it (ABCDE-23456); the status page and the
            # form accept it with or without the hyphen. reference_display, the same
            # value, stays for clients written when reference was the bare stored form.
            "reference": format_reference(application.reference),
            "reference_display": format_reference(application.reference),
            "campaign": application.campaign,
            "stage": application.stage,
            "status_url": url_for("status.lookup", _external=True),
        }
    )
    response.status_code = 201
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.get("/campaigns/<campaign_id>/progress")
def campaign_progress(campaign_id: str):
    form = campaign_forms().get(campaign_id)
    if form is None:
        abort(404)
    response = jsonify({"campaign": campaign_id, "units": progress(read_session(), form)})
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


@bp.get("/activities/places")
def activity_places():
    """Places of every published activity not yet started (the site's overall list)."""
    return _places(None)


@bp.get("/units/<unit>/activities/places")
def unit_activity_places(unit: str):
    """Places of a unit's published activities not yet started (its pages and list)."""
    if unit not in current_deployment().tree:
        abort(404)
    return _places(unit)


def _places(unit: str | None) -> Response:
    counts = places_left(read_session(), current_deployment().id, unit)
    response = jsonify({"unit": unit, "activities": counts})
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(campaign_forms(), url_for("api.campaigns", _external=True)))
