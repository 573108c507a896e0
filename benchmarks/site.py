"""``pingan build`` for the five real deployments and synthetic ones of 500 to 5,000 units.

Each build (load and check, plan, render, MkDocs) runs through ``site_builder``'s API in
this interpreter after one warm-up build, so imports and jieba's dictionary are paid once.
Figures: seconds, HTML pages written, and the search index the browser downloads
(``search/search_index.json``). Per-unit and unit-list pages are kept out of the index
(``search: exclude``), so it grows with people and stories, not with units; the time ratio
against the unit ratio shows whether a build grows linearly.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from pathlib import Path

from site_builder.commands import build_site

from .sizes import pick
from .synthetic import write_deployment

ROOT = Path(__file__).resolve().parent.parent
REAL = [ROOT / "data", *sorted(path for path in (ROOT / "examples").iterdir() if path.is_dir())]
#: (towns, villages per town): 501, 2,001 and 5,001 units; one person per 10 units and
#: one story per 50 units.
SYNTHETIC = pick(quick=[(20, 24), (40, 49)], default=[(20, 24), (40, 49), (50, 99)])
BUILD_DATE = "2026-11-23"


def _build(data_dir: Path, site_dir: Path) -> tuple[float, float, int]:
    """Wall and CPU seconds (CPU time stays fair when other work shares the cores)."""
    start, cpu = time.perf_counter(), time.process_time()
    pages = build_site(data_dir, site_dir, build_date=BUILD_DATE)
    return time.perf_counter() - start, time.process_time() - cpu, pages


def _index(site_dir: Path) -> tuple[int, int, Counter]:
    """Bytes of the search index, its entries, and entries per top folder of the site."""
    path = site_dir / "search" / "search_index.json"
    docs = json.loads(path.read_text(encoding="utf-8"))["docs"]
    pages = {doc["location"].split("#")[0] for doc in docs}
    folders = Counter(page.split("/")[0] or "home" for page in pages)
    return path.stat().st_size, len(docs), folders


def _line(label: str, seconds: float, cpu: float, pages: int, site_dir: Path) -> str:
    size, entries, folders = _index(site_dir)
    unit_pages = folders["unit"] + folders["units"] - 1  # units/ itself is the directory page
    return (
        f"site: {label:<26} {seconds:6.2f} s (CPU {cpu:6.2f} s)  {pages:>6,} pages "
        f"({pages / cpu:4.0f}/CPU s)  search index {size / 1024:6.1f} KiB, "
        f"{entries:>5,} entries from {sum(folders.values()):>5,} pages "
        f"(unit pages in it: {unit_pages})"
    )


def run() -> list[str]:
    lines = []
    with tempfile.TemporaryDirectory(prefix="pingan-bench-site-") as tmp:
        folder = Path(tmp)
        warm, _, _ = _build(ROOT / "data", folder / "warm-up")
        lines.append(f"site: warm-up build of data/ (imports, jieba dictionary) {warm:.2f} s")
        for data_dir in REAL:
            site_dir = folder / data_dir.name
            seconds, cpu, pages = _build(data_dir, site_dir)
            lines.append(
                _line(data_dir.relative_to(ROOT).as_posix(), seconds, cpu, pages, site_dir)
            )
        first: tuple[int, float] | None = None
        for towns, villages in SYNTHETIC:
            units = 1 + towns * (1 + villages)
            data_dir = write_deployment(
                folder / f"data-{units}", towns, villages, people=units // 10, stories=units // 50
            )
            site_dir = folder / f"site-{units}"
            seconds, cpu, pages = _build(data_dir, site_dir)
            line = _line(f"synthetic {units:,} units", seconds, cpu, pages, site_dir)
            if first is None:
                first = (units, cpu)
            else:
                line += f"  ×{units / first[0]:.1f} units → ×{cpu / first[1]:.1f} CPU time"
            lines.append(line)
    return lines
