"""The form service: online applications for the campaigns of one deployment.

``create_app(config=None)`` builds the Flask app (tutorial style, no module-level app).
Development: ``pingan serve``. Production: ``gunicorn 'form_service:create_app()'`` with the
``PINGAN_*`` environment variables set (see ``config.py``), behind a web server that also
serves the built static site; set ``PINGAN_TRUSTED_PROXIES=1`` behind one proxy.
"""

from __future__ import annotations

import datetime
import logging
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from werkzeug.middleware.proxy_fix import ProxyFix

from pingan.deployment import load_deployment
from pingan.eligibility import age_range_text

from . import db
from .config import DEFAULTS, environment_config, finish_config
from .crypto import PersonalDataCipher
from .dates import init_dates
from .errors import init_errors
from .extensions import csrf, limiter
from .forms import CampaignForm, build_campaign_form
from .redaction import RedactingFilter
from .security import init_security


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, deployment data, database, protection, blueprints."""
    app = Flask(__name__, instance_relative_config=True, static_url_path="/form-static")
    settings = {**DEFAULTS, **environment_config(), **(config or {})}
    instance_dir = Path(settings.get("INSTANCE_DIR") or app.instance_path)
    finish_config(settings, instance_dir)
    app.config.update(settings)
    if app.config["TRUSTED_PROXIES"]:
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    RedactingFilter.install(app.logger, logging.getLogger("werkzeug"))
    deployment = load_deployment(app.config["DATA_DIR"])
    app.extensions["pingan_deployment"] = deployment
    app.extensions["pingan_forms"] = {
        campaign_id: build_campaign_form(campaign, deployment)
        for campaign_id, campaign in deployment.campaigns.items()
    }
    app.extensions["pingan_cipher"] = PersonalDataCipher(
        app.config["DATA_KEYS"], app.config["HMAC_KEY"]
    )
    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    init_security(app)
    init_errors(app)
    init_dates(app)

    from .views import api, apply, site, status

    app.register_blueprint(apply.bp)
    app.register_blueprint(status.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)
    from .office import init_office

    init_office(app)
    app.register_blueprint(site.bp)
    app.jinja_env.globals.update(deployment=deployment, age_range_text=age_range_text)
    return app


def today() -> datetime.date:
    """The day rules are checked on: ``TODAY`` if configured (tests), else today in China."""
    fixed = current_app.config.get("TODAY")
    if fixed:
        return fixed
    return datetime.datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def campaign_forms() -> dict[str, CampaignForm]:
    return current_app.extensions["pingan_forms"]


def cipher() -> PersonalDataCipher:
    return current_app.extensions["pingan_cipher"]
