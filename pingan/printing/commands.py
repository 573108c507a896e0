"""``pingan poster`` and ``pingan paper-form``: printed matter from the deployment's data."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..deployment import DataError, load_deployment

_DATA_DIR = "部署的数据目录，如 data"
#: Where ``make demo`` serves the form (as the site builder assumes without ``form_url``).
DEFAULT_FORM_URL = "http://127.0.0.1:8000"
_OUT = "写入的文件：以 .pdf 结尾生成 PDF，以 .html 结尾生成网页（可用浏览器打印）"


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    poster = subparsers.add_parser(
        "poster",
        help="生成招募海报（A4，PDF 或网页）",
        description="生成一项招募的 A4 海报：谁可以报名、志愿者做什么、怎样报名和报名二维码。"
        "指定 --unit 时二维码预先选好这个单位，指定 --via 时带上网格员编号。",
    )
    poster.add_argument("data_dir", metavar="数据目录", help=_DATA_DIR)
    poster.add_argument("--campaign", metavar="招募", required=True, help="招募的 id")
    poster.add_argument("--unit", metavar="单位", help="报名单位的 id（二维码预先选好）")
    poster.add_argument("--via", metavar="编号", help="网格员编号（二维码带上，统计推荐人数）")
    poster.add_argument(
        "--form-url",
        metavar="网址",
        help="报名服务的公开网址（默认取 deployment.yaml 的 form_url）",
    )
    poster.add_argument("-o", "--out", metavar="文件", required=True, help=_OUT)
    poster.set_defaults(func=_poster)

    paper = subparsers.add_parser(
        "paper-form",
        help="生成纸质登记表（A4，PDF 或网页）",
        description="按网上报名表的字段生成空白纸质登记表，供不便网上报名的群众填写；"
        "工作人员收表后通过名册导入录入，校验与网上报名相同。",
    )
    paper.add_argument("data_dir", metavar="数据目录", help=_DATA_DIR)
    paper.add_argument("--campaign", metavar="招募", required=True, help="招募的 id")
    paper.add_argument("-o", "--out", metavar="文件", required=True, help=_OUT)
    paper.set_defaults(func=_paper_form)


def _load(args: argparse.Namespace):
    try:
        deployment = load_deployment(Path(args.data_dir))
    except DataError as error:
        print(error.problems.report(), file=sys.stderr)
        return None, None
    campaign = deployment.campaigns.get(args.campaign)
    if campaign is None:
        known = "、".join(sorted(deployment.campaigns))
        print(f"没有招募“{args.campaign}”。可用的招募：{known}", file=sys.stderr)
        return None, None
    return deployment, campaign


def _write(html: str, out: str) -> int:
    from . import html_to_pdf

    path = Path(out)
    if path.suffix.lower() == ".pdf":
        path.write_bytes(html_to_pdf(html))
    elif path.suffix.lower() in (".html", ".htm"):
        path.write_text(html, encoding="utf-8")
    else:
        print("输出文件应以 .pdf 或 .html 结尾。", file=sys.stderr)
        return 2
    print(f"已生成：{path}")
    return 0


def _poster(args: argparse.Namespace) -> int:
    from . import poster_html

    deployment, campaign = _load(args)
    if deployment is None:
        return 2
    if args.unit and args.unit not in deployment.tree:
        print(f"没有单位“{args.unit}”，请用 units.yaml 中的单位 id。", file=sys.stderr)
        return 2
    form_url = args.form_url or deployment.settings.get("form_url") or DEFAULT_FORM_URL
    return _write(poster_html(deployment, campaign, form_url, args.unit, args.via), args.out)


def _paper_form(args: argparse.Namespace) -> int:
    from . import paper_form_html

    deployment, campaign = _load(args)
    if deployment is None:
        return 2
    return _write(paper_form_html(deployment, campaign), args.out)
