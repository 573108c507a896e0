"""The offices' side of the form service: log-in, review, imports, exports, audit log.

``init_office(app)`` registers the ``office`` blueprint at ``/office/`` and sets up what it
needs: default settings, the campaigns' review workflows, the notifier (e-mail and SMS)
and the hook that confirms online applications by e-mail. Module map: ``auth`` (accounts,
sessions, lock-out, scope), ``audit``, ``stages`` (per-scheme rules), ``review`` (changes),
``listing`` (filtered lists), ``imports``, ``exports``, ``notify``/``letters`` (messages),
``views`` (routes), ``commands`` (``pingan office …`` and ``pingan export``).
"""

from __future__ import annotations

from flask import Flask

from .auth import DEFAULTS as AUTH_DEFAULTS

DEFAULTS = {
    **AUTH_DEFAULTS,
    # Exports with more rows than this run as a background job with a progress page.
    "EXPORT_BACKGROUND_THRESHOLD": 20_000,
    # Roster uploads: a 10,000-row XLSX is about 1 MB and unpacks to about 10 MB; a
    # roster has 10 to 30 columns, and no field of a form takes more than a few hundred
    # characters (see office/upload_limits.py for why an XLSX needs all of these).
    "IMPORT_MAX_BYTES": 8 * 1024 * 1024,
    "IMPORT_MAX_ROWS": 20_000,
    "IMPORT_MAX_COLUMNS": 100,
    "IMPORT_MAX_CELL_CHARS": 2000,
    "IMPORT_MAX_UNPACKED_BYTES": 64 * 1024 * 1024,
    "SMS_GATEWAY": None,
}


def init_office(app: Flask) -> None:
    """Register the offices' blueprint and services on *app*."""
    from .exports import init_exports
    from .letters import install_confirmation_hook
    from .notify import Notifier, load_sms_gateway, smtp_settings
    from .stages import Workflow
    from .views import bp

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    deployment = app.extensions["pingan_deployment"]
    app.extensions["pingan_workflows"] = {
        campaign_id: Workflow(campaign, deployment)
        for campaign_id, campaign in deployment.campaigns.items()
    }
    smtp = app.config.get("SMTP") if "SMTP" in app.config else smtp_settings()
    app.extensions["pingan_notifier"] = Notifier(
        smtp, load_sms_gateway(app.config), deployment.name
    )
    install_confirmation_hook()
    init_exports(app)
    app.register_blueprint(bp)
