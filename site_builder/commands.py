"""``pingan build``: check a deployment's data, then build its static site with MkDocs."""

from __future__ import annotations

import argparse
import datetime
import logging
import os
import sys
import time
from pathlib import Path

from pingan.deployment import DataError, load_deployment


def _shared_config() -> Path:
    """The mkdocs.yml every deployment shares, with theme/ beside it (its custom_dir)."""
    package = Path(__file__).resolve().parent
    bundled = package / "bundled" / "mkdocs.yml"  # a wheel: setup.py copies them there
    return bundled if bundled.is_file() else package.parent / "mkdocs.yml"  # a checkout


#: The shared mkdocs.yml: at the top of the repository, or inside an installed wheel.
DEFAULT_CONFIG = _shared_config()


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``pingan build`` on the ``pingan`` command."""
    build = subparsers.add_parser(
        "build",
        help="生成部署的静态网站",
        description="检查数据，然后生成静态网站（任何网站服务器都可以发布）。",
    )
    build.add_argument("data_dir", metavar="数据目录", help="部署的数据目录，如 data")
    build.add_argument(
        "--site-dir", metavar="目录", default="site", help="网站生成到这个目录（默认：site）"
    )
    build.add_argument(
        "--form-url", metavar="网址", help="报名服务的公开网址（报名按钮和二维码指向这里）"
    )
    build.add_argument(
        "--site-url",
        metavar="网址",
        help="网站本身的公开网址（页面的规范链接、og:url 和站点地图用它）",
    )
    build.add_argument(
        "--build-date",
        type=_date,
        metavar="日期",
        help="把这一天（YYYY-MM-DD）当作今天生成网站，也用作 SOURCE_DATE_EPOCH",
    )
    build.add_argument(
        "--honours",
        metavar="文件",
        help="办公室的表彰决定（pingan honours export 写的 honours.json）："
        "光荣榜据此显示公示中和已授予的表彰，不显示已撤回的",
    )
    build.add_argument(
        "--statistics",
        metavar="文件",
        help="报名服务的统计数（pingan statistics export 写的 statistics.json）："
        "名额页、招募公告页据此画出进度和报名趋势图，并列出网格工作站排行",
    )
    build.add_argument(
        "--activities",
        metavar="文件",
        help="办公室已发布的志愿服务活动（pingan activities export 写的 activities.json）："
        "网站据此生成每项活动的页面和活动列表",
    )
    build.add_argument(
        "--cache-dir",
        metavar="目录",
        help="处理后的照片缓存在这里，重新生成时不再处理（默认：数据目录下的 .pingan-cache）",
    )
    build.add_argument("--strict", action="store_true", help="MkDocs 有任何警告即视为失败")
    build.add_argument("--config-file", default=str(DEFAULT_CONFIG), help=argparse.SUPPRESS)
    build.set_defaults(func=run_build)

    preview = subparsers.add_parser(
        "preview",
        help="边改数据边预览网站（自动重建、自动刷新）",
        description=(
            "生成网站并在本机提供预览：保存数据目录或页面目录中的文件后自动重新生成，"
            "浏览器中打开的页面自动刷新；数据有误时页面上直接显示问题。"
        ),
    )
    preview.add_argument("data_dir", metavar="数据目录", help="部署的数据目录，如 data")
    preview.add_argument("--host", default="127.0.0.1", help="监听地址（默认：127.0.0.1）")
    preview.add_argument("--port", type=int, default=8001, help="端口（默认：8001）")
    preview.add_argument(
        "--form-url", metavar="网址", help="报名服务的网址（报名按钮和二维码指向这里）"
    )
    preview.add_argument(
        "--honours",
        metavar="文件",
        help="办公室的表彰决定（pingan honours export 写的 honours.json）",
    )
    preview.add_argument(
        "--statistics",
        metavar="文件",
        help="报名服务的统计数（pingan statistics export 写的 statistics.json），用于图表",
    )
    preview.add_argument(
        "--activities",
        metavar="文件",
        help="办公室已发布的志愿服务活动（pingan activities export 写的 activities.json）",
    )
    preview.set_defaults(func=run_preview)


def _date(text: str) -> str:
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"不是有效日期（格式 YYYY-MM-DD）：{text}") from None
    return text


def run_build(args: argparse.Namespace) -> int:
    """Load and check first (nothing is written on a data error), then build."""
    try:
        deployment = load_deployment(Path(args.data_dir))
    except DataError as error:
        print(error.problems.report(), file=sys.stderr)
        print(f"发现 {len(error.problems)} 个问题，未生成网站。", file=sys.stderr)
        return 1
    if args.build_date and "SOURCE_DATE_EPOCH" not in os.environ:
        day = datetime.datetime.fromisoformat(args.build_date).replace(tzinfo=datetime.UTC)
        os.environ["SOURCE_DATE_EPOCH"] = str(int(day.timestamp()))
    started = time.monotonic()
    try:
        pages = build_site(
            deployment_dir=Path(args.data_dir),
            site_dir=Path(args.site_dir),
            form_url=args.form_url,
            site_url=args.site_url,
            build_date=args.build_date,
            strict=args.strict,
            config_file=Path(args.config_file),
            deployment=deployment,
            honours=Path(args.honours) if args.honours else None,
            activities=Path(args.activities) if args.activities else None,
            statistics=Path(args.statistics) if args.statistics else None,
            plugin_options={"cache_dir": str(Path(args.cache_dir).resolve())}
            if args.cache_dir
            else None,
        )
    except BuildFailed as error:
        print(f"未生成网站：{error}", file=sys.stderr)
        return 1
    seconds = time.monotonic() - started
    print(f"已生成网站：{args.site_dir}（{pages} 个页面，用时 {seconds:.1f} 秒）")
    return 0


def run_preview(args: argparse.Namespace) -> int:
    """Serve the site until interrupted, rebuilding it whenever the data changes."""
    from .preview import serve_preview

    _show_mkdocs_warnings()
    _quiet_jieba()
    logger = logging.getLogger("pingan.preview")
    logger.addHandler(logging.StreamHandler(sys.stderr))
    logger.setLevel(logging.INFO)
    server = serve_preview(
        Path(args.data_dir),
        host=args.host,
        port=args.port,
        form_url=args.form_url,
        honours=Path(args.honours) if args.honours else None,
        activities=Path(args.activities) if args.activities else None,
        statistics=Path(args.statistics) if args.statistics else None,
    )
    print(f"预览网址：http://{args.host}:{args.port}/（按 Ctrl+C 停止）", flush=True)
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
    return 0


class BuildFailed(Exception):
    """MkDocs refused the configuration or stopped the build."""


def build_site(
    deployment_dir: Path,
    site_dir: Path,
    *,
    form_url: str | None = None,
    site_url: str | None = None,
    build_date: str | None = None,
    strict: bool = False,
    config_file: Path = DEFAULT_CONFIG,
    deployment=None,
    honours: Path | None = None,
    activities: Path | None = None,
    statistics: Path | None = None,
    plugin_options: dict | None = None,
    built=None,
) -> int:
    """Build one deployment's site into *site_dir*; return the number of HTML pages.

    *activities* is the offices' published activities (``pingan activities export``) and
    *honours* is the offices' decisions file (``pingan honours export``), if any;
    *statistics* the form service's counts (``pingan statistics export``), if any.

    *plugin_options* overrides the pingan plugin's other options (``workers``, ``shell``).
    *built*, if given, is called with MkDocs' configuration after the build (the preview
    keeps it for its partial rebuilds)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError, PluginError

    if deployment is None:
        try:
            deployment = load_deployment(deployment_dir)
        except DataError as error:
            raise BuildFailed(
                f"{error.problems.report()}\n发现 {len(error.problems)} 个问题，未生成网站。"
            ) from None
    # MkDocs checks that docs_dir exists before the plugin sets the deployment's own, and the
    # shared mkdocs.yml's content/ exists only in a checkout: name the right folder up front.
    content_dir = deployment.content_dir
    docs_dir = content_dir if content_dir.is_dir() else deployment.root.resolve()
    _show_mkdocs_warnings()
    _quiet_jieba()
    collector = _ErrorCollector()
    logging.getLogger("mkdocs").addHandler(collector)
    try:
        config = load_config(
            config_file=str(config_file),
            docs_dir=str(docs_dir),
            site_dir=str(site_dir.resolve()),
            strict=strict,
        )
        plugin = config.plugins["pingan"]
        options = {
            **plugin.config,
            "data_dir": str(deployment_dir.resolve()),
            "form_url": form_url or "",
            "site_url": site_url or "",
            "build_date": build_date or "",
            "honours": str(honours.resolve()) if honours else "",
            "activities": str(activities.resolve()) if activities else "",
            "statistics": str(statistics.resolve()) if statistics else "",
            **(plugin_options or {}),
        }
        errors, warnings = plugin.load_config(options, config.config_file_path)
        problems = [f"{key}: {error}" for key, error in errors + warnings]
        if problems:
            raise BuildFailed("；".join(problems))
        plugin.use_deployment(deployment)
        build(config)
        if built is not None:
            built(config)
    except (Abort, ConfigurationError, PluginError) as error:
        raise BuildFailed("\n".join(collector.messages) or str(error)) from None
    finally:
        logging.getLogger("mkdocs").removeHandler(collector)
    return sum(1 for _ in site_dir.rglob("*.html"))


def _quiet_jieba() -> None:
    """jieba (Chinese search segmentation) logs its dictionary loading at DEBUG to stderr."""
    import jieba

    jieba.setLogLevel(logging.WARNING)


class _ErrorCollector(logging.Handler):
    """Keeps MkDocs' error messages: its Abort only says that the build stopped."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _show_mkdocs_warnings() -> None:
    """Print MkDocs' warnings (the CLI would); once, however many builds run. Errors are
    printed once, by run_build, from BuildFailed."""
    logger = logging.getLogger("mkdocs")
    if not any(getattr(handler, "_pingan", False) for handler in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setLevel(logging.WARNING)
        handler.addFilter(lambda record: record.levelno == logging.WARNING)  # errors: BuildFailed
        handler.setFormatter(logging.Formatter("%(levelname)s - %(message)s"))
        handler._pingan = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
