"""Hours imported from a spreadsheet (志愿服务时长导入): one row per volunteer and activity,
with the columns 志愿者编号, 活动编号 and 服务时长（小时）, as an XLSX file.

Read like the roster (``pingan.export.roster_import``: the upload limits, the streamed
first sheet, headers compared the same way), before the write. All or nothing, like the
roster import: every row is read and checked first (a known
volunteer number, an activity of the unit's scope that has started, hours written as the
attendance page takes them, no row twice), and every problem is reported with its row;
only a file without problems is recorded, in one transaction, through the same
``record_attendance`` the attendance page uses (its scope, range and totals rules, and its
audit events), one call per activity. A refusal there rolls the whole file back.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from pingan.export.roster_import import XLSX_MAGIC, RosterError, normal_header, xlsx_rows
from pingan.points import minutes_from_hours

from .context import current_deployment
from .models import utcnow
from .office.upload_limits import RosterLimits, roster_problems
from .office_models import User
from .volunteer_models import Activity, VolunteerRecord
from .volunteers import record_attendance

NUMBER, ACTIVITY, HOURS = "志愿者编号", "活动编号", "服务时长（小时）"
#: Each header a column may carry (compared as ``normal_header`` makes them) → its column.
HEADERS = {
    normal_header(title): column
    for title, column in (
        (NUMBER, NUMBER),
        (ACTIVITY, ACTIVITY),
        ("活动", ACTIVITY),
        (HOURS, HOURS),
        ("服务时长", HOURS),
        ("时长（小时）", HOURS),
        ("时长", HOURS),
    )
}
#: As the attendance page takes them: whole hours or one decimal (2, 2.5).
HOURS_TEXT = re.compile(r"^\d{1,2}(\.\d)?$")
MOST_ROWS = 10_000
Rows = list[tuple[int, dict[str, str]]]


@dataclass
class HoursImport:
    problems: list[str] = field(default_factory=list)
    rows: int = 0
    recorded: int = 0
    corrected: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def read_sheet(data: bytes, limits: RosterLimits) -> tuple[Rows, list[str]]:
    """Rows as ``(row number, {column: text})`` and the problems of the file itself.

    Read as a roster is: within the roster's upload limits (checked before anything is
    unpacked: an XLSX is a zip), then the first sheet streamed by the roster's reader, its
    header compared the roster's way (spaces, width and stars ignored).
    """
    problems = roster_problems(data, limits)
    if problems:
        return [], problems
    if not data.startswith(XLSX_MAGIC):
        return [], ["请上传 Excel 工作簿（.xlsx）"]
    try:
        lines = xlsx_rows(data)
    except RosterError:
        return [], ["无法读取这个文件：请用 Excel 另存为 .xlsx 后再上传"]
    try:
        _, first = next(lines, (1, []))
        header = [normal_header(_text(cell)) for cell in first]
        columns = {HEADERS[title]: i for i, title in enumerate(header) if title in HEADERS}
        missing = [title for title in (NUMBER, ACTIVITY, HOURS) if title not in columns]
        if missing:
            return [], [f"第 1 行（表头）缺少列：{'、'.join(missing)}"]
        rows: Rows = []
        for number, line in lines:
            cells = {title: _text(line[i]) if i < len(line) else "" for title, i in columns.items()}
            if not any(cells.values()):
                continue
            if len(rows) == MOST_ROWS:
                return [], [f"一个文件最多 {MOST_ROWS:,} 行，请分成几个文件上传"]
            rows.append((number, cells))
    finally:
        lines.close()
    if not rows:
        return [], ["文件中没有数据行"]
    return rows, []


def import_hours(
    session: Session, user: User, scope: frozenset[str], unit_scope: frozenset[str], rows: Rows
) -> HoursImport:
    """Check every row read by ``read_sheet``, then record all of them or none (the
    caller's transaction: the file is read before it, so no write waits on a parser)."""
    result = HoursImport(rows=len(rows))
    deployment = current_deployment().id
    numbers = {cells[NUMBER] for _, cells in rows}
    records = {
        number: record_id
        for number, record_id in session.execute(
            select(VolunteerRecord.volunteer_number, VolunteerRecord.id).where(
                VolunteerRecord.deployment == deployment,
                VolunteerRecord.volunteer_number.in_(numbers),
            )
        )
    }
    wanted = {int(cells[ACTIVITY]) for _, cells in rows if _is_id(cells[ACTIVITY])}
    activities = {
        activity.id: activity
        for activity in session.scalars(
            select(Activity).where(Activity.deployment == deployment, Activity.id.in_(wanted))
        )
    }
    now = utcnow()
    entries: dict[int, dict[int, int]] = {}
    for row, cells in rows:
        says = []
        record_id = records.get(cells[NUMBER])
        if not cells[NUMBER]:
            says.append("缺少志愿者编号")
        elif record_id is None:
            says.append(f"没有志愿者编号为 {cells[NUMBER][:40]} 的志愿者")
        activity = activities.get(int(cells[ACTIVITY])) if _is_id(cells[ACTIVITY]) else None
        if activity is None or activity.unit not in unit_scope or activity.unit not in scope:
            says.append(f"没有编号为 {cells[ACTIVITY][:20] or '（空）'} 的本单位活动")
        elif _aware(activity.starts_at) > now:
            says.append(f"活动 {activity.id} 尚未开始，不能登记服务时长")
        minutes = _minutes(cells[HOURS])
        if minutes is None:
            says.append("服务时长请填写小时数，如 2 或 2.5")
        if not says:
            per_activity = entries.setdefault(activity.id, {})
            if record_id in per_activity:
                says.append("同一志愿者和活动重复出现")
            else:
                per_activity[record_id] = minutes
        result.problems += [f"第 {row} 行：{text}" for text in says]
    if result.problems:
        return result
    for activity_id in sorted(entries):
        counts = record_attendance(session, user, scope, activity_id, entries[activity_id])
        result.recorded += counts["recorded"]
        result.corrected += counts["corrected"]
        result.unchanged += counts["unchanged"]
    return result


def _is_id(text: str) -> bool:
    """Digits a database integer holds (a longer number is no activity's)."""
    return text.isascii() and text.isdigit() and len(text) <= 9


def _minutes(text: str) -> int | None:
    if not HOURS_TEXT.fullmatch(text):
        try:  # a number cell Excel stores as 2.0 or 2.5
            value = Decimal(text)
        except InvalidOperation:
            return None
        if value != value.quantize(Decimal("0.1")) or value < 0:
            return None
        text = f"{value.normalize():f}"
        if not HOURS_TEXT.fullmatch(text):
            return None
    return minutes_from_hours(text)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _aware(moment: datetime.datetime) -> datetime.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)
