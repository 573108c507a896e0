"""Pages written into Material's shell are the pages MkDocs and Material would write.

The unit, unit-list, person and story pages (and the later pages of the honour roll and
the stories) skip MkDocs' per-page render: Material's template is rendered once per shell
and filled per page, in forked workers (site_builder.shell). The reference is the same site
with ``shell: false``, where every generated page goes through MkDocs and Material: pages,
search index and sitemap must be the same.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from mkdocs.structure.files import File
from site_helpers import FORM_URL, PRESENT, ROOT

import site_builder.shell
from site_builder.commands import build_site
from site_builder.pages import page_dest, page_url

pytestmark = pytest.mark.slow

DEPLOYMENT = ROOT / "examples" / "chongqing"


def _normalised(html: str) -> str:
    """The page without the whitespace between tags (the template and Python-Markdown
    separate blocks differently; a browser shows the same)."""
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


def _site(site_dir: Path, **options) -> dict[str, str]:
    build_site(
        DEPLOYMENT,
        site_dir,
        build_date=PRESENT,
        form_url=FORM_URL,
        strict=True,
        plugin_options=options,
    )
    return {
        path.relative_to(site_dir).as_posix(): _normalised(path.read_text(encoding="utf-8"))
        for path in site_dir.rglob("*.html")
    }


def _index(site_dir: Path) -> list[str]:
    docs = json.loads((site_dir / "search" / "search_index.json").read_text("utf-8"))["docs"]
    return sorted(json.dumps(doc, ensure_ascii=False, sort_keys=True) for doc in docs)


def _sitemap(site_dir: Path) -> list[str]:
    return sorted(re.findall(r"<loc>(.*?)</loc>", (site_dir / "sitemap.xml").read_text()))


def test_shell_pages_written_by_workers_equal_material_pages(tmp_path, monkeypatch):
    reference = _site(tmp_path / "reference", shell=False)
    # Fork two workers even for this small site.
    monkeypatch.setattr(site_builder.shell, "PAGES_PER_WORKER", 1)
    shelled = _site(tmp_path / "shell", shell=True, workers=2)

    assert sorted(shelled) == sorted(reference)
    unit_pages = [path for path in reference if path.startswith("unit/")]
    person_pages = [path for path in reference if path.startswith("people/")]
    assert unit_pages and person_pages
    different = [path for path in reference if shelled[path] != reference[path]]
    assert different == []
    assert _index(tmp_path / "shell") == _index(tmp_path / "reference")
    assert _sitemap(tmp_path / "shell") == _sitemap(tmp_path / "reference")
    # The shell carries each page's own title, canonical URL and skip link.
    page = shelled[unit_pages[0]]
    assert page.count("PINGANSHELL") == 0
    assert '<link rel="canonical" href="' in page


def test_search_index_is_utf8_and_leaves_out_repeated_lists(tmp_path):
    site_dir = tmp_path / "site"
    _site(site_dir)
    raw = (site_dir / "search" / "search_index.json").read_bytes()
    docs = raw[raw.index(b'"docs"') :]
    assert not re.search(rb"\\u[0-9a-f]{4}", docs)  # Chinese text as UTF-8, not \uXXXX
    assert "平安".encode() in docs
    locations = {doc["location"] for doc in json.loads(raw)["docs"]}
    assert not any(location.startswith(("unit/", "units/list/")) for location in locations)
    assert not any("/page/" in location for location in locations)


@pytest.mark.parametrize(
    "src_uri",
    [
        "index.md",
        "unit/a.md",
        "units/list/3.md",
        "notices/c/index.md",
        "people/photos/x y.jpg",
        "README.md",
        "a/README.md",
        "quotas/中文.md",
        "notices/c/apply-qr.svg",
    ],
)
@pytest.mark.parametrize("directory_urls", [True, False])
def test_page_urls_are_mkdocs_urls(src_uri, directory_urls):
    file = File(src_uri, None, "", directory_urls)
    assert page_url(src_uri, directory_urls) == file.url
    assert page_dest(src_uri, directory_urls) == file.dest_uri
