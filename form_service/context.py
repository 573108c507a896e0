"""What a request's code reaches through the app: the deployment, its forms, the cipher and
"today". One small module, so that views and services need not import the package's
``__init__`` (where the app factory lives) for them."""

from __future__ import annotations

import datetime
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


def cipher() -> PersonalDataCipher:
    return current_app.extensions["pingan_cipher"]
