"""The preview's partial rebuild: after an edit of honours.yaml (a story, a volunteer, a
project), render again only the pages that can show it, and patch the search index.

A full build of a Chongqing-scale deployment takes about 20 s; editing one story changes
its page, a page of the story list, the home page, the feeds, the pages of the people it
names. :func:`rebuild` works out which, from the state the last full build left
(:class:`BuildState`), and writes the same files a full build of the edited data would:

1. Only honours.yaml changed (a snapshot of every input says so), and only inside items of
   its lists: the items touched are read again (:mod:`site_builder.item_edits`), checked
   against their schema, and the file is checked as a whole load would check it.
2. The site is planned again. It must have the same pages, navigation and files as before,
   in the same order (the search index and the sitemap list pages in the plan's order): a
   story added, removed or moved by its date, a changed photo or day is a full build. A
   page is rendered again when its plan or what its template reads changed
   (:mod:`site_builder.page_deps`).
3. The pages are rendered as the build renders them (:class:`site_builder.shell.HtmlPages`:
   Material's template for pages in the navigation, the shell for the others); their
   entries replace their old ones in the search index, in place; feeds and other generated
   files are written again when their text changed. The sitemap lists each page's URL and
   the build's day, both the same as before, so it stays as it is.

Anything else returns False, and the preview makes a full build: a change to any other
file, a data error (the full build reports it, and the browser shows it), a change of the
site's structure. ``tests/site_builder/test_site_incremental.py`` holds every file of the
result equal to a fresh full build of the edited data.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation
from mkdocs.utils import get_build_date

from pingan.checks.honours import check_honours
from pingan.deployment import Deployment
from pingan.problems import Problems
from pingan.schemas import document_validator

from .formatting import build_day
from .item_edits import ItemMap
from .page_deps import PageChanges, changed_sections, template_reads
from .pages import GeneratedPage, Site, SitePlan
from .plugin import DataPage, PinganPlugin, _material_search, _slugify
from .render import environment
from .shell import HtmlPages, ShellContext, Shells
from .snapshot import Snapshot, changed_files

log = logging.getLogger("pingan.preview")

HONOURS_FILE = "honours.yaml"
#: The Deployment fields whose loading this module mirrors. A field added to Deployment is
#: loaded by code this module does not know (it might check honours.yaml against it), so
#: every edit is a full build until it is listed here.
KNOWN_FIELDS = frozenset(
    {
        "root",
        "settings",
        "tree",
        "quotas",
        "campaigns",
        "volunteers",
        "projects",
        "stories",
        "records",
        "grid_workers",
    }
)
#: The lists of honours.yaml, as Deployment fields.
HONOUR_LISTS = ("volunteers", "projects", "stories")


@dataclass
class BuildState:
    """What a full build leaves for the next partial one: MkDocs' configuration, navigation
    and files, the plugin's plan, the search index as written, the inputs read."""

    config: MkDocsConfig
    plugin: PinganPlugin
    nav: Navigation
    files: Files
    site_dir: Path
    inputs: Snapshot
    build_date: str
    honours: ItemMap | None
    index: dict[str, Any] | None
    shells: Shells
    #: Pages rendered by the last rebuild (for the log and the tests).
    rendered: list[str] = field(default_factory=list)


def capture(config: MkDocsConfig, site_dir: Path, inputs: Snapshot) -> BuildState | None:
    """The state a full build into *site_dir* left; None when a partial rebuild cannot
    follow it (no pingan plugin, pages not in the shell)."""
    plugin = config.plugins.get("pingan")
    if not isinstance(plugin, PinganPlugin) or not plugin.config.shell:
        return None
    if plugin.site is None or plugin.plan is None or plugin.nav is None or plugin.files is None:
        return None
    deployment = plugin.site.deployment
    honours = _read_honours(deployment)
    for name in environment().list_templates():  # read once, not during the first edit
        template_reads(name)
    index_path = site_dir / "search" / "search_index.json"
    index = json.loads(index_path.read_bytes()) if index_path.is_file() else None
    return BuildState(
        config=config,
        plugin=plugin,
        nav=plugin.nav,
        files=plugin.files,
        site_dir=site_dir,
        inputs=inputs,
        build_date=get_build_date(),
        honours=honours,
        index=index,
        shells=Shells(ShellContext(config=config, env=plugin.env, nav=plugin.nav)),
    )


def _read_honours(deployment: Deployment) -> ItemMap | None:
    """honours.yaml's item map, if it reads as what the build used."""
    path = deployment.root / HONOURS_FILE
    text = _text(path)
    if text is None:
        return None
    items = ItemMap.read(text)
    if items is None or any(
        list(items.document.get(name, [])) != getattr(deployment, name) for name in HONOUR_LISTS
    ):
        return None
    return items


def _text(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


def rebuild(state: BuildState, inputs: Snapshot) -> bool:
    """Bring the site up to date with *inputs* by rendering only what changed; False when
    only a full build can (nothing is written then, unless a file failed to write)."""
    # Planning makes tens of thousands of objects beside the millions the last build left:
    # the cyclic collector's full passes over them would cost more than the rebuild itself
    # (0.1–0.2 s each at 12,000 units). What the rebuild drops is freed by reference counts.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _rebuild(state, inputs)
    finally:
        if collecting:
            gc.enable()


def _rebuild(state: BuildState, inputs: Snapshot) -> bool:
    changed = changed_files(state.inputs, inputs)
    state.rendered = []
    if not changed:
        return True
    site = state.plugin.site
    assert site is not None
    honours_path = (site.deployment.root / HONOURS_FILE).resolve()
    if changed != {honours_path} or state.honours is None:
        return False
    if {f.name for f in dataclasses.fields(Deployment)} != KNOWN_FIELDS:
        return False
    text = _text(honours_path)
    edit = state.honours.edit(text) if text is not None else None
    if edit is None:
        return False
    if not edit.changed:  # saved without a change
        state.inputs, state.honours = inputs, edit.items
        return True
    deployment = _deployment(site.deployment, edit.document, edit.changed)
    if deployment is None:
        return False
    updated = _updated_site(state, site, deployment)
    if updated is None:
        return False
    new_site, plan = updated
    pages = _pages_to_render(state, site, new_site, plan)
    if pages is None:
        return False
    _render(state, new_site, plan, pages)
    state.plugin.site, state.plugin.plan = new_site, plan
    state.inputs, state.honours = inputs, edit.items
    state.rendered = [page.src_uri for page in pages]
    return True


def _deployment(
    old: Deployment, document: Any, changed: dict[str, tuple[int, int]]
) -> Deployment | None:
    """The deployment with honours.yaml's new lists, checked as load_deployment checks them;
    None on any problem (the full build then reports it)."""
    schema = document_validator("honours").schema
    for key, (first, last) in changed.items():
        # Checking the edited items checks the list when its schema constrains items one by
        # one (no uniqueItems, no length, no contains).
        if set(schema["properties"].get(key, {})) - {"type", "items", "description"}:
            return None
        validator = document_validator("honours").evolve(
            schema={"$ref": f"honours.schema.yaml#/properties/{key}/items"}
        )
        if key not in HONOUR_LISTS or not all(
            validator.is_valid(item) for item in document[key][first : last + 1]
        ):
            return None
    # As pingan.deployment._build checks honours.yaml: before records and grid workers.
    checked = dataclasses.replace(
        old, volunteers=[], projects=[], stories=[], records=None, grid_workers=[]
    )
    problems = Problems()
    check_honours(checked, str(old.root / HONOURS_FILE), document, problems)
    if problems:
        return None
    return dataclasses.replace(old, **{name: list(document.get(name, [])) for name in HONOUR_LISTS})


def _updated_site(
    state: BuildState, site: Site, deployment: Deployment
) -> tuple[Site, SitePlan] | None:
    """The site planned again with *deployment*; None when the day has moved on."""
    plugin = state.plugin
    day = build_day(plugin.config.build_date)
    if day != site.day or get_build_date() != state.build_date:
        return None
    # What planning fills (the containers: photos, each unit's activities) and what the
    # site caches (the private fields) start empty again; the inputs stay.
    fresh = {
        f.name: f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        for f in dataclasses.fields(Site)
        if f.name.startswith("_") or f.default_factory is not dataclasses.MISSING
    }
    new_site = dataclasses.replace(site, deployment=deployment, **fresh)
    return new_site, plugin.plan_pages(new_site, state.config)


def _pages_to_render(
    state: BuildState, site: Site, new_site: Site, plan: SitePlan
) -> list[GeneratedPage] | None:
    """The pages of *plan* that may differ from the last build's; None when the site's
    structure changed (pages, navigation, copied files)."""
    old = state.plugin.plan
    assert old is not None
    if len(old.pages) != len(plan.pages):
        return None
    # Navigation, photo files, posters…: whatever else the plan holds stays as it was.
    for name in {f.name for f in dataclasses.fields(SitePlan)} - {"pages", "assets"}:
        if getattr(old, name) != getattr(plan, name):
            return None
    if [(a.src_uri, a.abs_src_path) for a in old.assets] != [
        (a.src_uri, a.abs_src_path) for a in plan.assets
    ]:
        return None
    changed = changed_sections(site, new_site)
    if "photos" in changed or "day" in changed:
        return None
    changes = PageChanges(changed)
    pages = []
    for before, after in zip(old.pages, plan.pages, strict=True):
        if (before.src_uri, before.template, before.in_nav, before.searchable, before.hide) != (
            after.src_uri,
            after.template,
            after.in_nav,
            after.searchable,
            after.hide,
        ):
            return None
        if changes.page_changed(before, after):
            pages.append(after)
    return pages


def _render(state: BuildState, site: Site, plan: SitePlan, pages: list[GeneratedPage]) -> None:
    """Write *pages* and the changed generated files; patch the search index."""
    config, files = state.config, state.files
    nav_pages: list[DataPage] = []
    shell_pages: list[GeneratedPage] = []
    for page in pages:
        file = files.get_file_from_path(page.src_uri)
        if file is not None and isinstance(file.page, DataPage):
            data_page = file.page
            data_page.generated, data_page.site = page, site
            data_page.written_elsewhere = False
            nav_pages.append(data_page)
        else:
            shell_pages.append(page)
    search = _material_search(config)
    job = HtmlPages(
        site=site,
        pages=shell_pages,
        nav_pages=nav_pages,
        files=files,
        shells=state.shells,
        slugify=_slugify(config),
        site_url=config.site_url or "",
        site_dir=str(state.site_dir),
        search_config=dict(search.config) if search is not None else None,
    )
    job.doc_files = files.documentation_pages()
    try:
        entries = job.run(0, len(nav_pages) + len(shell_pages))
    finally:
        for data_page in nav_pages:
            data_page.written_elsewhere = True
    for asset, before in zip(plan.assets, state.plugin.plan.assets, strict=True):
        if asset.content is not None and asset.content != before.content:
            _write(state.site_dir / asset.src_uri, asset.content.encode("utf-8"))
    if state.index is not None:
        # As the search entries name them: MkDocs' page URL ("" for the home page).
        urls = [page.url for page in nav_pages] + [site.url(page.src_uri) for page in shell_pages]
        _patch_index(state, dict(zip(urls, entries, strict=True)))


def _patch_index(state: BuildState, entries: dict[str, list[dict[str, Any]]]) -> None:
    """Replace the entries of each re-rendered page (by URL) in place, and write the index
    as the build writes it (UTF-8, compact)."""
    assert state.index is not None
    docs = state.index["docs"]
    runs = _runs(docs)
    missing = [url for url, found in entries.items() if found and url not in runs]
    if missing:
        raise IndexMismatch(f"搜索索引中没有这些页面：{missing}")
    # From the end, so that earlier positions stay valid.
    for start, stop, url in sorted(
        ((*runs[url], url) for url in entries if url in runs), reverse=True
    ):
        docs[start:stop] = json.loads(json.dumps(entries[url], default=str))
    text = json.dumps(state.index, ensure_ascii=False, separators=(",", ":"))
    _write(state.site_dir / "search" / "search_index.json", text.encode("utf-8"))


class IndexMismatch(Exception):
    """A page that now has search entries had none: where they go is unknown."""


def _runs(docs: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """Each page's entries: (first, after last) by the page's URL."""
    runs: dict[str, tuple[int, int]] = {}
    start = 0
    for number in range(1, len(docs) + 1):
        url = docs[start]["location"].split("#", 1)[0]
        if number == len(docs) or docs[number]["location"].split("#", 1)[0] != url:
            if url in runs:
                raise IndexMismatch(f"搜索索引中页面 {url} 的条目不连续")
            runs[url] = (start, number)
            start = number
    return runs


def _write(path: Path, data: bytes) -> None:
    """Write *path* in one step (the preview serves the folder while it is written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.incremental")
    temporary.write_bytes(data)
    os.replace(temporary, path)
