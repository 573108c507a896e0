"""The built site is self-contained: every internal link resolves, nothing loads from outside."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import material
import yaml
from bs4 import BeautifulSoup
from site_helpers import FORM_URL

URL = re.compile(r"https?://[^\s\"'<>()`\\]+")
SCANNED = {".html", ".css", ".js", ".json", ".xml", ".svg"}
#: Identifiers, not addresses: XML namespaces are never fetched.
NAMESPACES = (
    "http://www.w3.org/2000/svg",
    "http://www.w3.org/1999/xlink",
    "http://www.w3.org/1999/xhtml",
    "http://www.sitemaps.org/schemas/sitemap/0.9",
    # The feeds' XML namespaces (names, never fetched).
    "http://www.w3.org/2005/Atom",
    "http://purl.org/rss/1.0/modules/content/",
)
#: URLs inside Material's own, unmodified JavaScript, reviewed one by one. Licence comments
#: and documentation links are text; the three loaders never run on these sites: GitHub/GitLab
#: facts need ``repo_url`` (unset), Mermaid needs a ``mermaid`` block (none is generated),
#: and the ResizeObserver polyfill is fetched only by browsers without ResizeObserver
#: (none released since 2020) - a known limit of Material, noted in the report.
MATERIAL_INERT = {
    "https://${e}/api/v4/projects/${encodeURIComponent(t",
    "https://api.github.com/repos/${e}/${t}",
    "https://api.github.com/users/${e}",
    "https://unpkg.com/mermaid@11/dist/mermaid.min.js",
    "https://unpkg.com/resize-observer-polyfill",
}
MATERIAL_ASSETS = Path(material.__file__).parent / "templates"


def is_material_file(site_root: Path, path: Path) -> bool:
    """A file copied byte for byte from Material's package (vendored, not ours)."""
    original = MATERIAL_ASSETS / path.relative_to(site_root)
    return original.is_file() and original.read_bytes() == path.read_bytes()


def is_comment_url(text: str, url: str) -> bool:
    """Whether every occurrence of *url* in minified JS sits in a licence/doc comment."""
    for match in re.finditer(re.escape(url), text):
        before = text[: match.start()]
        if before.rfind("/*") <= before.rfind("*/") and before.rfind("//") < before.rfind("\n"):
            return False
    return True


def test_no_external_urls_in_generated_files(any_site):
    settings = yaml.safe_load((any_site.data_dir / "deployment.yaml").read_text(encoding="utf-8"))
    site_url = settings.get("site_url", "http://127.0.0.1:8000/").rstrip("/") + "/"
    allowed = (FORM_URL + "/", site_url, *NAMESPACES)
    offending = []
    for path in sorted(any_site.root.rglob("*")):
        if path.suffix not in SCANNED or is_material_file(any_site.root, path):
            continue
        for url in URL.findall(path.read_text(encoding="utf-8", errors="replace")):
            if not url.startswith(allowed) and url not in NAMESPACES:
                offending.append((path.relative_to(any_site.root).as_posix(), url))
    assert offending == []


def test_material_vendored_files_hold_only_reviewed_urls(any_site):
    unexpected = set()
    for path in sorted(any_site.root.rglob("*")):
        if path.suffix not in SCANNED or not is_material_file(any_site.root, path):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for url in set(URL.findall(text)):
            if url in NAMESPACES or url in MATERIAL_INERT:
                continue
            if not is_comment_url(text, url) and path.suffix == ".js":
                unexpected.add((path.name, url))
    assert unexpected == set()


def test_pages_load_no_web_fonts_or_cdn(any_site):
    for path in any_site.html_files():
        page = BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")
        sources = [tag.get("src") for tag in page.select("script[src], img[src]")]
        sources += [tag.get("href") for tag in page.select("link[href]")]
        loaded = [s for s in sources if s and urlsplit(s).scheme in ("http", "https")]
        canonical = {tag["href"] for tag in page.select('link[rel="canonical"]')}
        assert set(loaded) <= canonical, path


def test_every_internal_link_resolves(any_site):
    root = any_site.root
    broken = []
    for path in any_site.html_files():
        page = BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")
        base = "/" + path.relative_to(root).as_posix()
        for tag in page.select("a[href], img[src], link[href], script[src]"):
            target = tag.get("href") or tag.get("src")
            parts = urlsplit(target)
            if parts.scheme or target.startswith(("#", "mailto:", "tel:")):
                continue
            resolved = unquote(urlsplit(urljoin(base, target)).path)
            file = root / resolved.lstrip("/")
            if resolved.endswith("/") or file.is_dir():
                file = file / "index.html"
            if not file.is_file():
                broken.append((path.relative_to(root).as_posix(), target))
    assert broken == []


def test_sitemap_lists_pages_under_the_site_url(any_site):
    settings = yaml.safe_load((any_site.data_dir / "deployment.yaml").read_text(encoding="utf-8"))
    site_url = settings.get("site_url", "http://127.0.0.1:8000/").rstrip("/") + "/"
    sitemap = BeautifulSoup((any_site.root / "sitemap.xml").read_text(), "xml")
    locations = [loc.get_text() for loc in sitemap.find_all("loc")]

    assert site_url in locations
    assert all(loc.startswith(site_url) for loc in locations)
    assert {lastmod.get_text() for lastmod in sitemap.find_all("lastmod")} == {"2026-11-23"}
