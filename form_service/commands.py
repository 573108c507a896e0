"""``pingan serve`` and ``pingan db …``: the form service's sub-commands.

Flask and SQLAlchemy are imported inside the functions, so ``pingan check`` and the site
build do not pay for them. ``pingan serve`` runs Werkzeug's development server; in
production run ``gunicorn -w 4 -b 127.0.0.1:8000 'form_service:create_app()'`` with the
``PINGAN_*`` environment set and ``pingan db upgrade`` run once per release.
"""

from __future__ import annotations

import argparse
import errno
import os
import socket
import sys


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser(
        "serve",
        help="运行报名服务（开发用服务器）",
        description="在本机运行报名服务（开发用服务器）；正式环境请用 gunicorn。",
    )
    serve.add_argument(
        "--host", metavar="地址", default="127.0.0.1", help="监听的地址（默认：127.0.0.1）"
    )
    serve.add_argument(
        "--port", metavar="端口", type=_port, default=8000, help="监听的端口（默认：8000）"
    )
    serve.add_argument("--data-dir", metavar="目录", help=_DATA_DIR)
    serve.add_argument(
        "--site-dir", metavar="目录", help="同时在 / 提供这个已生成的网站（即 PINGAN_SITE_DIR）"
    )
    serve.add_argument("--debug", action="store_true", help="Flask 调试模式（不可用于正式环境）")
    serve.set_defaults(func=_serve)

    worker = subparsers.add_parser(
        "worker",
        help="运行后台任务（大批量导出、通知）",
        description=(
            "从任务队列（PINGAN_QUEUE_URL）取出后台任务并执行：大批量导出、通知短信和邮件。"
            "可在多台机器上各运行一个；按 Ctrl+C 在当前任务完成后停止。"
        ),
    )
    worker.add_argument("--data-dir", metavar="目录", help=_DATA_DIR)
    worker.add_argument(
        "--threads", metavar="数量", type=int, default=2, help="同时执行的任务数（默认：2）"
    )
    worker.set_defaults(func=_worker)

    database = subparsers.add_parser(
        "db", help="管理报名服务的数据库", description="管理报名服务的数据库。"
    )
    actions = database.add_subparsers(
        dest="db_command", required=True, title="操作", metavar="操作"
    )
    upgrade = actions.add_parser(
        "upgrade",
        help="把数据库升级到最新版本（PINGAN_DATABASE_URL 所指的数据库）",
        description="执行数据库迁移，把 PINGAN_DATABASE_URL 所指的数据库升级到最新版本。",
    )
    upgrade.add_argument("--data-dir", metavar="目录", help=_DATA_DIR)
    upgrade.set_defaults(func=_upgrade)
    rotate = actions.add_parser(
        "rotate-keys",
        help="用 PINGAN_DATA_KEYS 的第一个密钥重新加密个人信息",
        description="用 PINGAN_DATA_KEYS 的第一个密钥重新加密所有报名中的个人信息。",
    )
    rotate.add_argument("--data-dir", metavar="目录", help=_DATA_DIR)
    rotate.set_defaults(func=_rotate)


_DATA_DIR = "部署的数据目录（即 PINGAN_DATA_DIR）"


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"“{text}”不是有效的端口号（1–65535）")
    return int(text)


def _config(args: argparse.Namespace, **extra) -> dict:
    config = dict(extra)
    if getattr(args, "data_dir", None):
        config["DATA_DIR"] = args.data_dir
    if getattr(args, "site_dir", None):
        config["SITE_DIR"] = os.path.abspath(args.site_dir)
    return config


def _serve(args: argparse.Namespace) -> int:
    from . import create_app

    problem = _port_problem(args.host, args.port)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    config = _config(args)
    config.setdefault("PUBLIC_URL", f"http://{args.host}:{args.port}")
    app = create_app(config)
    print(f"平安志愿者报名服务：http://{args.host}:{args.port}/apply/ （按 Ctrl+C 停止）")
    app.run(host=args.host, port=args.port, debug=args.debug, use_reloader=False)
    return 0


def _worker(args: argparse.Namespace) -> int:
    from . import create_app
    from .queue import run_worker

    app = create_app(_config(args, QUEUE_INLINE=False))
    print(f"后台任务执行中（{args.threads} 个线程），按 Ctrl+C 停止。", flush=True)
    run_worker(app, args.threads)
    return 0


def _port_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on *host*:*port*, in Chinese; None if it can.

    Binds and closes a socket as Werkzeug will (SO_REUSEADDR, so a port left in TIME_WAIT
    by the last run counts as free), before the URL is printed: otherwise Werkzeug prints
    the URL and then its English "Address already in use".
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError):
        return f"找不到地址“{host}”，请检查 --host（本机用 127.0.0.1）。"
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return (
                    f"端口 {port} 已被其他程序占用（{host}:{port}），报名服务无法启动。"
                    f"请换一个端口，例如 make demo PORT={_other_port(port)}，"
                    f"或 pingan serve --port {_other_port(port)}。"
                )
            if error.errno == errno.EACCES:
                return f"没有权限使用端口 {port}（1024 以下的端口需要管理员权限），请换一个端口。"
            return f"无法在 {host}:{port} 上启动报名服务（{os.strerror(error.errno or 0)}）。"
    return None


def _other_port(port: int) -> int:
    return port + 1 if port < 65535 else 8001


def _upgrade(args: argparse.Namespace) -> int:
    from . import create_app
    from .db import get_db
    from .migrate import upgrade

    app = create_app(_config(args, AUTO_MIGRATE=False, QUEUE_INLINE=False))
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

    app = create_app(_config(args, QUEUE_INLINE=False))
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
