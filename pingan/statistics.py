"""Aggregate counts of the form service as the site shows them (statistics.json).

The site never reads the database: ``pingan statistics export`` writes the counts into a
file the build reads (as it reads the honour decisions). The file holds counts only —
per campaign, unit and day; per unit; per unit and month; per village station — never a
person, and never a grid worker: what grid workers recruited is added up to their
station's unit before it leaves the service.

Counts are each unit's own; the site adds them up to the units above (a town counts its
villages) with the deployment's tree, as the quota page's live progress does, so the file
stays right when the tree gains a level.
"""

from __future__ import annotations

import datetime
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .problems import Problems
from .validation import validate_document

if TYPE_CHECKING:
    from .deployment import Deployment

#: The ``format`` of statistics.json; a reader of another format refuses the file.
STATISTICS_FORMAT = "pingan-statistics/1"


class StatisticsError(Exception):
    """statistics.json cannot be used; ``problems`` says why, in Chinese."""

    def __init__(self, problems: Problems):
        super().__init__(problems.report())
        self.problems = problems


class Counts(NamedTuple):
    """Applications and how many of them are registered; ``+`` adds them up (a tuple, as
    a large file makes hundreds of thousands)."""

    applications: int = 0
    registered: int = 0

    def __add__(self, other: tuple) -> Counts:  # type: ignore[override]
        return Counts(self[0] + other[0], self[1] + other[1])


@dataclass
class Statistics:
    """The counts of one deployment on ``day``, each unit's own (``months_below`` and
    ``volunteers_below`` add them up the tree)."""

    day: datetime.date
    #: campaign → unit → day → counts of applications submitted that day (open ones).
    applications: dict[str, dict[str, dict[datetime.date, Counts]]] = field(default_factory=dict)
    #: unit → registered volunteers (volunteer records) of the unit itself.
    volunteers: dict[str, int] = field(default_factory=dict)
    #: unit → "YYYY-MM" → minutes served at activities of the unit itself.
    minutes: dict[str, dict[str, int]] = field(default_factory=dict)
    #: station unit → applications through the grid workers of that station.
    stations: dict[str, Counts] = field(default_factory=dict)
    _below: dict[str, dict[str, int]] | None = field(default=None, repr=False)
    _volunteers_below: dict[str, int] | None = field(default=None, repr=False)

    def campaign_units(self, campaign: str) -> dict[str, Counts]:
        """Unit → the campaign's counts of the unit itself, all days added."""
        return {
            unit: Counts(sum(c[0] for c in days.values()), sum(c[1] for c in days.values()))
            for unit, days in self.applications.get(campaign, {}).items()
        }

    def campaign_days(self, campaign: str) -> dict[datetime.date, Counts]:
        """Day → the campaign's counts over every unit, days in order."""
        days: dict[datetime.date, list[int]] = defaultdict(lambda: [0, 0])
        for per_day in self.applications.get(campaign, {}).values():
            for day, (applications, registered) in per_day.items():
                total = days[day]
                total[0] += applications
                total[1] += registered
        return {day: Counts(*days[day]) for day in sorted(days)}

    def months(self) -> dict[str, int]:
        """ "YYYY-MM" → minutes served over every unit, months in order."""
        months: dict[str, int] = defaultdict(int)
        for per_month in self.minutes.values():
            for month, minutes in per_month.items():
                months[month] += minutes
        return dict(sorted(months.items()))

    def months_below(self, unit: str, tree) -> dict[str, int]:
        """ "YYYY-MM" → minutes served at *unit* and every unit below it, months in order.

        The first call adds every unit's minutes up the tree once (each unit page asks)."""
        if self._below is None:
            below: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            for own, per_month in self.minutes.items():
                if own in tree:
                    for node in tree.path(own):
                        for month, minutes in per_month.items():
                            below[node.id][month] += minutes
            self._below = {key: dict(sorted(value.items())) for key, value in below.items()}
        return self._below.get(unit, {})

    def volunteers_below(self, unit: str, tree) -> int:
        """Registered volunteers of *unit* and every unit below it."""
        if self._volunteers_below is None:
            below: dict[str, int] = defaultdict(int)
            for own, count in self.volunteers.items():
                if own in tree:
                    for node in tree.path(own):
                        below[node.id] += count
            self._volunteers_below = dict(below)
        return self._volunteers_below.get(unit, 0)

    def station_ranking(self) -> list[tuple[str, Counts]]:
        """Stations by registrations, then applications (most first), then unit id."""
        return sorted(
            self.stations.items(),
            key=lambda item: (-item[1].registered, -item[1].applications, item[0]),
        )


def by_week(days: dict[datetime.date, Counts]) -> dict[datetime.date, Counts]:
    """Daily counts added up per week, keyed by the week's Monday."""
    weeks: dict[datetime.date, Counts] = defaultdict(Counts)
    for day, counts in days.items():
        weeks[day - datetime.timedelta(days=day.weekday())] += counts
    return dict(sorted(weeks.items()))


def load_statistics(path: Path | str, deployment: Deployment | None = None) -> Statistics:
    """The counts of a ``statistics.json`` (``pingan statistics export``), checked.

    Raises StatisticsError naming the file and each problem. Given the *deployment*, a
    file of another deployment is one too. Counts of a unit or campaign the data no longer
    has are history, not an error: they are left out (the units above cannot be known).
    """
    path = Path(path)
    problems = Problems()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        problems.add(path, 0, "(文件)", "无法读取统计数据文件")
        raise StatisticsError(problems) from None
    except ValueError as error:
        problems.add(path, getattr(error, "lineno", 0), "(文件)", "不是有效的 JSON 文件")
        raise StatisticsError(problems) from None
    if isinstance(document, dict) and document.get("format") not in (None, STATISTICS_FORMAT):
        problems.add(
            path,
            1,
            "format",
            f"统计数据文件的格式是“{document['format']}”，本程序读取“{STATISTICS_FORMAT}”"
            "（请用同一版本的 pingan statistics export 重新导出）",
        )
        raise StatisticsError(problems)
    problems.extend(_problems(document, path))
    if not problems and deployment is not None and document["deployment"] != deployment.id:
        problems.add(
            path,
            1,
            "deployment",
            f"这是部署“{document['deployment']}”的统计数据，不是“{deployment.id}”的",
        )
    if problems:
        raise StatisticsError(problems)
    return _statistics(document, deployment)


#: Each list's rows: key → kind of value (what the schema's row definitions say).
ROW_SHAPES = {
    "applications": {
        "campaign": "id",
        "unit": "id",
        "day": "date",
        "applications": "count",
        "registered": "count",
    },
    "volunteers": {"unit": "id", "volunteers": "count"},
    "hours": {"unit": "id", "month": "month", "minutes": "count"},
    "stations": {"unit": "id", "applications": "count", "registered": "count"},
}
_PATTERNS = {
    "id": re.compile(r"[a-z0-9][a-z0-9-]*"),
    "date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "month": re.compile(r"\d{4}-\d{2}"),
}


def _problems(document: Any, path: Path) -> Problems:
    """The schema's problems with *document*, found quickly for a good file.

    A Chongqing-scale file has hundreds of thousands of rows, which jsonschema takes
    minutes over: the lists are checked here against ``ROW_SHAPES`` (the schema's row
    definitions, held equal by the tests) and the rest by the schema; only a file with a
    bad row goes through the schema whole, for its messages."""
    if not isinstance(document, dict):
        return validate_document("statistics", document, path)
    envelope = {key: [] if key in ROW_SHAPES else value for key, value in document.items()}
    problems = validate_document("statistics", envelope, path)
    if problems or all(_rows_fit(document.get(key), shape) for key, shape in ROW_SHAPES.items()):
        return problems
    return validate_document("statistics", document, path)


def _rows_fit(rows: Any, shape: dict[str, str]) -> bool:
    if not isinstance(rows, list):
        return False
    keys = set(shape)
    for row in rows:
        if not isinstance(row, dict) or row.keys() != keys:
            return False
        for key, kind in shape.items():
            value = row[key]
            if kind == "count":
                if type(value) is not int or value < 0:
                    return False
            elif not isinstance(value, str) or not _PATTERNS[kind].fullmatch(value):
                return False
            elif kind == "date" and not _is_date(value):
                return False
    return True


def _is_date(text: str) -> bool:
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _statistics(document: dict[str, Any], deployment: Deployment | None) -> Statistics:
    def known(unit: str) -> bool:
        return deployment is None or unit in deployment.tree

    campaigns = deployment.campaigns if deployment is not None else None
    statistics = Statistics(day=datetime.date.fromisoformat(document["day"]))
    for row in document["applications"]:
        if not known(row["unit"]) or (campaigns is not None and row["campaign"] not in campaigns):
            continue
        days = statistics.applications.setdefault(row["campaign"], {}).setdefault(row["unit"], {})
        day = datetime.date.fromisoformat(row["day"])
        counts = Counts(row["applications"], row["registered"])
        days[day] = counts if day not in days else days[day] + counts
    for row in document["volunteers"]:
        if known(row["unit"]):
            statistics.volunteers[row["unit"]] = (
                statistics.volunteers.get(row["unit"], 0) + row["volunteers"]
            )
    for row in document["hours"]:
        if known(row["unit"]):
            months = statistics.minutes.setdefault(row["unit"], {})
            months[row["month"]] = months.get(row["month"], 0) + row["minutes"]
    for row in document["stations"]:
        if known(row["unit"]):
            counts = Counts(row["applications"], row["registered"])
            before = statistics.stations.get(row["unit"], Counts())
            statistics.stations[row["unit"]] = before + counts
    return statistics
