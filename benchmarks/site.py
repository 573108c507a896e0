"""``pingan build`` beside a bare-Jinja2 floor, for the real deployments and synthetic ones.

Each synthetic size (1,001 and 5,001 units; 12,001 too with ``--full`` and in the default
run, the Chongqing scale: 1,000 stories and 50 campaigns) is built twice in the same run:

* ``build``: ``site_builder``'s API behind ``pingan build`` (load and check, plan, render,
  MkDocs with Material and its search), after one warm-up build in this interpreter so that
  imports and jieba's dictionary are paid once;
* ``floor``: :func:`floor_build`, a plain script that reads the same YAML and renders the
  same number of pages with Jinja2 into a ~12 KB Material-like page (header, navigation,
  content, footer), one file each, in one process. No checks, no search index, no sitemap:
  what rendering that many pages costs at the least.

Figures: pages, wall seconds, pages a second, build ÷ floor, CPU seconds of each (the build's
worker processes included), and the search index the browser downloads
(``search/search_index.json``). The build renders its pages in worker processes (one per
core), so wall time is the figure the target is about; the floor is one process. Each is run
twice and the faster run counts: other work sharing the cores slows either at random.

Beside them, in the same run: ``pingan preview``'s rebuild after one story's title and text
are edited (``site_builder.incremental``: the pages that show the story rendered again, the
search index patched), wall and CPU seconds of the preview's process, the faster of two
edits, with its ratio to the full build and to the floor.
"""

from __future__ import annotations

import os
import resource
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import jinja2
import yaml

from site_builder.commands import build_site
from site_builder.preview import Preview

from .sizes import pick
from .synthetic import write_deployment

ROOT = Path(__file__).resolve().parent.parent
REAL = [ROOT / "data", *sorted(path for path in (ROOT / "examples").iterdir() if path.is_dir())]
#: (towns, villages per town, stories): 1,001, 5,001 and 12,001 units; one honours person
#: per 10 units, 50 campaigns, 1,000 stories at 12,001 units (Chongqing's scale).
SYNTHETIC = pick(
    quick=[(20, 49, 80)],
    default=[(20, 49, 80), (50, 99, 420), (100, 119, 1000)],
)
CAMPAIGNS = 50
BUILD_DATE = "2026-11-23"
#: The target: a full build within this many times the floor's time.
TARGET_RATIO = 2.0
#: The search index the browser downloads must stay under this at the Chongqing scale.
INDEX_LIMIT = 2_000_000
#: Builds and floor runs per size; the faster of each counts (the cores are shared).
ROUNDS = 2
#: The target for ``pingan preview``'s rebuild after one story is edited.
REBUILD_LIMIT = 0.5


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the build's workers)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _build(data_dir: Path, site_dir: Path) -> tuple[float, int]:
    start = time.perf_counter()
    pages = build_site(data_dir, site_dir, build_date=BUILD_DATE)
    return time.perf_counter() - start, pages


def _best_build(data_dir: Path, site_dir: Path) -> tuple[float, float, int]:
    """The faster of two builds (wall seconds), its CPU seconds (workers included), pages."""
    best = None
    for attempt in range(ROUNDS):
        target = site_dir.with_name(f"{site_dir.name}-{attempt}")
        cpu = _cpu()
        seconds, pages = _build(data_dir, target)
        result = (seconds, _cpu() - cpu, pages)
        best = result if best is None or result[0] < best[0] else best
        if attempt:
            shutil.rmtree(target)
        else:
            target.rename(site_dir)
    assert best is not None
    return best


@dataclass
class Rebuild:
    """``pingan preview``'s rebuild after one story is edited: wall and CPU seconds (the
    preview's own process: a partial rebuild forks nothing), how it went, pages rendered."""

    seconds: float
    cpu: float
    kind: str
    pages: int

    def __str__(self) -> str:
        verdict = "" if self.seconds <= REBUILD_LIMIT else ", TARGET NOT MET"
        return (
            f"{self.seconds:.2f} s wall, {self.cpu:.2f} s CPU ({self.kind}, "
            f"{self.pages} pages rendered{verdict})"
        )


def _rebuild(data_dir: Path, site_dir: Path) -> Rebuild:
    """The preview's rebuild of *site_dir* after one story's title and text are edited
    (checked: the story page, the story list and the search index hold the edit). The
    faster of two edits counts, as for the builds (the cores are shared)."""
    honours = data_dir / "honours.yaml"
    original = honours.read_text(encoding="utf-8")
    story = yaml.safe_load(original)["stories"][0]
    first = story["body"].split("。")[0]
    assert original.count(first) >= 1 and original.count(story["title"]) >= 1
    preview = Preview(data_dir, site_dir, form_url=None, site_url="http://127.0.0.1:8001/")
    preview.build()  # what the preview serves when the edit is saved
    best = None
    text = original
    for attempt in range(ROUNDS):
        marker = f"预览改动标记{attempt}"
        text = text.replace(first, first + marker, 1).replace(
            story["title"], story["title"] + marker, 1
        )
        honours.write_text(text, encoding="utf-8")
        start, cpu = time.perf_counter(), time.process_time()
        preview.build()
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        assert preview.problems is None, preview.problems
        page = site_dir / "story" / story["id"] / "index.html"
        assert marker in page.read_text(encoding="utf-8")
        index = (site_dir / "search" / "search_index.json").read_text(encoding="utf-8")
        assert marker in index.replace("\u200b", "")
        state = preview.state
        rendered = len(state.rendered) if state is not None and preview.last == "partial" else 0
        result = Rebuild(seconds, cpu, preview.last, rendered)
        best = result if best is None or result.seconds < best.seconds else best
    honours.write_text(original, encoding="utf-8")
    preview.remove()
    assert best is not None
    return best


def _index_size(site_dir: Path) -> int:
    return (site_dir / "search" / "search_index.json").stat().st_size


# --- the floor -----------------------------------------------------------------------------

#: A Material-like page: head with the stylesheet and script links, header with the site name
#: and search box, the navigation, the content, a footer. About 12 KB rendered (icons inline,
#: as Material's are).
_ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M12 1 3 5v6c0 5.55 '
    "3.84 10.74 9 12 5.16-1.26 9-6.45 9-12V5l-9-4m0 4a3 3 0 0 1 3 3 3 3 0 0 1-3 3 3 3 0 0 1-3"
    "-3 3 3 0 0 1 3-3m5.13 12A9.69 9.69 0 0 1 12 20.92 9.69 9.69 0 0 1 6.87 17c-.34-.5-.63-1-"
    '.87-1.53 0-1.65 2.71-3 6-3s6 1.32 6 3c-.24.53-.53 1.03-.87 1.53Z"/></svg>'
)
SHELL = (
    """<!doctype html>
<html lang="zh" class="no-js">
<head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="description" content="{{ site_name }}"><link rel="canonical" href="{{ canonical }}">
<link rel="icon" href="{{ base }}assets/images/favicon.png">
<title>{{ title }} - {{ site_name }}</title>
<link rel="stylesheet" href="{{ base }}assets/stylesheets/main.css">
<link rel="stylesheet" href="{{ base }}assets/stylesheets/palette.css">
<link rel="stylesheet" href="{{ base }}assets/stylesheets/pingan.css">
<script src="{{ base }}assets/javascripts/elder-mode.js"></script>
<meta property="og:title" content="{{ title }}"><meta property="og:url" content="{{ canonical }}">
</head>
<body dir="ltr">
<input class="md-toggle" data-md-toggle="drawer" type="checkbox" id="__drawer" autocomplete="off">
<input class="md-toggle" data-md-toggle="search" type="checkbox" id="__search" autocomplete="off">
<label class="md-overlay" for="__drawer"></label>
<div data-md-component="skip"><a href="#{{ h1_id }}" class="md-skip">跳转至</a></div>
<div data-md-component="announce"><aside class="md-banner"><div class="md-banner__inner md-grid
md-typeset"><div class="pingan-elder-bar"><button type="button" class="pingan-elder-toggle"
data-elder-toggle aria-pressed="false" hidden>长辈模式（大字）</button></div></div></aside></div>
<header class="md-header" data-md-component="header"><nav class="md-header__inner md-grid"
aria-label="页眉"><a href="{{ base }}" title="{{ site_name }}" class="md-header__button md-logo"
aria-label="{{ site_name }}">ICON</a><label class="md-header__button md-icon" for="__drawer">ICON
</label><div class="md-header__title"><div class="md-header__ellipsis"><div
class="md-header__topic">
<span class="md-ellipsis">{{ site_name }}</span></div><div class="md-header__topic"
data-md-component="header-topic"><span class="md-ellipsis">{{ title }}</span></div></div></div>
<label class="md-header__button md-icon" for="__search">ICON</label><div class="md-search"
data-md-component="search" role="dialog" aria-label="搜索"><label class="md-search__overlay"
for="__search"></label><div class="md-search__inner" role="search"><form class="md-search__form"
name="search"><input type="text" class="md-search__input" name="query" aria-label="搜索"
placeholder="搜索" autocapitalize="off" autocorrect="off" autocomplete="off" spellcheck="false"
data-md-component="search-query" required><label class="md-search__icon md-icon" for="__search">
ICON ICON</label><nav class="md-search__options" aria-label="查找"><button type="reset"
class="md-search__icon md-icon" title="清空当前内容" aria-label="清空当前内容" tabindex="-1">ICON
</button></nav></form><div class="md-search__output"><div class="md-search__scrollwrap" tabindex="0"
data-md-scrollfix><div class="md-search-result" data-md-component="search-result"><div
class="md-search-result__meta">正在初始化搜索引擎</div><ol class="md-search-result__list"
role="presentation"></ol></div></div></div></div></div></nav></header>
<div class="md-container" data-md-component="container"><main class="md-main"
data-md-component="main">
<div class="md-main__inner md-grid"><div class="md-sidebar md-sidebar--primary"
data-md-component="sidebar" data-md-type="navigation"><div class="md-sidebar__scrollwrap">
<div class="md-sidebar__inner"><nav class="md-nav md-nav--primary" aria-label="导航栏"
data-md-level="0"><label class="md-nav__title" for="__drawer"><a href="{{ base }}"
title="{{ site_name }}" class="md-nav__button md-logo" aria-label="{{ site_name }}">ICON</a>
{{ site_name }}</label><ul class="md-nav__list" data-md-scrollfix>
{% for section, items in nav %}<li class="md-nav__item md-nav__item--nested"><input
class="md-nav__toggle md-toggle" type="checkbox" id="__nav_{{ loop.index }}"><label
class="md-nav__link" for="__nav_{{ loop.index }}" id="__nav_{{ loop.index }}_label" tabindex="0">
<span class="md-ellipsis">{{ section }}</span><span class="md-nav__icon md-icon"></span></label>
<nav class="md-nav" data-md-level="1" aria-labelledby="__nav_{{ loop.index }}_label"
aria-expanded="false"><ul class="md-nav__list" data-md-scrollfix>
{% for name, url in items %}<li class="md-nav__item"><a href="{{ base }}{{ url }}"
class="md-nav__link"><span class="md-ellipsis">{{ name }}</span></a></li>
{% endfor %}</ul></nav></li>
{% endfor %}</ul></nav></div></div></div>
<div class="md-content" data-md-component="content"><article class="md-content__inner md-typeset">
{{ content }}
</article></div></div></main>
<footer class="md-footer"><nav class="pingan-service-links md-grid" aria-label="报名服务"><a
href="{{ status_url }}" class="pingan-status-link">查询进度</a><span>凭报名编号和身份证号后四位
查询审核进度与结果</span></nav><div class="md-footer-meta md-typeset"><div
class="md-footer-meta__inner
md-grid"><div class="md-copyright"><div class="md-copyright__highlight">{{ copyright }}</div></div>
</div></div></footer></div>
<div class="md-dialog" data-md-component="dialog"><div class="md-dialog__inner md-typeset">
</div></div>
<script id="__config" type="application/json">{"base": "{{ base }}", "features":
["navigation.indexes", "navigation.top", "navigation.footer", "search.highlight"], "search":
"{{ base }}assets/javascripts/workers/search.js", "translations": {"clipboard.copied": "已复制",
"search.result.none": "没有找到符合条件的结果", "search.result.placeholder": "键入以开始搜索"}}
</script>
<script src="{{ base }}assets/javascripts/bundle.js"></script>
<script src="{{ base }}assets/javascripts/unit-filter.js"></script>
</body>
</html>
"""
).replace("ICON", _ICON)

_UNIT = """<h1 id="{{ unit.name }}">{{ unit.name }}</h1>
<nav class="pingan-breadcrumbs" aria-label="上级单位"><a href="../../units/">组织网络</a>
{% if unit.parent %} › <a href="../{{ unit.parent }}/">{{ names[unit.parent] }}</a>{% endif %}
 › <span aria-current="page">{{ unit.name }}</span></nav>
<dl class="pingan-dl"><dt>层级</dt><dd>{{ unit.level }}</dd><dt>类型</dt><dd>属地</dd>
{% if unit.registered_population %}<dt>户籍人口</dt><dd>{{ unit.registered_population }}</dd>
{% endif %}</dl>
{% if children %}<h2 id="下级单位">下级单位</h2><ul class="pingan-children">
{% for child in children %}<li><a href="../{{ child.id }}/">{{ child.name }}</a></li>
{% endfor %}</ul>{% endif %}
{% if people %}<h2 id="光荣榜">光荣榜</h2><div class="pingan-cards">{% for p in people %}
<article class="pingan-card"><h3><a href="../../people/{{ p.id }}/">{{ p.name }}</a></h3>
<p class="pingan-meta">{{ p.year }} 年{{ p.honour }}</p></article>{% endfor %}</div>{% endif %}
"""
_PERSON = """<h1 id="{{ person.name }}">{{ person.name }}</h1>
<dl class="pingan-dl"><dt>所在单位</dt><dd><a href="../../unit/{{ person.unit }}/">
{{ names[person.unit] }}</a></dd><dt>星级</dt><dd>{{ "★" * person.stars }}</dd>
<dt>积分</dt><dd>{{ person.points }}</dd></dl>
<h2 id="事迹">事迹</h2><div class="pingan-prose"><p>{{ person.story }}</p></div>
<p><a href="../../honours/">返回光荣榜</a></p>
"""
_STORY = """<h1 id="{{ story.title }}">{{ story.title }}</h1>
<p class="pingan-meta"><time datetime="{{ story.date }}">{{ story.date }}</time></p>
<div class="pingan-prose">{% for para in story.body.split("\n\n") if para %}<p>{{ para }}</p>
{% endfor %}</div><p><a href="../../stories/">返回平安故事</a></p>
"""
_CAMPAIGN = """<h1 id="{{ c.title }}">{{ c.title }}</h1>
<p class="pingan-meta">报名时间：{{ c.opens }} 至 {{ c.closes }}</p>
<h2 id="报名条件">报名条件</h2><p>年满 {{ c.eligibility.age.min }} 周岁。</p>
"""
_LIST = """<h1 id="全部单位">全部单位</h1><table class="pingan-table"><thead><tr><th>单位</th>
<th>层级</th><th>上级单位</th></tr></thead><tbody>{% for unit in units %}<tr><th scope="row">
<a href="../../../unit/{{ unit.id }}/">{{ unit.name }}</a></th><td>{{ unit.level }}</td><td>
{{ names.get(unit.parent, "") }}</td></tr>{% endfor %}</tbody></table>
"""


def floor_build(data_dir: Path, out_dir: Path, pages: int) -> int:
    """Render *pages* pages from *data_dir*'s YAML into the shell; return how many."""

    def load(name: str):
        with open(data_dir / name, encoding="utf-8") as file:
            return yaml.load(file, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))

    settings = load("deployment.yaml")
    units = load("units.yaml")["units"]
    honours = load("honours.yaml") if (data_dir / "honours.yaml").exists() else {}
    campaigns = [load(f"campaigns/{p.name}") for p in sorted((data_dir / "campaigns").iterdir())]
    env = jinja2.Environment(autoescape=True)
    shell, unit_page, person_page, story_page, campaign_page, list_page = (
        env.from_string(text) for text in (SHELL, _UNIT, _PERSON, _STORY, _CAMPAIGN, _LIST)
    )
    names = {unit["id"]: unit["name"] for unit in units}
    children: dict[str, list] = {}
    for unit in units:
        children.setdefault(unit.get("parent"), []).append(unit)
    people_of: dict[str, list] = {}
    for person in honours.get("volunteers", []):
        people_of.setdefault(person["unit"], []).append(person)
    nav = [
        ("招募公告", [(c["title"], f"notices/{c['id']}/") for c in campaigns]),
        ("名额分配", [(c["title"], f"quotas/{c['id']}/") for c in campaigns if "quota" in c]),
        ("组织网络", [("组织网络", "units/")]),
        ("光荣榜", [("光荣榜", "honours/")]),
        ("平安故事", [("平安故事", "stories/")]),
    ]
    common = {
        "site_name": settings["name"],
        "nav": nav,
        "status_url": "http://127.0.0.1:8000/status",
        "copyright": settings["region"],
    }

    def jobs():
        for unit in units:
            context = {"unit": unit, "names": names, "children": children.get(unit["id"], [])}
            context["people"] = people_of.get(unit["id"], [])
            yield f"unit/{unit['id']}", unit["name"], unit_page, context
        for person in honours.get("volunteers", []):
            yield (
                f"people/{person['id']}",
                person["name"],
                person_page,
                {
                    "person": person,
                    "names": names,
                },
            )
        for story in honours.get("stories", []):
            yield f"story/{story['id']}", story["title"], story_page, {"story": story}
        for campaign in campaigns:
            yield f"notices/{campaign['id']}", campaign["title"], campaign_page, {"c": campaign}
        number = 0
        while True:  # the paginated lists make up the rest of the build's pages
            number += 1
            chunk = units[(number - 1) * 50 % len(units) :][:50]
            context = {"units": chunk, "names": names}
            yield f"units/list/{number}", "全部单位", list_page, context

    written = 0
    for path, title, template, context in jobs():
        if written >= pages:
            break
        depth = path.count("/") + 1
        html = shell.render(
            common,
            title=title,
            base="../" * depth,
            canonical=f"https://example.org/{path}/",
            h1_id=title,
            content=jinja2.utils.markupsafe.Markup(template.render(context)),
        )
        target = out_dir / path / "index.html"
        os.makedirs(target.parent, exist_ok=True)
        target.write_bytes(html.encode("utf-8"))
        written += 1
    return written


def _floor(data_dir: Path, out_dir: Path, pages: int) -> tuple[float, float, int, int]:
    """The faster of two floor runs: wall and CPU seconds, pages, bytes of a unit page."""
    best = None
    for attempt in range(ROUNDS):
        target = out_dir.with_name(f"{out_dir.name}-{attempt}")
        start, cpu = time.perf_counter(), _cpu()
        written = floor_build(data_dir, target, pages)
        result = (time.perf_counter() - start, _cpu() - cpu, written)
        best = result if best is None or result[0] < best[0] else best
    assert best is not None
    sample = next(out_dir.with_name(f"{out_dir.name}-0").glob("unit/*/index.html")).stat().st_size
    return (*best, sample)


def run() -> list[str]:
    lines = []
    with tempfile.TemporaryDirectory(prefix="pingan-bench-site-") as tmp:
        folder = Path(tmp)
        warm, _ = _build(ROOT / "data", folder / "warm-up")
        lines.append(f"site: warm-up build of data/ (imports, jieba dictionary) {warm:.2f} s")
        for data_dir in REAL:
            site_dir = folder / data_dir.name
            seconds, pages = _build(data_dir, site_dir)
            lines.append(
                f"site: {data_dir.relative_to(ROOT).as_posix():<24} {pages:>6,} pages "
                f"{seconds:6.2f} s  search index {_index_size(site_dir) / 1024:7.1f} KiB"
            )
        copy = shutil.copytree(ROOT / "examples" / "chongqing", folder / "chongqing-preview")
        rebuild = _rebuild(copy, folder / "chongqing-preview-site")
        lines.append(f"site: pingan preview, examples/chongqing, one story edited: {rebuild}")
        lines.append(
            "site: units  | pages  | build s | floor s | build p/s | floor p/s | build/floor "
            "| CPU s build / floor | search index"
        )
        for towns, villages, stories in SYNTHETIC:
            units = 1 + towns * (1 + villages)
            data_dir = write_deployment(
                folder / f"data-{units}",
                towns,
                villages,
                people=units // 10,
                stories=stories,
                campaigns=CAMPAIGNS,
            )
            site_dir = folder / f"site-{units}"
            seconds, cpu, pages = _best_build(data_dir, site_dir)
            floor, floor_cpu, written, shell_bytes = _floor(
                data_dir, folder / f"floor-{units}", pages
            )
            rebuild = _rebuild(data_dir, folder / f"preview-{units}")
            size = _index_size(site_dir)
            ratio = seconds / floor
            verdict = ""
            if units >= 12_000:
                met = ratio <= TARGET_RATIO and size <= INDEX_LIMIT
                verdict = "  target met" if met else "  TARGET NOT MET"
            lines.append(
                f"site: {units:>6,} | {pages:>6,} | {seconds:7.2f} | {floor:7.2f} | "
                f"{pages / seconds:9.0f} | {written / floor:9.0f} | {ratio:10.2f}× | "
                f"{cpu:6.2f} / {floor_cpu:5.2f} = {cpu / floor_cpu:4.2f}× | "
                f"{size / 1e6:5.2f} MB{verdict}"
            )
            lines.append(
                f"site:   ({stories:,} stories, {units // 10:,} people, {CAMPAIGNS} campaigns; "
                f"floor unit page {shell_bytes / 1024:.1f} KiB)"
            )
            lines.append(
                f"site:   pingan preview after one story edited: {rebuild}; "
                f"{rebuild.seconds / seconds:.3f}× the full build, "
                f"{rebuild.seconds / floor:.3f}× the floor"
            )
    return lines
