"""A deployment with 2,000 units and 120 honoured volunteers builds quickly, nav stays small."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

TOWNS = 40
UNITS = 2000
PEOPLE = 120


def write_synthetic_deployment(root: Path, units: int = UNITS, people: int = PEOPLE) -> Path:
    """A county → towns → villages deployment of *units* units, written as YAML under *root*."""
    data = root / "data"
    (data / "campaigns").mkdir(parents=True)
    (root / "content").mkdir()
    (root / "content" / "about.md").write_text("# 关于\n\n合成数据，用于测量建站时间。\n")
    (data / "deployment.yaml").write_text(
        "id: synthetic\nname: 合成县平安志愿者\nregion: 合成县（测试数据）\n"
        "content_dir: ../content\n"
        "scheme: {title: 合成方案, issuer: [合成县], issued: 2020-01-01}\n"
        "levels:\n  - {id: county, name: 县}\n  - {id: town, name: 镇}\n"
        "  - {id: village, name: 村}\n",
        encoding="utf-8",
    )
    lines = ["units:", "  - {id: county, name: 合成县, level: county, kind: territorial}"]
    for t in range(TOWNS):
        lines.append(
            f"  - {{id: t{t}, name: 第{t}镇, level: town, kind: territorial, parent: county,"
            f" registered_population: {30000 + 137 * t}}}"
        )
    for v in range(units - 1 - TOWNS):
        lines.append(
            f"  - {{id: v{v}, name: 第{v}村, level: village, kind: territorial,"
            f" parent: t{v % TOWNS}, example: true}}"
        )
    (data / "units.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    towns = ", ".join(f"t{t}" for t in range(TOWNS))
    (data / "quotas.yaml").write_text(
        "quotas:\n  - id: q\n    title: 各镇名额\n"
        "    rule: {rate: 0.04, base: registered_population, rounding: nearest,"
        f" units: [{towns}]}}\n",
        encoding="utf-8",
    )
    (data / "campaigns" / "round.yaml").write_text(
        "id: round\ntitle: 合成招募\nopens: 2026-01-01\ncloses: 2027-12-31\n"
        "recruitment: open\nquota: q\napplication_units: {levels: [village]}\n"
        "eligibility: {age: {min: 18}}\n"
        "form: {fields: [name, id_number, mobile, unit]}\n",
        encoding="utf-8",
    )
    honours = ["volunteers:"]
    for p in range(people):
        honours.append(
            f"  - {{id: p{p}, name: 志愿者{p}, unit: v{p}, honour: 先进个人,"
            f" year: {2020 + p % 5}, stars: {1 + p % 5}, points: {p * 10}, example: true,"
            " consent: {date: 2025-11-15, method: 书面, example: true}}"
        )
    honours.append("stories:")
    for s in range(60):
        honours.append(
            f"  - {{id: s{s}, title: 故事{s}, date: 2025-01-{1 + s % 28:02d},"
            f" units: [v{s}], volunteers: [p{s}], body: 平安志愿者的故事。, example: true}}"
        )
    (data / "honours.yaml").write_text("\n".join(honours) + "\n", encoding="utf-8")
    return data


@pytest.fixture
def synthetic(tmp_path: Path) -> Path:
    return write_synthetic_deployment(tmp_path / "synthetic")


def test_two_thousand_units_build_with_a_small_nav(synthetic, build_site, capsys):
    started = time.monotonic()
    site = build_site(synthetic)
    seconds = time.monotonic() - started
    with capsys.disabled():
        print(f"\n[scale] {UNITS} units, {PEOPLE} people: site built in {seconds:.1f} s")

    assert len(list(site.glob("unit/*/index.html"))) == UNITS
    assert len(list(site.glob("units/list/*/index.html"))) == UNITS // 50
    assert len(list(site.glob("honours/page/*/index.html"))) == 2
    assert (site / "notices/round/poster.pdf").stat().st_size > 0  # made in a worker
    page = BeautifulSoup((site / "unit/v7/index.html").read_text(), "lxml")
    assert len(page.select("nav.md-nav--primary a")) < 40
    index = json.loads((site / "search/search_index.json").read_text())
    assert not [doc for doc in index["docs"] if doc["location"].startswith("unit/")]
    tree = BeautifulSoup((site / "units/index.html").read_text(), "lxml")
    assert len(tree.select(".pingan-tree li")) == 1 + TOWNS
    assert seconds < 240, "building grew far beyond linear time"
