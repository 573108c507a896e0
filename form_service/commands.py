"""``pingan serve`` and ``pingan db …``: the form service's sub-commands.

Flask and SQLAlchemy are imported inside the functions, so ``pingan check`` and the site
build do not pay for them. ``pingan serve`` runs Werkzeug's development server; in
production run ``gunicorn -w 4 -b 127.0.0.1:8000 'form_service:create_app()'`` with the
``PINGAN_*`` environment set and ``pingan db upgrade`` run once per release.
"""

from __future__ import annotations

import argparse
import os


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser("serve", help="run the form service (development server)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--data-dir", help="deployment data folder (PINGAN_DATA_DIR)")
    serve.add_argument("--site-dir", help="also serve this built site at / (PINGAN_SITE_DIR)")
    serve.add_argument("--debug", action="store_true", help="Flask debug mode (not in production)")
    serve.set_defaults(func=_serve)

    database = subparsers.add_parser("db", help="manage the form service's database")
    actions = database.add_subparsers(dest="db_command", required=True)
    upgrade = actions.add_parser("upgrade", help="apply the migrations (PINGAN_DATABASE_URL)")
    upgrade.add_argument("--data-dir", help="deployment data folder (PINGAN_DATA_DIR)")
    upgrade.set_defaults(func=_upgrade)
    rotate = actions.add_parser(
        "rotate-keys", help="re-encrypt personal data under the first key of PINGAN_DATA_KEYS"
    )
    rotate.add_argument("--data-dir", help="deployment data folder (PINGAN_DATA_DIR)")
    rotate.set_defaults(func=_rotate)


def _config(args: argparse.Namespace, **extra) -> dict:
    config = dict(extra)
    if getattr(args, "data_dir", None):
        config["DATA_DIR"] = args.data_dir
    if getattr(args, "site_dir", None):
        config["SITE_DIR"] = os.path.abspath(args.site_dir)
    return config


def _serve(args: argparse.Namespace) -> int:
    from . import create_app

    config = _config(args)
    config.setdefault("PUBLIC_URL", f"http://{args.host}:{args.port}")
    app = create_app(config)
    print(f"平安志愿者报名服务：http://{args.host}:{args.port}/apply/ （按 Ctrl+C 停止）")
    app.run(host=args.host, port=args.port, debug=args.debug, use_reloader=False)
    return 0


def _upgrade(args: argparse.Namespace) -> int:
    from . import create_app
    from .db import get_db
    from .migrate import upgrade

    app = create_app(_config(args, AUTO_MIGRATE=False))
    with app.app_context():
        upgrade(get_db().engine)
        print(f"数据库已升级到最新版本：{get_db().engine.url.render_as_string(hide_password=True)}")
    return 0


def _rotate(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from . import create_app
    from .context import cipher
    from .db import get_db
    from .models import Application

    app = create_app(_config(args))
    count = 0
    with app.app_context():
        with get_db().write() as session:
            for application in session.scalars(select(Application)).yield_per(500):
                application.id_encrypted = cipher().rotate(application.id_encrypted)
                if application.mobile_encrypted:
                    application.mobile_encrypted = cipher().rotate(application.mobile_encrypted)
                if application.sensitive_encrypted:
                    application.sensitive_encrypted = cipher().rotate(
                        application.sensitive_encrypted
                    )
                count += 1
    print(f"已用当前密钥重新加密 {count} 份报名的个人信息。")
    return 0
