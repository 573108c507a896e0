"""The form service: online applications for the campaigns of one deployment.

``create_app(config=None)`` builds the Flask app (tutorial style, no module-level app).
Development: ``pingan serve``. Production: ``gunicorn 'form_service:create_app()'`` with the
``PINGAN_*`` environment variables set (see ``config.py``), behind a web server that also
serves the built static site; set ``PINGAN_TRUSTED_PROXIES=1`` behind one proxy.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from flask import Flask, send_from_directory
from flask.json.provider import DefaultJSONProvider
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix

from pingan.deployment import load_deployment
from pingan.eligibility import age_range_text
from pingan.text import printable

from . import db
from .config import DEFAULTS, environment_config, finish_config
from .crypto import PersonalDataCipher
from .dates import init_dates
from .errors import init_errors
from .extensions import csrf, limiter
from .forms import build_campaign_form
from .queue import init_queue
from .redaction import RedactingFilter
from .security import init_security
from .site_rebuild import init_site_rebuild


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, deployment data, database, protection, blueprints."""
    app = Flask(__name__, instance_relative_config=True, static_url_path="/form-static")
    _print_any_text(app)
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
    queue = init_queue(app)
    csrf.init_app(app)
    limiter.init_app(app)
    init_security(app)
    init_errors(app)
    init_dates(app)
    _serve_elder_mode_script(app)

    from .views import api, apply, site, status, verify, volunteer

    app.register_blueprint(apply.bp)
    app.register_blueprint(status.bp)
    app.register_blueprint(volunteer.bp)
    app.register_blueprint(verify.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)
    from .office import init_office

    init_office(app)
    init_site_rebuild(app)
    app.register_blueprint(site.bp)
    app.jinja_env.globals.update(deployment=deployment, age_range_text=age_range_text)
    if app.config["QUEUE_INLINE"]:
        queue.start_inline()
    return app


def _serve_elder_mode_script(app: Flask) -> None:
    """长辈模式's one script, served from the site theme's copy so both origins run the same
    file (a checkout's theme/ or the wheel's bundled copy, found as the site builder finds it)."""
    from site_builder.commands import DEFAULT_CONFIG

    folder = DEFAULT_CONFIG.parent / "theme" / "assets" / "javascripts"

    @app.get("/form-static/elder-mode.js", endpoint="elder_mode_script")
    def elder_mode_script():
        return send_from_directory(folder, "elder-mode.js", max_age=3600)


# --- output: any stored text prints --------------------------------------------------------


def _print_any_text(app: Flask) -> None:
    """Pages and JSON show a lone surrogate in stored text as U+FFFD instead of failing.

    A rendered page is encoded as UTF-8 when the response is made, so one such character
    in one stored answer would make the page answer 500 (and an e-mail fail) for every
    office above it. ``finalize`` runs on everything a template prints, before escaping;
    the JSON provider covers responses and the session, with or without ``ensure_ascii``.
    """
    app.jinja_env.finalize = _printable_output
    app.json = _PrintableJSONProvider(app)


def _printable_output(value: Any) -> Any:
    if isinstance(value, Markup):
        return Markup(printable(value))
    if isinstance(value, str):
        return printable(value)
    if hasattr(value, "__html__"):
        return Markup(printable(value.__html__()))
    return value


#: A surrogate in JSON text: raw (``ensure_ascii=False``) or escaped, paired or not.
_JSON_SURROGATE = re.compile(r"[\ud800-\udfff]|\\u[dD][89abcdefABCDEF]")


class _PrintableJSONProvider(DefaultJSONProvider):
    def dumps(self, obj: Any, **kwargs: Any) -> str:
        text = super().dumps(obj, **kwargs)
        if _JSON_SURROGATE.search(text):  # rare: a second pass over printable copies
            text = super().dumps(_printable_data(obj), **kwargs)
        return text


def _printable_data(value: Any) -> Any:
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {_printable_data(key): _printable_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_printable_data(item) for item in value]
    return value
