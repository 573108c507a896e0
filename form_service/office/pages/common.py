"""What the office pages share: the acting user's scope, stage names, safe redirects,
the upload limit of spreadsheet uploads."""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from flask import Blueprint, abort, current_app, g, request
from sqlalchemy import select

from ...context import current_deployment
from ...db import read_session
from ...models import Application
from ..stages import CLOSED_NAMES, workflows

T = TypeVar("T", bound=Any)


def stage_name(campaign: str, stage: str) -> str:
    workflow = workflows().get(campaign)
    if workflow is None:
        return CLOSED_NAMES.get(stage, stage)
    return workflow.name(stage)


def safe_next(target: str | None) -> str | None:
    """Only a path inside /office/ (no open redirect).

    Browsers read a backslash as a slash (``/\\evil.example``) and drop tabs and line
    breaks, and a line break in a ``Location`` header is a server error: any of them, or
    a ``..`` segment (also percent-encoded), and the target is ignored.
    """
    if not target or len(target) > 2000:
        return None
    if "\\" in target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/office/"):
        return None
    if ".." in unquote(parts.path).split("/"):
        return None
    return target


def row_in_scope(model: type[T], row_id: int) -> T:
    """The deployment's row *row_id* of *model* (an activity, a record, a nomination) if
    its unit is in the user's scope; else 404, so not even its existence is confirmed."""
    row = read_session().scalar(
        select(model).where(
            model.id == row_id,
            model.deployment == current_deployment().id,
            model.unit.in_(g.office_scope),
        )
    )
    if row is None:
        abort(404)
    return row


def application_in_scope(application_id: int) -> Application:
    application = read_session().scalar(
        select(Application).where(
            Application.id == application_id, Application.unit.in_(g.office_scope)
        )
    )
    if application is None:
        abort(404)
    return application


def categories(form):
    """The recruitment categories of a campaign's quota table, directed ones included."""
    table = form.deployment.quotas.get(form.campaign.data.get("quota", ""))
    return table.categories if table else []


def allow_roster_sized_uploads(bp: Blueprint, endpoint: str) -> None:
    """Uploads to *endpoint* may be as large as a roster (``IMPORT_MAX_BYTES``).

    Set before any ``before_request``: the CSRF check reads the form, and with it the
    body, under the app's 128 KiB limit, so a limit set in the view came too late.
    """

    @bp.url_value_preprocessor
    def _upload_limit(name, _values):
        if name == endpoint:
            request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]
