"""The campaigns' A4 posters as PDF, made at build time (issue 12): the notice page links
``poster.pdf``, which holds the poster's Chinese text; a rebuild takes it from the cache
instead of running WeasyPrint again, and a changed campaign makes a new one; a closed
campaign gets none."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
from bs4 import BeautifulSoup
from site_helpers import ROOT


def pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "")


def cached(cache: Path) -> dict[Path, tuple[int, int]]:
    """The cache's PDFs with their inode and modification time (a remade file changes both)."""
    return {path: (path.stat().st_ino, path.stat().st_mtime_ns) for path in cache.rglob("*.pdf")}


def test_the_build_writes_the_poster_and_a_rebuild_reuses_it(copy_of_wujin, build_site, tmp_path):
    cache = tmp_path / "cache"
    options = {"build_date": "2026-11-23", "plugin_options": {"cache_dir": str(cache)}}
    site = build_site(copy_of_wujin, **options)
    poster = site / "notices/wujin-2026/poster.pdf"
    text = pdf_text(poster)
    assert "武进区平安志愿者" in text and "怎样报名" in text and "谁可以报名" in text
    notice = BeautifulSoup((site / "notices/wujin-2026/index.html").read_text(), "lxml")
    link = notice.select_one(".pingan-poster-link a")
    assert link["href"] == "poster.pdf" and link["type"] == "application/pdf"
    first = cached(cache / "posters")
    assert len(first) == 1 and next(iter(first)).read_bytes() == poster.read_bytes()

    again = build_site(copy_of_wujin, **options)
    assert cached(cache / "posters") == first  # not made again
    assert (again / "notices/wujin-2026/poster.pdf").read_bytes() == poster.read_bytes()

    campaign = copy_of_wujin / "campaigns/wujin-2026.yaml"
    text = campaign.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title:"))
    campaign.write_text(text.replace(title, "title: 武进区平安志愿者海报测试招募"), "utf-8")
    changed = build_site(copy_of_wujin, **options)
    assert len(cached(cache / "posters")) == 2
    assert "海报测试招募" in pdf_text(changed / "notices/wujin-2026/poster.pdf")


def test_a_closed_campaign_has_no_poster(built_sites):
    site = built_sites(ROOT / "examples" / "expo-town")
    assert (site.root / "notices/expo-2026/poster.pdf").is_file()
    assert not (site.root / "notices/expo-2009/poster.pdf").exists()
    assert site.page("notices/expo-2009/").select_one(".pingan-poster-link") is None
