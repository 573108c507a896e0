"""Charts drawn at build time as plain SVG: progress against quota, applications over time,
hours served by month, and the ranking of grid-worker stations.

No JavaScript library and no fonts to load: each chart is an ``<svg role="img">`` with its
``<title>`` and ``<desc>``, painted in the deployment's colours (literal fills, so it prints
as shown), scaled by its viewBox, and published beside a table of the same numbers (the
template's ``chart`` macro), which is what a screen reader or a phone too narrow for the
bars reads. The viewBox is as narrow as a phone (360 units) so that its text never shrinks
below the page's on a phone; long unit names are shortened in the chart and whole in the
table. Counts come from statistics.json (``pingan.statistics``); without it no chart is
drawn, and a chart with nothing to show is not drawn either.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from html import escape
from typing import Any

from markupsafe import Markup

from pingan.colours import mix, readable_background
from pingan.quotas import QuotaTable
from pingan.statistics import Counts, Statistics, by_week
from pingan.zhtext import zh_date

from .formatting import number
from .identity import identity_colours
from .quota_view import DisplayRow, display_rows, progress_rollup

#: The viewBox's width: a phone's, so 14 units of text are about 14 px on one.
WIDTH = 360
FONT = 14
#: Characters of a unit's name a bar's label keeps (the table has the whole name).
LABEL_CHARACTERS = 12
#: More bars than this make a chart nobody reads: the table beside it is the chart then.
MOST_BARS = 60
#: Up to this many days an over-time chart has a column a day, else a column a week.
MOST_DAYS = 45
#: At most this many labels under an axis: at 360 units, three month or day labels never
#: overlap (``2026 年 11 月`` is about 90 units wide).
AXIS_LABELS = 3
GREY = "#767676"  # 4.5:1 on white: axes and the empty part of a bar


@dataclass(frozen=True)
class Palette:
    """The deployment's colours for marks on a white page (3:1 against it at least)."""

    strong: str
    light: str

    @classmethod
    def of(cls, settings: dict[str, Any]) -> Palette:
        primary, _, _ = identity_colours(settings)
        strong = readable_background(primary, "#ffffff", 3.0)
        return cls(strong=strong, light=mix(strong, "#ffffff", 0.55))


@dataclass
class Chart:
    """One chart: its SVG and the table of its numbers (header, then rows of cells)."""

    id: str
    title: str
    description: str
    svg: Markup
    header: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)
    #: Per table row, the quota rows whose live counts it adds up (the quota page's script
    #: redraws the bars and the table from the progress API); empty for a chart it leaves.
    progress: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Bar:
    """One bar of a progress chart; ``progress`` names the quota rows its counts add up."""

    label: str
    quota: int
    counts: Counts | None
    progress: tuple[str, ...] = ()


def shorten(text: str, characters: int = LABEL_CHARACTERS) -> str:
    """*text* cut to *characters* with an ellipsis (the chart's table has it whole)."""
    return text if len(text) <= characters else text[: characters - 1] + "…"


# --- progress against quota -----------------------------------------------------------------


def quota_charts(
    statistics: Statistics | None, deployment, campaign, table: QuotaTable
) -> list[Chart]:
    """The quota page's charts: progress by level and by unit (the shallowest rows)."""
    if statistics is None or table.kind == "categories" or not table.rows:
        return []
    tree = deployment.tree
    own = statistics.campaign_units(campaign.id)
    if not any(counts.applications for counts in own.values()):
        return []  # nothing to draw yet: the table's live column shows what comes in
    rollup = progress_rollup(table, tree)
    per_row: dict[str, Counts] = {}
    for unit, counts in own.items():
        if unit in rollup:
            per_row[rollup[unit]] = per_row.get(rollup[unit], Counts()) + counts
    palette = Palette.of(deployment.settings)
    charts = []
    levels = _level_bars(deployment, table, per_row)
    if len(levels) > 1 or (levels and levels[0].quota):
        charts.append(
            _progress_chart(
                f"chart-{campaign.id}-levels", "各层级报名进度", "层级", levels, palette
            )
        )
    units = _unit_bars(display_rows(table, tree), per_row)
    if 1 < len(units) <= MOST_BARS:
        charts.append(
            _progress_chart(f"chart-{campaign.id}-units", "各单位报名进度", "单位", units, palette)
        )
    return charts


def _sum(per_row: dict[str, Counts], rows: list[str]) -> Counts:
    return sum((per_row.get(row, Counts()) for row in rows), Counts())


def _level_bars(deployment, table: QuotaTable, per_row: dict[str, Counts]) -> list[Bar]:
    """Per level: the quotas of its units (everything below them included) and the counts
    of the quota rows at or below them, as the live script adds them."""
    tree = deployment.tree
    totals = table.totals_by_unit(tree)
    quotas: dict[str, int] = {}
    below: dict[str, set[str]] = {}
    for unit_id, total in totals.items():
        level = tree[unit_id].level
        quotas[level] = quotas.get(level, 0) + total
        below.setdefault(level, set())
    for row in table.rows:
        if row.unit in tree:
            for node in tree.path(row.unit):
                if node.id in totals:
                    below[node.level].add(row.unit)
    return [
        Bar(level["name"], quotas[level["id"]], _sum(per_row, sorted(rows)), tuple(sorted(rows)))
        for level in deployment.settings["levels"]
        if (rows := below.get(level["id"])) is not None
    ]


def _unit_bars(rows: list[DisplayRow], per_row: dict[str, Counts]) -> list[Bar]:
    """The table's shallowest rows (a district's total, or each unit of a flat table)."""
    if not rows:
        return []
    depth = min(row.depth for row in rows)
    chosen = [row for row in rows if row.depth == depth]
    if len(chosen) == 1:  # one unit above all: show the units below it instead
        deeper = [row.depth for row in rows if row.depth > depth]
        if deeper:
            chosen = [row for row in rows if row.depth == min(deeper)]
    return [
        Bar(
            row.unit.label + ("合计" if row.kind == "total" else ""),
            row.count,
            _sum(per_row, row.progress_units),
            tuple(row.progress_units),
        )
        for row in chosen
    ]


def _progress_chart(
    chart_id: str, title: str, what: str, bars: list[Bar], palette: Palette
) -> Chart:
    """Horizontal bars: each a track as long as the quota, filled by the applications and,
    darker, by the registered. A label line above each bar keeps long names readable."""
    top, step, bar_height = 30, 44, 14
    height = top + step * len(bars) + 4
    parts = [_legend(palette, [("报名", palette.light), ("已注册", palette.strong)])]
    for index, bar in enumerate(bars):
        y = top + index * step
        counts = bar.counts or Counts()
        applied = _share(counts.applications, bar.quota)
        registered = _share(counts.registered, bar.quota)
        value = f"{number(counts.applications)} / {number(bar.quota)}"
        parts.append(
            f'<g class="pingan-chart__bar" data-chart-progress="{escape(" ".join(bar.progress))}"'
            f' data-quota="{bar.quota}" data-full="{WIDTH - 2}">'
            f'<text x="0" y="{y + FONT}" font-size="{FONT}">{escape(shorten(bar.label))}</text>'
            f'<text class="pingan-chart__value" x="{WIDTH}" y="{y + FONT}" font-size="{FONT}"'
            f' text-anchor="end">{escape(value)}</text>'
            f'<rect x="0.5" y="{y + 20.5}" width="{WIDTH - 1}" height="{bar_height}"'
            f' fill="#ffffff" stroke="{GREY}"/>'
            f'<rect class="pingan-chart__applied" x="1" y="{y + 21}"'
            f' width="{_width(applied)}" height="{bar_height - 1}" fill="{palette.light}"/>'
            f'<rect class="pingan-chart__registered" x="1" y="{y + 21}"'
            f' width="{_width(registered)}" height="{bar_height - 1}" fill="{palette.strong}"/>'
            "</g>"
        )
    description = (
        f"横条的长度代表名额，浅色部分为报名人数，深色部分为已注册人数；共 {len(bars)} 项，"
        "数字见下表。"
    )
    rows = [
        (
            bar.label,
            number(bar.quota),
            number((bar.counts or Counts()).applications),
            number((bar.counts or Counts()).registered),
        )
        for bar in bars
    ]
    return Chart(
        chart_id,
        title,
        description,
        _svg(chart_id, title, description, height, parts),
        (what, "名额", "报名", "已注册"),
        rows,
        [" ".join(bar.progress) for bar in bars],
    )


def _share(count: int, quota: int) -> float:
    return min(1.0, count / quota) if quota > 0 else 0.0


def _width(share: float) -> str:
    return f"{(WIDTH - 2) * share:.1f}"


# --- over time ------------------------------------------------------------------------------


def applications_chart(statistics: Statistics | None, deployment, campaign) -> Chart | None:
    """The campaign's applications over time: a column a day, or a week when it ran long."""
    if statistics is None:
        return None
    days = statistics.campaign_days(campaign.id)
    if not days or not any(counts.applications for counts in days.values()):
        return None
    first, last = min(days), max(days)
    if (last - first).days < MOST_DAYS:
        series = [
            (first + datetime.timedelta(days=n), days.get(first + datetime.timedelta(days=n)))
            for n in range((last - first).days + 1)
        ]
        unit, label = "日", _day_labels
    else:
        weeks = by_week(days)
        start = min(weeks)
        count = (max(weeks) - start).days // 7 + 1
        series = [
            (start + datetime.timedelta(weeks=n), weeks.get(start + datetime.timedelta(weeks=n)))
            for n in range(count)
        ]
        unit, label = "周", _week_labels
    values = [(*label(day), (counts or Counts()).applications) for day, counts in series]
    title = f"每{unit}报名人数"
    description = (
        f"{zh_date(first)}至 {zh_date(last)}每{unit}收到的报名人数（柱状图），"
        f"共 {number(sum(v for *_, v in values))} 人；数字见下表。"
    )
    palette = Palette.of(deployment.settings)
    chart_id = f"chart-{campaign.id}-applications"
    svg = _columns(chart_id, title, description, values, palette, "人")
    rows = [(name, number(value)) for name, _, value in values]
    return Chart(
        chart_id, title, description, svg, ("日期" if unit == "日" else "周", "报名"), rows
    )


def hours_chart(statistics: Statistics | None, deployment) -> Chart | None:
    """Hours served by month over the whole deployment (from the volunteers' records)."""
    if statistics is None:
        return None
    return _hours_chart("chart-hours", statistics.months(), deployment)


def unit_hours_chart(statistics: Statistics | None, deployment, unit) -> Chart | None:
    """Hours served by month at *unit* and below it, for a unit with units below it only:
    a village's page would be one of thousands, each a chart of a few activities."""
    if statistics is None or not unit.children:
        return None
    months = statistics.months_below(unit.id, deployment.tree)
    return _hours_chart(f"chart-{unit.id}-hours", months, deployment)


def _hours_chart(chart_id: str, months: dict[str, int], deployment) -> Chart | None:
    if not any(months.values()):
        return None
    series = _month_range(min(months), max(months))
    values = [
        (zh_date(month), zh_date(month), round(months.get(month, 0) / 60)) for month in series
    ]
    title = "每月服务时长"
    description = (
        f"{zh_date(series[0])}至 {zh_date(series[-1])}各月志愿服务的小时数"
        f"（柱状图），共 {number(round(sum(months.values()) / 60))} 小时；数字见下表。"
    )
    palette = Palette.of(deployment.settings)
    svg = _columns(chart_id, title, description, values, palette, "小时")
    rows = [(name, number(value)) for name, _, value in values]
    return Chart(chart_id, title, description, svg, ("月份", "服务时长（小时）"), rows)


def _month_range(first: str, last: str) -> list[str]:
    year, month = map(int, first.split("-"))
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _day_labels(day: datetime.date) -> tuple[str, str]:
    """The day in the table (``2026 年 10 月 1 日``) and under its column (``10 月 1 日``)."""
    return zh_date(day), f"{day.month} 月 {day.day} 日"


def _week_labels(monday: datetime.date) -> tuple[str, str]:
    return f"{zh_date(monday)}起的一周", f"{monday.month} 月 {monday.day} 日起"


def _columns(
    chart_id: str,
    title: str,
    description: str,
    values: list[tuple[str, str, int]],
    palette: Palette,
    unit: str,
) -> Markup:
    """A column per (table label, axis label, value) over a baseline; the largest value is
    written at the top left with its *unit* (人, 小时), and at most ``AXIS_LABELS`` axis
    labels under the baseline, the first and last at the ends and one in the middle, so
    that none overlap."""
    top, plot, bottom = 24, 150, 24
    height = top + plot + bottom
    most = max((value for *_, value in values), default=0) or 1
    slot = WIDTH / len(values)
    gap = min(2.0, slot * 0.2)
    parts = [
        f'<text x="0" y="{FONT}" font-size="{FONT}" fill="{GREY}">'
        f"最高 {escape(number(most))} {unit}</text>",
        f'<line x1="0" y1="{top + plot + 0.5}" x2="{WIDTH}" y2="{top + plot + 0.5}"'
        f' stroke="{GREY}"/>',
    ]
    for index, (*_, value) in enumerate(values):
        column = plot * value / most
        parts.append(
            f'<rect x="{index * slot + gap / 2:.2f}" y="{top + plot - column:.2f}"'
            f' width="{slot - gap:.2f}" height="{column:.2f}" fill="{palette.strong}"/>'
        )
    for index in _label_positions(len(values)):
        x = index * slot + slot / 2
        anchor = "start" if index == 0 else "end" if index == len(values) - 1 else "middle"
        x = 0 if anchor == "start" else WIDTH if anchor == "end" else x
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot + FONT + 4}" font-size="{FONT}"'
            f' text-anchor="{anchor}">{escape(values[index][1])}</text>'
        )
    return _svg(chart_id, title, description, height, parts)


def _label_positions(count: int) -> list[int]:
    if count <= 1:
        return [0] if count else []
    wanted = min(AXIS_LABELS, count)
    return sorted({round(i * (count - 1) / (wanted - 1)) for i in range(wanted)})


# --- stations -------------------------------------------------------------------------------


def station_chart(statistics: Statistics | None, deployment) -> Chart | None:
    """Village stations ranked by registrations through their grid workers, then by
    applications. Stations only: a grid worker is never named on the site."""
    if statistics is None or not deployment.grid_workers:
        return None
    stations = {worker["unit"] for worker in deployment.grid_workers}
    ranking = [(unit, counts) for unit, counts in statistics.station_ranking() if unit in stations]
    if not ranking or not any(counts.applications for _, counts in ranking):
        return None
    tree = deployment.tree
    most = max(counts.applications for _, counts in ranking) or 1
    bars = [Bar(tree[unit].label, most, counts) for unit, counts in ranking[:MOST_BARS]]
    title = "网格工作站排行"
    description = (
        "按经网格员注册的人数排列各网格工作站（人数相同的按报名人数）；横条越长，报名越多，"
        "深色部分为已注册人数。只列工作站，不列网格员个人；数字见下表。"
    )
    palette = Palette.of(deployment.settings)
    height = 30 + 44 * len(bars) + 4
    svg = _svg("chart-stations", title, description, height, _station_parts(bars, palette))
    rows = [
        (str(rank), tree[unit].name, number(counts.applications), number(counts.registered))
        for rank, (unit, counts) in enumerate(ranking, start=1)
    ]
    return Chart(
        "chart-stations", title, description, svg, ("名次", "工作站", "报名", "已注册"), rows
    )


def _station_parts(bars: list[Bar], palette: Palette) -> list[str]:
    parts = [_legend(palette, [("报名", palette.light), ("已注册", palette.strong)])]
    for index, bar in enumerate(bars):
        y = 30 + index * 44
        counts = bar.counts or Counts()
        label = f"{index + 1}. {shorten(bar.label)}"
        value = f"注册 {number(counts.registered)} / 报名 {number(counts.applications)}"
        parts.append(
            f'<text x="0" y="{y + FONT}" font-size="{FONT}">{escape(label)}</text>'
            f'<text x="{WIDTH}" y="{y + FONT}" font-size="{FONT}" text-anchor="end">'
            f"{escape(value)}</text>"
            f'<rect x="1" y="{y + 21}" width="{_width(_share(counts.applications, bar.quota))}"'
            f' height="13" fill="{palette.light}"/>'
            f'<rect x="1" y="{y + 21}" width="{_width(_share(counts.registered, bar.quota))}"'
            f' height="13" fill="{palette.strong}"/>'
        )
    return parts


# --- drawing --------------------------------------------------------------------------------


def _legend(palette: Palette, keys: list[tuple[str, str]]) -> str:
    parts, x = [], 0
    for name, colour in keys:
        parts.append(
            f'<rect x="{x}" y="3" width="12" height="12" fill="{colour}" stroke="{GREY}"/>'
            f'<text x="{x + 16}" y="{FONT}" font-size="{FONT}">{escape(name)}</text>'
        )
        x += 16 + FONT * len(name) + 16
    return "".join(parts)


def _svg(chart_id: str, title: str, description: str, height: int, parts: list[str]) -> Markup:
    """The chart's SVG: its own title and description name it for screen readers."""
    return Markup(
        f'<svg class="pingan-chart__svg" xmlns="http://www.w3.org/2000/svg" role="img"'
        f' viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}"'
        f' aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="sans-serif"'
        f' fill="#1f1f1f">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>' + "".join(parts) + "</svg>"
    )
