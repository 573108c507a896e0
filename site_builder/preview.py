"""``pingan preview DATA_DIR``: the site, rebuilt and reloaded in the browser as staff edit.

The site is built into a temporary folder and served by MkDocs' live-reload server, which
watches the data folder and the pages folder: when a YAML or Markdown file is saved, the site
is rebuilt and every open page reloads itself. When the data has an error, the site is not
rebuilt and every page shows the problems instead (and reloads again once they are fixed), so
whoever is editing sees them in the browser, not only in the terminal.

An edit of honours.yaml (a story, a volunteer, a project) renders again only the pages that
can show it and patches the search index (:mod:`site_builder.incremental`: a fraction of a
second at the Chongqing scale, where a full build takes about 20 s); any other edit, and any
the partial rebuild cannot prove safe, is a full ``pingan build`` (see benchmarks/README.md).
Either way the site is what ``pingan build`` makes of the data as saved.
"""

from __future__ import annotations

import html
import logging
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

from mkdocs.livereload import LiveReloadServer

from pingan.deployment import DataError, load_deployment

from . import incremental
from .commands import BuildFailed, build_site
from .snapshot import take_snapshot

log = logging.getLogger("pingan.preview")


class Preview:
    """Builds one deployment's site, keeping the last build's problems.

    *site_dir* (what the server serves) is a symbolic link to the last good build: each
    build goes into a new folder, the link is switched to it in one step, and the previous
    build is deleted in the background (deleting thousands of files takes longer than
    writing them on some file systems), so a rebuild costs what a build does and a broken
    build leaves the last good site in place.
    """

    def __init__(
        self,
        data_dir: Path,
        site_dir: Path,
        *,
        form_url: str | None,
        site_url: str,
        honours: Path | None = None,
        activities: Path | None = None,
        statistics: Path | None = None,
    ):
        self.data_dir = data_dir
        #: The offices' published activities (``pingan activities export``), if any.
        self.activities = activities
        #: The form service's counts for the charts (``pingan statistics export``), if any.
        self.statistics = statistics
        #: The offices' honour decisions (``pingan honours export``), if any.
        self.honours = honours
        self.site_dir = site_dir
        self.form_url = form_url
        self.site_url = site_url
        #: The last build's problems (text), or None when it succeeded.
        self.problems: str | None = None
        self.seconds = 0.0
        self.lock = threading.Lock()
        self.builds = 0
        #: What the last full build leaves for partial rebuilds (None: the next is full).
        self.state: incremental.BuildState | None = None
        #: How the last rebuild went: "full" or "partial".
        self.last = ""
        #: The pages folder, once the data has said where (when it is outside the data).
        self.content_dir: Path | None = None

    def build(self) -> None:
        started = time.perf_counter()
        with self.lock:
            inputs = take_snapshot(self._inputs())  # before anything is read
            if self._rebuild_part(inputs):
                self.problems = None
                self.seconds = time.perf_counter() - started
                self.last = "partial"
                assert self.state is not None
                log.info(
                    "网站已更新（重新生成 %d 个页面，用时 %.2f 秒）",
                    len(self.state.rendered),
                    self.seconds,
                )
                return
            try:
                deployment = load_deployment(self.data_dir)
            except DataError as error:
                self.problems = error.problems.report()
                log.error("数据有误，网站未更新：\n%s", self.problems)
                return
            if self._outside_data(deployment.content_dir) != self.content_dir:
                self.content_dir = self._outside_data(deployment.content_dir)
                inputs = take_snapshot(self._inputs())  # before MkDocs reads the pages
            self.builds += 1
            target = self.site_dir.with_name(f"{self.site_dir.name}.build-{self.builds}")
            configs = []
            try:
                build_site(
                    self.data_dir,
                    target,
                    form_url=self.form_url,
                    site_url=self.site_url,
                    deployment=deployment,
                    honours=self.honours,
                    activities=self.activities,
                    statistics=self.statistics,
                    built=configs.append,
                )
            except BuildFailed as error:
                self.problems = str(error)
                log.error("网站未能生成：\n%s", self.problems)
                shutil.rmtree(target, ignore_errors=True)
                return
            previous = self.site_dir.resolve() if self.site_dir.is_symlink() else None
            link = self.site_dir.with_name(f"{self.site_dir.name}.link")
            link.unlink(missing_ok=True)
            link.symlink_to(target.name)
            os.replace(link, self.site_dir)
            if previous is not None:
                threading.Thread(target=shutil.rmtree, args=(previous, True), daemon=True).start()
            self.state = incremental.capture(configs[0], target, inputs) if configs else None
            self.problems = None
            self.seconds = time.perf_counter() - started
            self.last = "full"
        log.info("网站已更新（用时 %.2f 秒）", self.seconds)

    def _rebuild_part(self, inputs: dict) -> bool:
        """A partial rebuild, when the last full build allows one and the edit is one it can
        make (otherwise, or should it fail in any way, the caller makes a full build)."""
        if self.state is None:
            return False
        try:
            return incremental.rebuild(self.state, inputs)
        except Exception:
            # It may have written some files: only a full build is sure of the site now.
            log.exception("局部更新失败，改为完整生成网站")
            self.state = None
            return False

    def _inputs(self) -> list[Path]:
        """What a build reads: the data folder, the pages folder and the other inputs."""
        paths = [self.data_dir, self.honours, self.activities, self.statistics, self.content_dir]
        return [path for path in paths if path is not None]

    def _outside_data(self, content_dir: Path) -> Path | None:
        inside = content_dir.resolve().is_relative_to(self.data_dir.resolve())
        return None if inside or not content_dir.is_dir() else content_dir

    def remove(self) -> None:
        """Delete the served build and its link."""
        with self.lock:
            if self.site_dir.is_symlink():
                shutil.rmtree(self.site_dir.resolve(), ignore_errors=True)
                self.site_dir.unlink()

    def watched(self) -> list[Path]:
        """The data folder and, when the data says where, the pages folder."""
        paths = [self.data_dir]
        if self.honours is not None:
            paths.append(self.honours)
        if self.activities is not None:
            paths.append(self.activities)
        if self.statistics is not None:
            paths.append(self.statistics)
        try:
            content_dir = load_deployment(self.data_dir).content_dir
        except DataError:
            return paths
        if content_dir.is_dir() and not content_dir.resolve().is_relative_to(
            self.data_dir.resolve()
        ):
            paths.append(content_dir)
        return paths


def problems_page(problems: str) -> bytes:
    """The page shown instead of every page of the site while the data has errors."""
    return (
        "<!doctype html>\n"
        '<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        "<title>数据有误，网站未更新</title>"
        "<style>body{font:1rem/1.6 system-ui,sans-serif;margin:1rem;max-width:60rem}"
        "pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#fff4f4;color:#600;"
        "border:1px solid #c00;padding:1rem}</style></head><body><main>"
        "<h1>数据有误，网站未更新</h1>"
        "<p>保存修改后，本页会自动刷新；问题改正后将显示更新后的网站。</p>"
        f'<pre id="pingan-preview-problems">{html.escape(problems)}</pre>'
        "</main></body></html>"
    ).encode()


class PreviewServer(LiveReloadServer):
    """MkDocs' live-reload server, showing the data's problems instead of a stale page."""

    def __init__(self, preview: Preview, host: str, port: int) -> None:
        self.preview = preview
        super().__init__(builder=preview.build, host=host, port=port, root=str(preview.site_dir))

    def _serve_request(self, environ, start_response):
        path = environ["PATH_INFO"]
        problems = self.preview.problems
        if problems is not None and (path.endswith("/") or path.endswith(".html")):
            with self._epoch_cond:
                epoch = self._visible_epoch
            content = self._inject_js_into_html(problems_page(problems), epoch)
            headers = [("Content-Type", "text/html; charset=utf-8")]
            start_response("200 OK", [*headers, ("Content-Length", str(len(content)))])
            return [content]
        return super()._serve_request(environ, start_response)


def serve_preview(
    data_dir: Path,
    *,
    host: str,
    port: int,
    form_url: str | None = None,
    honours: Path | None = None,
    activities: Path | None = None,
    statistics: Path | None = None,
) -> PreviewServer:
    """Build once, then return the server (call ``serve()``; ``shutdown()`` stops it)."""
    site_dir = Path(tempfile.mkdtemp(prefix="pingan-preview-")) / "site"
    preview = Preview(
        data_dir,
        site_dir,
        form_url=form_url,
        site_url=f"http://{host}:{port}/",
        honours=honours,
        activities=activities,
        statistics=statistics,
    )
    preview.build()
    server = PreviewServer(preview, host, port)
    for path in preview.watched():
        server.watch(str(path))
    return server
