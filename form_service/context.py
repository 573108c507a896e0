"""What a request's code reaches through the app: the deployment, its forms, the cipher and
"today". One small module, so that views and services need not import the package's
``__init__`` (where the app factory lives) for them."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app

from pingan.deployment import Deployment

from .crypto import PersonalDataCipher
from .forms import CampaignForm


def today() -> datetime.date:
    """The day rules are checked on: ``TODAY`` if configured (tests), else today in China."""
    fixed = current_app.config.get("TODAY")
    if fixed:
        return fixed
    return datetime.datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def current_deployment() -> Deployment:
    return current_app.extensions["pingan_deployment"]


def campaign_forms() -> dict[str, CampaignForm]:
    return current_app.extensions["pingan_forms"]


def answer_to(application: Any, role: str) -> Any:
    """*application*'s answer to the field its campaign's form gives *role* by kind
    (``letter_field``, ``skill_field``), or None when the form has no such field."""
    form = campaign_forms().get(application.campaign)
    name = getattr(form, role) if form is not None else None
    return (application.answers or {}).get(name) if name else None


def cipher() -> PersonalDataCipher:
    return current_app.extensions["pingan_cipher"]
