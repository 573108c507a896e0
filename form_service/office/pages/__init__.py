"""The office pages under ``/office/``, one blueprint per feature (as Flask's tutorial splits
them) inside the ``office`` blueprint, which holds what they share: the logged-in user,
no caching, the templates' globals and the office's static files.

Every route but log-in needs a session; every route that names an application, a unit or
a job checks it against the user's scope first and answers 404 for anything outside it
(no reading, reviewing or exporting by guessing ids). Reads of personal data are audited
before the page is rendered.
"""

from __future__ import annotations

from flask import Blueprint, current_app, g

from .. import auth
from ..stages import workflows
from . import (
    account,
    activities,
    applications,
    audit,
    certificates,
    exports,
    grid_workers,
    honours,
    hours_imports,
    imports,
    posters,
    service_certificates,
    volunteer_exports,
    volunteers,
)
from .common import stage_name

bp = Blueprint(
    "office",
    __name__,
    url_prefix="/office",
    template_folder="../../templates",
    static_folder="../static",
    static_url_path="/static",
)
for feature in (
    account,
    applications,
    certificates,
    imports,
    exports,
    posters,
    grid_workers,
    activities,
    volunteers,
    service_certificates,
    volunteer_exports,
    hours_imports,
    honours,
    audit,
):
    bp.register_blueprint(feature.bp)


@bp.before_request
def _load_user():
    auth.load_user()


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.context_processor
def _globals():
    deployment = current_app.extensions["pingan_deployment"]
    return {
        "office_user": g.get("office_user"),
        "tree": deployment.tree,
        "workflows": workflows(),
        "unit_name": lambda unit_id: (
            deployment.tree[unit_id].name if unit_id in deployment.tree else unit_id
        ),
        "stage_name": stage_name,
    }
