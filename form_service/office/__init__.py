"""The offices' side of the form service: log-in, review, imports, exports, audit log.

``init_office(app)`` registers the ``office`` blueprint at ``/office/`` and sets up what it
needs: the campaigns' review workflows, the notifier (e-mail and SMS through the outbox,
drained at start-up) and the hook that confirms online applications by e-mail. Module
map: ``auth`` (accounts, sessions, lock-out, scope), ``audit``, ``stages`` (per-scheme
rules), ``review`` (changes), ``listing`` (filtered lists), ``imports``, ``exports``,
``notify``/``letters`` (messages), ``views`` (routes), ``commands`` (``pingan office …``
and ``pingan export``).
"""

from __future__ import annotations

from flask import Flask


def init_office(app: Flask) -> None:
    """Register the offices' blueprint and services on *app*."""
    from .exports import init_exports
    from .letters import install_confirmation_hook
    from .notify import (
        Notifier,
        OutboxPolicy,
        install_outbox_hook,
        load_sms_gateway,
        smtp_settings,
    )
    from .pages import bp
    from .stages import Workflow

    deployment = app.extensions["pingan_deployment"]
    app.extensions["pingan_workflows"] = {
        campaign_id: Workflow(campaign, deployment)
        for campaign_id, campaign in deployment.campaigns.items()
    }
    smtp = app.config["SMTP"] if "SMTP" in app.config else smtp_settings(app.config)
    notifier = Notifier(
        app.extensions["pingan_db"],
        smtp,
        load_sms_gateway(app.config),
        deployment.name,
        app.extensions["pingan_cipher"],
        OutboxPolicy.from_config(app.config),
        app.extensions["pingan_queue"],
    )
    app.extensions["pingan_notifier"] = notifier
    install_outbox_hook()
    install_confirmation_hook(app)
    init_exports(app)
    app.register_blueprint(bp)
    notifier.start()  # the start-up drain: what a stopped process left in the outbox
