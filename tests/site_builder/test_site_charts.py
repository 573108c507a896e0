"""Charts and the station ranking from the form service's counts (statistics.json).

Each chart is well-formed SVG naming itself (``<title>``/``<desc>``), and the table beside
it holds the numbers it draws; without the counts there is no chart; the ranking names
stations, never a grid worker. The counts files are written here as the export writes
them (the export itself is tested against real databases in
tests/form_service/office/test_statistics_export.py).
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from lxml import etree
from site_helpers import ROOT

from pingan.deployment import load_deployment
from pingan.statistics import STATISTICS_FORMAT, Counts, load_statistics
from site_builder import charts
from site_builder.commands import BuildFailed

SHANXI = ROOT / "examples" / "shanxi-youth"
COUNTY = ROOT / "examples" / "county-alliance"
SVG = "{http://www.w3.org/2000/svg}"


def write_statistics(path: Path, deployment_id: str, **parts) -> Path:
    document = {
        "format": STATISTICS_FORMAT,
        "deployment": deployment_id,
        "day": "2026-11-20",
        "applications": [],
        "volunteers": [],
        "hours": [],
        "stations": [],
        **parts,
    }
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def application(campaign: str, unit: str, day: str, applications: int, registered: int = 0):
    return {
        "campaign": campaign,
        "unit": unit,
        "day": day,
        "applications": applications,
        "registered": registered,
    }


def svg_of(html: str, chart_id: str) -> etree._Element:
    """The SVG of the chart *chart_id* as the page's HTML holds it, parsed as XML (it must be
    well-formed on its own; an HTML parser would lower-case viewBox)."""
    start = html.index("<svg", html.index(f'id="{chart_id}"'))
    return etree.fromstring(html[start : html.index("</svg>", start) + 6].encode())


def table_of(figure) -> list[list[str]]:
    return [
        [cell.get_text(strip=True) for cell in row.select("th, td")]
        for row in figure.select("table tbody tr")
    ]


def assert_accessible(svg: etree._Element) -> None:
    assert svg.get("role") == "img"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title is not None and title.text and desc is not None and desc.text
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert svg.get("viewBox") == f"0 0 {charts.WIDTH} {svg.get('height')}"


# --- the charts themselves ------------------------------------------------------------------


def test_quota_progress_bars_draw_the_numbers_of_their_table(tmp_path):
    deployment = load_deployment(SHANXI)
    path = write_statistics(
        tmp_path / "statistics.json",
        "shanxi-youth",
        applications=[
            application("shanxi-2026", "taiyuan", "2026-10-01", 250, 100),
            application("shanxi-2026", "taiyuan", "2026-10-02", 250, 0),
            application("shanxi-2026", "sxu", "2026-10-02", 1500, 900),  # over its quota
        ],
    )
    statistics = load_statistics(path, deployment)
    campaign = deployment.campaigns["shanxi-2026"]
    table = deployment.quotas[campaign.data["quota"]]
    levels, units = charts.quota_charts(statistics, deployment, campaign, table)
    # Each level counts its units with everything below them, as the quota table's totals.
    total = f"{table.total:,}"
    assert levels.rows == [
        ("省", total, "2,000", "1,000"),
        ("市、高校、单位", total, "2,000", "1,000"),
    ]
    by_unit = {row[0]: row for row in units.rows}
    assert by_unit["太原市"] == ("太原市", "1,000", "500", "100")
    svg = etree.fromstring(str(units.svg).encode())
    assert_accessible(svg)
    bars = {
        group.get("data-chart-progress"): group
        for group in svg.iter(f"{SVG}g")
        if group.get("data-quota")
    }
    taiyuan = bars["taiyuan"]
    applied = taiyuan.find(f"{SVG}rect[@class='pingan-chart__applied']")
    full = float(taiyuan.get("data-full"))
    assert float(applied.get("width")) == pytest.approx(full * 500 / 1000, abs=0.1)
    # More applications than places: the bar is full, not longer than the chart.
    sxu = bars["sxu"].find(f"{SVG}rect[@class='pingan-chart__applied']")
    assert float(sxu.get("width")) == pytest.approx(full, abs=0.1)


def test_long_names_are_shortened_in_the_chart_and_whole_in_its_table():
    assert charts.shorten("示例社区平安法治志愿者工作站（开发区）") == "示例社区平安法治志愿者…"
    assert charts.shorten("太原市") == "太原市"


def test_applications_over_time_by_day_then_by_week(tmp_path):
    deployment = load_deployment(SHANXI)
    campaign = deployment.campaigns["shanxi-2026"]
    short = write_statistics(
        tmp_path / "short.json",
        "shanxi-youth",
        applications=[
            application("shanxi-2026", "taiyuan", "2026-10-01", 3),
            application("shanxi-2026", "datong", "2026-10-01", 2),
            application("shanxi-2026", "taiyuan", "2026-10-04", 7),
        ],
    )
    chart = charts.applications_chart(load_statistics(short, deployment), deployment, campaign)
    assert chart.header == ("日期", "报名")
    assert chart.rows == [
        ("2026 年 10 月 1 日", "5"),
        ("2026 年 10 月 2 日", "0"),
        ("2026 年 10 月 3 日", "0"),
        ("2026 年 10 月 4 日", "7"),
    ]
    svg = etree.fromstring(str(chart.svg).encode())
    assert_accessible(svg)
    columns = [rect for rect in svg.iter(f"{SVG}rect")]
    assert len(columns) == 4 and float(columns[3].get("height")) > float(columns[0].get("height"))
    long = write_statistics(
        tmp_path / "long.json",
        "shanxi-youth",
        applications=[
            application("shanxi-2026", "taiyuan", "2026-09-01", 3),  # a Tuesday
            application("shanxi-2026", "taiyuan", "2026-12-01", 4),
        ],
    )
    chart = charts.applications_chart(load_statistics(long, deployment), deployment, campaign)
    assert chart.header == ("周", "报名")
    assert chart.rows[0] == ("2026 年 8 月 31 日起的一周", "3")
    assert chart.rows[-1] == ("2026 年 11 月 30 日起的一周", "4")
    labels = [text.text for text in etree.fromstring(str(chart.svg).encode()).iter(f"{SVG}text")]
    assert len(labels) <= charts.AXIS_LABELS + 1  # the axis labels and the largest value


def test_no_chart_without_counts(tmp_path):
    deployment = load_deployment(SHANXI)
    campaign = deployment.campaigns["shanxi-2026"]
    table = deployment.quotas[campaign.data["quota"]]
    assert charts.quota_charts(None, deployment, campaign, table) == []
    assert charts.applications_chart(None, deployment, campaign) is None
    empty = load_statistics(write_statistics(tmp_path / "s.json", "shanxi-youth"), deployment)
    assert charts.applications_chart(empty, deployment, campaign) is None
    assert charts.hours_chart(empty, deployment) is None
    assert charts.station_chart(empty, deployment) is None  # and shanxi has no grid workers


def test_hours_by_month_fill_the_months_between(tmp_path):
    deployment = load_deployment(COUNTY)
    path = write_statistics(
        tmp_path / "s.json",
        "county-alliance",
        hours=[
            {"unit": "kaifaqu-village", "month": "2026-11", "minutes": 90},
            {"unit": "qutang-village", "month": "2026-11", "minutes": 30},
            {"unit": "qutang-village", "month": "2027-01", "minutes": 600},
        ],
    )
    chart = charts.hours_chart(load_statistics(path, deployment), deployment)
    assert chart.rows == [("2026 年 11 月", "2"), ("2026 年 12 月", "0"), ("2027 年 1 月", "10")]


# --- the built site -------------------------------------------------------------------------


def _html(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


def _page(site: Path, url: str) -> BeautifulSoup:
    return BeautifulSoup(_html(site, url), "lxml")


def test_the_station_ranking_names_stations_never_grid_workers(build_site, tmp_path):
    deployment = load_deployment(COUNTY)
    path = write_statistics(
        tmp_path / "statistics.json",
        "county-alliance",
        applications=[application("county-2026", "kaifaqu", "2026-11-02", 5, 2)],
        stations=[
            {"unit": "kaifaqu-village", "applications": 4, "registered": 1},
            {"unit": "kaifaqu-community", "applications": 2, "registered": 2},
            {"unit": "qutang-village", "applications": 0, "registered": 0},
        ],
    )
    site = build_site(COUNTY, statistics=path)
    page = _page(site, "statistics")
    figure = page.select_one("figure#chart-stations")
    assert table_of(figure) == [
        ["1", "示例社区平安法治志愿者工作站", "2", "2"],
        ["2", "示例村平安法治志愿者工作站", "4", "1"],
        ["3", "示例村平安法治志愿者工作站（曲塘镇）", "0", "0"],
    ]
    assert figure.select_one("details").has_attr("open")  # a ranking is read as a table
    assert_accessible(svg_of(_html(site, "statistics"), "chart-stations"))
    everything = "".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    everything += (site / "search" / "search_index.json").read_text(encoding="utf-8")
    for worker in deployment.grid_workers:
        assert worker["name"] not in everything and worker["code"] not in everything
    notice = _page(site, "notices/county-2026")
    chart = notice.select_one("figure#chart-county-2026-applications")
    assert table_of(chart) == [["2026 年 11 月 2 日", "5"]]
    assert "统计截至 2026 年 11 月 20 日" in chart.select_one("figcaption").get_text()


def test_quota_page_charts_are_refreshed_by_the_live_script(build_site, tmp_path):
    path = write_statistics(
        tmp_path / "statistics.json",
        "shanxi-youth",
        applications=[application("shanxi-2026", "taiyuan", "2026-10-01", 40, 10)],
    )
    site = build_site(SHANXI, statistics=path)
    page = _page(site, "quotas/shanxi-2026")
    figures = page.select("figure.pingan-chart")
    assert [f["id"] for f in figures] == ["chart-shanxi-2026-levels", "chart-shanxi-2026-units"]
    for figure in figures:
        svg = svg_of(_html(site, "quotas/shanxi-2026"), figure["id"])
        assert_accessible(svg)
        # Each bar and each table row names the quota rows the live script adds up.
        bars = [g.get("data-chart-progress") for g in svg.iter(f"{SVG}g") if g.get("data-quota")]
        rows = [row["data-chart-progress"] for row in figure.select("tbody tr")]
        assert bars == rows and all(bars)
    script = page.find("script", string=lambda text: text and "data-chart-progress" in text)
    assert script is not None


def test_without_counts_the_site_has_no_chart(built_sites):
    site = built_sites(COUNTY)
    assert not site.root.joinpath("statistics").exists()
    for path in site.html_files():
        assert "pingan-chart" not in path.read_text(encoding="utf-8"), path


def test_a_broken_counts_file_stops_the_build_in_chinese(build_site, tmp_path):
    broken = tmp_path / "statistics.json"
    broken.write_text('{"format": "pingan-statistics/1", "deployment": ', encoding="utf-8")
    with pytest.raises(BuildFailed, match="不是有效的 JSON 文件"):
        build_site(COUNTY, statistics=broken)
    other = write_statistics(tmp_path / "other.json", "shanxi-youth")
    with pytest.raises(BuildFailed, match="这是部署“shanxi-youth”的统计数据"):
        build_site(COUNTY, statistics=other)


def test_counts_day_is_the_exports(tmp_path):
    path = write_statistics(tmp_path / "s.json", "county-alliance")
    assert load_statistics(path).day == datetime.date(2026, 11, 20)
    assert Counts(1, 0) + Counts(2, 1) == Counts(3, 1)


def test_a_unit_page_with_units_below_shows_their_hours(build_site, tmp_path):
    path = write_statistics(
        tmp_path / "statistics.json",
        "county-alliance",
        hours=[
            {"unit": "kaifaqu-village", "month": "2026-10", "minutes": 120},
            {"unit": "kaifaqu-community", "month": "2026-10", "minutes": 60},
            {"unit": "kaifaqu-community", "month": "2026-11", "minutes": 600},
            {"unit": "qutang-village", "month": "2026-11", "minutes": 6000},
        ],
        volunteers=[
            {"unit": "kaifaqu-village", "volunteers": 12},
            {"unit": "kaifaqu", "volunteers": 3},
            {"unit": "qutang-village", "volunteers": 1000},
        ],
    )
    site = build_site(COUNTY, statistics=path)
    registered = {}
    for url in ("unit/kaifaqu", "unit/kaifaqu-village", "unit/county", "unit/gaoxinqu"):
        term = _page(site, url).find("dt", string="注册志愿者")
        registered[url] = term.find_next_sibling("dd") if term else None
    assert registered["unit/kaifaqu"]["data-value"] == "15"
    assert registered["unit/kaifaqu-village"]["data-value"] == "12"
    assert registered["unit/county"].get_text().startswith("1,015 名（含下级单位）")
    assert registered["unit/gaoxinqu"] is None
    assert "注册志愿者共 1,015 名" in _page(site, "statistics").get_text()
    town = _page(site, "unit/kaifaqu")
    assert table_of(town.select_one("figure#chart-kaifaqu-hours")) == [
        ["2026 年 10 月", "3"],
        ["2026 年 11 月", "10"],
    ]
    assert_accessible(svg_of(_html(site, "unit/kaifaqu"), "chart-kaifaqu-hours"))
    county = _page(site, "unit/county")
    assert table_of(county.select_one("figure#chart-county-hours")) == [
        ["2026 年 10 月", "3"],
        ["2026 年 11 月", "110"],
    ]
    # A village's page (one of thousands in a large deployment) has no chart, nor does a
    # town without records.
    assert not _page(site, "unit/kaifaqu-village").select("figure.pingan-chart")
    assert not _page(site, "unit/gaoxinqu").select("figure.pingan-chart")
    assert table_of(_page(site, "statistics").select_one("figure#chart-hours")) == [
        ["2026 年 10 月", "3"],
        ["2026 年 11 月", "110"],
    ]


def test_no_progress_chart_before_the_first_application(tmp_path):
    deployment = load_deployment(SHANXI)
    campaign = deployment.campaigns["shanxi-2026"]
    table = deployment.quotas[campaign.data["quota"]]
    other = write_statistics(
        tmp_path / "s.json",
        "shanxi-youth",
        applications=[application("shanxi-2014", "taiyuan", "2014-06-01", 9)],
    )
    statistics = load_statistics(other, deployment)
    assert charts.quota_charts(statistics, deployment, campaign, table) == []
    assert charts.applications_chart(statistics, deployment, campaign) is None
