"""The ``pingan`` command: wires the site builder's and the form service's commands.

Each side contributes its sub-commands through ``add_commands(subparsers)`` in its own
``commands`` module, so neither side imports the other's framework.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from .activities import ActivitiesError, load_activities
from .cli_text import ChineseArgumentParser
from .deployment import check_deployment, load_deployment
from .honours import DecisionsError, load_decisions

COMMAND_MODULES = (
    "pingan.printing.commands",
    "site_builder.commands",
    "form_service.commands",
    "form_service.office.commands",
    "form_service.honour_commands",
    "form_service.activity_commands",
    "form_service.statistics_commands",
)


def _check(args: argparse.Namespace) -> int:
    problems = check_deployment(Path(args.data_dir))
    if not problems and args.honours:
        try:
            load_decisions(args.honours, load_deployment(Path(args.data_dir)))
        except DecisionsError as error:
            problems = error.problems
    if not problems and args.activities:
        try:
            load_activities(args.activities, load_deployment(Path(args.data_dir)))
        except ActivitiesError as error:
            problems = error.problems
    if problems:
        print(problems.report(), file=sys.stderr)
        print(f"发现 {len(problems)} 个问题。", file=sys.stderr)
        return 1
    print(f"{args.data_dir}: 数据检查通过。")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(
        prog="pingan",
        description="平安志愿者门户：建站、报名与审核。“pingan 命令 --help”显示某个命令的说明。",
    )
    # Every sub-command's parser is a ChineseArgumentParser too: argparse gives them the
    # class of the parser that owns the sub-commands.
    subparsers = parser.add_subparsers(dest="command", required=True, title="命令", metavar="命令")
    check = subparsers.add_parser(
        "check",
        help="检查部署的数据目录",
        description="检查数据目录中的每个文件，逐条列出问题（文件:行号: 字段: 说明）。",
    )
    check.add_argument(
        "data_dir", metavar="数据目录", help="部署的数据目录，如 data 或 examples/chongqing"
    )
    check.add_argument(
        "--honours",
        metavar="文件",
        help="同时检查办公室导出的表彰决定（pingan honours export 写的 honours.json）",
    )
    check.add_argument(
        "--activities",
        metavar="文件",
        help="同时检查办公室导出的活动（pingan activities export 写的 activities.json）",
    )
    check.set_defaults(func=_check)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name is None or not (name + ".").startswith(error.name + "."):
                raise  # a missing dependency of a side that exists is a real error
            continue
        module.add_commands(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
