"""``pingan honours export --out FILE``: the offices' honour decisions for the site's build.

The site builder never imports the form service: it reads the file this writes (checked
against ``pingan/schemas/honour_decisions.schema.yaml`` by ``pingan.honours.load_decisions``).
Run it before each scheduled build, or after an office nominates or withdraws.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    honours = subparsers.add_parser(
        "honours", help="表彰提名：导出给网站", description="表彰提名的命令。"
    )
    actions = honours.add_subparsers(
        dest="honours_command", required=True, title="操作", metavar="操作"
    )
    export = actions.add_parser(
        "export",
        help="导出表彰提名和公示，供生成网站时读取",
        description=(
            "把办公室的表彰提名（公示日期、异议受理方式、撤回与否）写入一个 JSON 文件；"
            "生成网站时读取它，公示中和已授予的荣誉按生成当天的日期显示，撤回的不显示。"
        ),
    )
    export.add_argument("--out", metavar="文件", required=True, help="写入的文件，如 honours.json")
    export.add_argument("--data-dir", metavar="目录", help="部署的数据目录（即 PINGAN_DATA_DIR）")
    export.set_defaults(func=_export)


def _export(args: argparse.Namespace) -> int:
    from .context import current_deployment
    from .db import get_db
    from .honours import write_decisions
    from .office.commands import _app_context

    out = Path(args.out)
    # A session of its own, closed before the app's database is disposed.
    with _app_context(args), get_db().sessions() as session:
        count = write_decisions(session, current_deployment().id, out)
    print(f"已写入 {out}：{count} 项表彰提名。", file=sys.stderr)
    return 0
