"""``pingan statistics export OUT``: the service's aggregate counts for the site's charts.

The site builder never imports the form service: it reads the file this writes (checked
against ``pingan/schemas/statistics.schema.yaml`` by ``pingan.statistics.load_statistics``).
Run it before each scheduled build; a rebuild queued by an office writes it by itself.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    statistics = subparsers.add_parser(
        "statistics", help="统计数据：导出给网站的图表", description="统计数据的命令。"
    )
    actions = statistics.add_subparsers(
        dest="statistics_command", required=True, title="操作", metavar="操作"
    )
    export = actions.add_parser(
        "export",
        help="导出报名、注册、服务时长和网格工作站的统计数，供生成网站时读取",
        description=(
            "把各招募各单位每天的报名数和注册数、各单位的注册志愿者数、各单位每月的服务时长、"
            "各网格工作站经网格员报名和注册的人数写入一个 JSON 文件；只有合计数，不含任何人的"
            "姓名、证件号码或网格员。生成网站时用 --statistics 读取它，画出图表和工作站排行。"
        ),
    )
    export.add_argument("out", metavar="文件", help="写入的文件，如 statistics.json")
    export.add_argument("--data-dir", metavar="目录", help="部署的数据目录（即 PINGAN_DATA_DIR）")
    export.set_defaults(func=_export)


def _export(args: argparse.Namespace) -> int:
    from flask import current_app

    from .context import current_deployment, today
    from .db import get_db
    from .office.commands import _app_context
    from .statistics import write_statistics

    out = Path(args.out)
    if not out.parent.is_dir():
        print(f"目录不存在：{out.parent}", file=sys.stderr)
        return 1
    # A session of its own, closed before the app's database is disposed.
    with _app_context(args), get_db().sessions() as session:
        zone = current_app.config["TIMEZONE"]
        count = write_statistics(session, current_deployment(), zone, today(), out)
    print(f"已写入 {out}：共计 {count} 份报名的统计数。", file=sys.stderr)
    return 0
