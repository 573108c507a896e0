"""``pingan activities …``: the offices' published activities for the site's build, and
the demo's example activity.

``pingan activities export --out FILE`` writes ``activities.json`` (checked by
``pingan.activities.load_activities`` when the site is built with ``--activities``); run
it before each scheduled build. ``pingan activities example`` publishes the deployment's
example activity (records.yaml's ``example_activity``) through the same code as the
office pages, for ``make demo``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    activities = subparsers.add_parser(
        "activities", help="志愿服务活动：导出给网站", description="志愿服务活动的命令。"
    )
    actions = activities.add_subparsers(
        dest="activities_command", required=True, title="操作", metavar="操作"
    )
    export = actions.add_parser(
        "export",
        help="导出已发布的活动，供生成网站时读取",
        description=(
            "把办公室已发布的志愿服务活动和培训（时间、地点、服务类型、名额和已报名人数，"
            "不含任何个人信息）写入一个 JSON 文件；生成网站时用 --activities 读取它。"
            "列出尚未开始的和一年内开始的活动。"
        ),
    )
    export.add_argument(
        "--out", metavar="文件", required=True, help="写入的文件，如 activities.json"
    )
    export.add_argument("--data-dir", metavar="目录", help="部署的数据目录（即 PINGAN_DATA_DIR）")
    export.set_defaults(func=_export)
    example = actions.add_parser(
        "example",
        help="发布部署的示例活动（演示用）",
        description=(
            "按 records.yaml 的 example_activity 发布一个标为“示例”的活动，"
            "开始时间在今天之后，供演示报名；已有尚未开始的示例活动时不再发布。"
        ),
    )
    example.add_argument("--data-dir", metavar="目录", help="部署的数据目录（即 PINGAN_DATA_DIR）")
    example.set_defaults(func=_example)


def _export(args: argparse.Namespace) -> int:
    from flask import current_app

    from .context import current_deployment
    from .db import get_db
    from .office.commands import _app_context
    from .published_activities import write_activities

    out = Path(args.out)
    # A session of its own, closed before the app's database is disposed.
    with _app_context(args), get_db().sessions() as session:
        count = write_activities(session, current_deployment(), current_app.config["TIMEZONE"], out)
    print(f"已写入 {out}：{count} 项活动。", file=sys.stderr)
    return 0


def _example(args: argparse.Namespace) -> int:
    from .example_activity import publish_example
    from .office.commands import _app_context, _operator

    with _app_context(args):
        outcome = publish_example(_operator())
    print(outcome.message)
    return 0 if outcome.ok else 1
