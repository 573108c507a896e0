"""``pingan office add-user|reset-password`` and ``pingan export``: the offices' commands.

Passwords are read without echo (``getpass``), or from standard input with
``--password-stdin`` for scripts; they never appear on the command line, where ``ps``
and shell history would show them. Every command is recorded in the audit log as done
from the command line by the operating-system user who ran it.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    office = subparsers.add_parser(
        "office", help="管理办公室账号", description="创建办公室账号，重置密码。"
    )
    actions = office.add_subparsers(
        dest="office_command", required=True, title="操作", metavar="操作"
    )

    add = actions.add_parser(
        "add-user",
        help="创建办公室账号",
        description="创建办公室账号；密码在提示时输入两次（不显示），至少 10 个字符。",
    )
    add.add_argument("username", metavar="用户名", help="登录名，如 hutang-review")
    add.add_argument(
        "--unit", metavar="单位", required=True, help="账号所属单位的 id（见 units.yaml）"
    )
    add.add_argument(
        "--role",
        choices=("reviewer", "administrator"),
        default="reviewer",
        help="角色：reviewer 审核员（默认）或 administrator 管理员",
    )
    add.add_argument("--name", metavar="姓名", help="审核记录中显示的姓名")
    _common(add)
    add.set_defaults(func=_add_user)

    reset = actions.add_parser(
        "reset-password",
        help="设置新密码，结束该账号的所有登录会话",
        description="设置新密码，结束该账号的所有登录会话，并解除锁定。",
    )
    reset.add_argument("username", metavar="用户名", help="账号的登录名")
    _common(reset)
    reset.set_defaults(func=_reset_password)

    export = subparsers.add_parser(
        "export",
        help="导出一个单位的数据包（ZIP）",
        description="把一个单位及其下所有单位的报名导出为数据包（ZIP），并记入审计日志。",
    )
    export.add_argument(
        "--unit", metavar="单位", required=True, help="单位 id，连同其下所有单位一起导出"
    )
    export.add_argument("--out", metavar="文件", required=True, help="要写入的 ZIP 文件")
    export.add_argument(
        "--campaign", metavar="招募", action="append", help="只导出这个招募（可重复）"
    )
    export.add_argument(
        "--column", metavar="列", action="append", help="只导出这些 CSV 列（可重复）"
    )
    export.add_argument(
        "--full-id-numbers", action="store_true", help="导出完整的身份证号码（记入审计日志）"
    )
    export.add_argument(
        "--csv-only",
        action="store_true",
        help="只导出 CSV 数据包，不含 Excel 工作簿（数据量大时快得多）",
    )
    export.add_argument("--data-dir", metavar="目录", help="部署的数据目录（即 PINGAN_DATA_DIR）")
    export.set_defaults(func=_export)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin", action="store_true", help="从标准输入读取密码（供脚本使用）"
    )
    parser.add_argument("--data-dir", metavar="目录", help="部署的数据目录（即 PINGAN_DATA_DIR）")


@contextlib.contextmanager
def _app_context(args: argparse.Namespace) -> Iterator[Flask]:
    """The service's app, in its context; its database connections closed at the end (the
    process may go on, as it does in the tests)."""
    from .. import create_app
    from ..db import get_db

    config = {"DATA_DIR": args.data_dir} if args.data_dir else {}
    config["QUEUE_INLINE"] = False  # a command runs no background tasks of the service
    app = create_app(config)
    with app.app_context():
        try:
            yield app
        finally:
            get_db().dispose()


def _operator() -> str:
    try:
        return f"命令行（{getpass.getuser()}）"
    except Exception:  # no login name in some containers
        return "命令行"


def _read_password(args: argparse.Namespace) -> str | None:
    from .auth import password_problem

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("新密码：")
        if getpass.getpass("再输入一次：") != password:
            print("两次输入的密码不一致。", file=sys.stderr)
            return None
    problem = password_problem(password)
    if problem:
        print(problem + "。", file=sys.stderr)
        return None
    return password


def _add_user(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from ..db import get_db
    from ..office_models import User
    from .audit import record
    from .auth import hash_password

    with _app_context(args) as app:
        tree = app.extensions["pingan_deployment"].tree
        if args.unit not in tree:
            print(f"没有单位“{args.unit}”，请用 units.yaml 中的单位 id。", file=sys.stderr)
            return 2
        username = args.username.strip()
        if not username or len(username) > 60 or not username.isprintable():
            print("用户名应为 1–60 个可打印字符。", file=sys.stderr)
            return 2
        with get_db().sessions() as session:
            if session.scalar(select(User.id).where(User.username == username)):
                print(f"用户名“{username}”已存在。", file=sys.stderr)
                return 1
        password = _read_password(args)
        if password is None:
            return 2
        with get_db().write() as session:
            user = User(
                username=username,
                display_name=(args.name or username)[:60],
                unit=args.unit,
                role=args.role,
                password_hash=hash_password(password),
            )
            session.add(user)
            session.flush()
            record(
                session,
                "user_added",
                actor=_operator(),
                unit=args.unit,
                ip=None,
                username=username,
                role=args.role,
            )
        role = "管理员" if args.role == "administrator" else "审核员"
        print(f"已创建{role}账号“{username}”，所属单位：{tree[args.unit].name}。")
        print("登录地址：/office/login")
    return 0


def _reset_password(args: argparse.Namespace) -> int:
    from sqlalchemy import delete, select

    from ..db import get_db
    from ..models import utcnow
    from ..office_models import LoginAttempt, User
    from .audit import record
    from .auth import hash_password, revoke_sessions_of

    with _app_context(args):
        with get_db().sessions() as session:
            user = session.scalar(select(User).where(User.username == args.username))
        if user is None:
            print(f"没有用户名为“{args.username}”的账号。", file=sys.stderr)
            return 1
        password = _read_password(args)
        if password is None:
            return 2
        with get_db().write() as session:
            stored = session.get(User, user.id)
            stored.password_hash = hash_password(password)
            stored.password_changed_at = utcnow()
            revoke_sessions_of(session, user.id)
            session.execute(
                delete(LoginAttempt).where(
                    LoginAttempt.username == user.username, LoginAttempt.succeeded.is_(False)
                )
            )
            record(
                session,
                "password_reset",
                actor=_operator(),
                unit=user.unit,
                ip=None,
                username=user.username,
            )
        print(f"已重置“{user.username}”的密码，该账号的所有登录会话已失效，锁定已解除。")
    return 0


def _export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pingan.export.package import ROSTER_WORKBOOK, TABLES_WORKBOOK
    from pingan.export.schema import ColumnError

    from .exports import ExportRequest, audit_export, write_export

    with _app_context(args) as app:
        deployment = app.extensions["pingan_deployment"]
        if args.unit not in deployment.tree:
            print(f"没有单位“{args.unit}”。", file=sys.stderr)
            return 2
        unknown = [c for c in args.campaign or [] if c not in deployment.campaigns]
        if unknown:
            print(f"没有招募“{unknown[0]}”。", file=sys.stderr)
            return 2
        request = ExportRequest(
            unit=args.unit,
            campaigns=tuple(args.campaign or deployment.campaigns),
            columns=tuple(args.column) if args.column else None,
            full_id_numbers=args.full_id_numbers,
            workbooks=not args.csv_only,
        )
        # Written beside the target and renamed once audited: the package appears under
        # its name only complete and recorded in the audit log.
        target = Path(args.out)
        partial = target.with_name(f".{target.name}.part")
        try:
            summary = write_export(request, partial)
        except ColumnError as error:
            print(str(error), file=sys.stderr)
            return 1
        rows = sum(summary.rows.values())
        try:
            audit_export(request, rows, summary.excluded_count, actor=_operator(), ip=None)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(target)
        masked = "完整身份证号码" if args.full_id_numbers else "身份证号码已隐去出生日期"
        print(f"已导出 {rows} 份报名到 {args.out}（{masked}）。")
        if args.csv_only:
            print("数据包只含 CSV（供数据工具读取），不含 Excel 工作簿。")
        else:
            workbooks = f"{TABLES_WORKBOOK} 或 {ROSTER_WORKBOOK}"
            print(f"用 Excel 查看请打开其中的 {workbooks}；CSV 供数据工具读取。")
        _print_excluded(summary)
        for campaign, count in summary.formula_like.items():
            print(
                f"注意：招募 {campaign} 有 {count} 个以 = + - @ 开头的值"
                f"（{TABLES_WORKBOOK} 和 {ROSTER_WORKBOOK} 中按文本保存）。",
                file=sys.stderr,
            )
    return 0


def _print_excluded(summary) -> None:
    """Each record the package left out, by reference (never a value: no ID numbers)."""
    if not summary.excluded_count:
        return
    print(
        f"注意：有 {summary.excluded_count} 份报名因数据有误未能导出，"
        "名单也在数据包的 excluded.csv 中：",
        file=sys.stderr,
    )
    for item in summary.excluded:
        field = f"“{item.field}”" if item.field else ""
        print(f"  {item.reference}（{item.campaign}）{field}：{item.reason}", file=sys.stderr)
    rest = summary.excluded_count - len(summary.excluded)
    if rest:
        print(f"  ……另有 {rest} 份，见 excluded.csv。", file=sys.stderr)
