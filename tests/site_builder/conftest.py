"""Fixtures of the site-builder tests: build a deployment's site once, read its pages.

Every reference deployment (data/ and each examples/<name>/) is found by globbing, so an
example that lands later is built and checked without editing the tests.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from site_helpers import (
    DEPLOYMENT_DIRS,
    FORM_URL,
    PRESENT,
    ROOT,
    deployment_id,
    pinned_epoch,
)

from site_builder.commands import build_site as build_into

#: Fixtures that build whole sites with MkDocs: every test that uses one is marked ``slow``
#: (``pytest -m "not slow"`` gives a quick run), so a new test needs no marker of its own.
SITE_BUILDING_FIXTURES = frozenset({"build_site", "built_sites"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SITE_BUILDING_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def _build(data_dir: Path, site_dir: Path, **options) -> Path:
    options.setdefault("build_date", PRESENT)
    options.setdefault("form_url", FORM_URL)
    options.setdefault("strict", True)
    with pinned_epoch():
        build_into(data_dir, site_dir, **options)
    return site_dir


@pytest.fixture
def build_site(tmp_path: Path) -> Callable[..., Path]:
    """``build_site(data_dir, **options)`` → a fresh site folder under tmp_path."""
    count = 0

    def build(data_dir: Path | str, **options) -> Path:
        nonlocal count
        count += 1
        return _build(Path(data_dir), tmp_path / f"site-{count}", **options)

    return build


class BuiltSite:
    """A built site and helpers to read its pages as parsed HTML."""

    def __init__(self, root: Path, data_dir: Path):
        self.root = root
        self.data_dir = data_dir

    def path(self, url: str) -> Path:
        """The file behind a site-relative URL such as ``notices/wujin-2026/``."""
        target = self.root / url.lstrip("/")
        return target / "index.html" if url.endswith("/") or url == "" else target

    def page(self, url: str) -> BeautifulSoup:
        return BeautifulSoup(self.path(url).read_text(encoding="utf-8"), "lxml")

    def html_files(self) -> list[Path]:
        return sorted(self.root.rglob("*.html"))


@pytest.fixture(scope="session")
def built_sites(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], BuiltSite]:
    """Each deployment built once per session (strict mode, fixed day and form URL)."""
    cache: dict[Path, BuiltSite] = {}

    def get(data_dir: Path) -> BuiltSite:
        if data_dir not in cache:
            out = tmp_path_factory.mktemp(f"site-{deployment_id(data_dir)}")
            cache[data_dir] = BuiltSite(_build(data_dir, out / "site"), data_dir)
        return cache[data_dir]

    return get


@pytest.fixture(params=DEPLOYMENT_DIRS, ids=deployment_id)
def any_site(request: pytest.FixtureRequest, built_sites) -> BuiltSite:
    """The built site of every reference deployment, one test per deployment."""
    return built_sites(request.param)


@pytest.fixture
def wujin(built_sites) -> BuiltSite:
    return built_sites(ROOT / "data")


@pytest.fixture
def copy_of_wujin(tmp_path: Path) -> Path:
    """A writable copy of data/ (with the content folder it points to) for error cases."""
    # Not the build cache of data/ (share images, posters) an earlier build left there.
    shutil.copytree(
        ROOT / "data", tmp_path / "data", ignore=shutil.ignore_patterns(".pingan-cache")
    )
    shutil.copytree(ROOT / "content", tmp_path / "content")
    return tmp_path / "data"
