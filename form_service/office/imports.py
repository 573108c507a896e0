"""Directed recruitment: an office files a whole roster (XLSX or CSV) at once.

The file is read by ``pingan.export.roster_import`` (headers by roster title, form title or
field name; labels back to ids; the cell of every value), and every row goes through the
same validator as an online application (``form_service.validation``), with an *import
form*: the campaign's form as the office files it.

How the validator is told about a row's category: it is not given a flag; it is given a
different form (``import_form``), so the one validator stays the single place of rules.
The import form differs from the public one in exactly these ways:

- the public's window and the "directed categories cannot be applied to" rule are the
  public's: the import form's campaign counts as open on the day of the import (an office
  may file paper applications gathered before the deadline) and its category field lists
  every category;
- the unit may be any unit in the office's scope (the office files for its own units);
- a *directed* category (the expo town's categories 1–8) skips the limits the document
  states for open recruitment only: the maximum age and the residence condition (the
  minimum age of the campaign stays: a volunteer is an adult in every scheme);
- where the age range holds only "in principle" (the expo town: 原则上 18–65 周岁，可根据
  实际情况适当放宽), the office admits the exception the public form refers people to: the
  maximum is dropped, the minimum stays (minors are never admitted). Each row admitted
  above the stated maximum carries ``AGE_EXCEPTION`` as the reason of its first stage
  event, so the detail page's history (and the applicant's status page) says why; the
  import's audit event counts them. The row itself, and so the export, is an ordinary one.
  A strict range (Shanxi's 18–45) is applied in imports as online;
- declarations and consent are those the organisation collected on paper: the office
  confirms that on the upload form, and the stored row carries the notice version.

All or nothing: every row is checked, duplicates are looked for within the file and
against stored applications (one query per 500 rows, by the keyed hash; the rule on
applying twice is ``pingan.duplicates``, as for online applications), and only a
roster without a single problem is stored, in one transaction. The report names each
bad row and cell (第 5 行 C 列（身份证号）：…).
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy.exc import IntegrityError

from pingan.campaigns import Campaign, campaign_fields
from pingan.eligibility import age_on
from pingan.export.roster_import import RosterError, read_roster

from ..applications import (
    duplicate_message,
    earlier_applications,
    identity_hash,
    new_application,
)
from ..context import campaign_forms, cipher, today
from ..db import get_db
from ..forms import DOCUMENT_TYPE_NAMES, CampaignForm, FormField
from ..models import StageEvent
from ..office_models import User
from ..validation import validate_application
from .audit import record
from .upload_limits import RosterLimits, roster_problems

LOOKUP_CHUNK = 500
#: The first stage event's reason for a row admitted above an in-principle maximum age.
AGE_EXCEPTION = "年龄超出原则范围，由办公室审核放宽"
CSV_UNREADABLE = "无法读取这个 CSV 文件（单元格过长或引号不成对），请用 Excel 另存为 .xlsx 后上传"
#: 居民身份证 → resident_id: rosters name document types as the form shows them.
DOCUMENT_TYPE_IDS = {name: value for value, name in DOCUMENT_TYPE_NAMES.items()}


@dataclass(frozen=True)
class ImportProblem:
    """One problem of the roster, placed where the office will look for it."""

    row: int | None
    column: str | None
    title: str | None
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        where = f"第 {self.row} 行"
        if self.column:
            where += f" {self.column} 列（{self.title}）"
        elif self.title:
            where += f"（{self.title}）"
        return f"{where}：{self.message}"


@dataclass
class ImportResult:
    stored: int = 0
    rows: int = 0
    age_exceptions: int = 0
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def import_form(
    form: CampaignForm, category: str | None, scope: frozenset[str], day: datetime.date
) -> CampaignForm:
    """The campaign's form as an office files *category* for units of its *scope* on *day*."""
    deployment = form.deployment
    complete = {spec["name"]: spec for spec in campaign_fields(form.campaign, deployment)}
    directed = category in _directed_ids(form)
    fields = []
    for form_field in form.fields:
        changed = copy.copy(form_field)
        if changed.name == "category" and "category" in complete:
            changed.choices = FormField.from_schema(complete["category"]).choices
        if changed.name == "unit":
            changed.choices = [
                (unit.id, unit.name) for unit, _ in deployment.tree.walk() if unit.id in scope
            ]
        if directed and changed.name == "residence":
            changed.required = False
        fields.append(changed)
    data = copy.deepcopy(form.campaign.data)
    data["recruitment"] = "open"
    data["opens"] = min(form.campaign.opens, day).isoformat()
    if form.campaign.closes is not None:  # a long-term round has none and stays open
        data["closes"] = max(form.campaign.closes, day).isoformat()
    age = data["eligibility"].get("age") or {"min": 18}
    if directed or age.get("in_principle"):
        data["eligibility"]["age"] = {"min": age.get("min", 18)}
    if directed:
        data["eligibility"].pop("residence", None)
    campaign = Campaign(data=data, file=form.campaign.file)
    return dataclasses.replace(form, campaign=campaign, fields=fields, directed_categories={})


def _directed_ids(form: CampaignForm) -> set[str]:
    table = form.deployment.quotas.get(form.campaign.data.get("quota", ""))
    return {c.id for c in table.categories if c.recruitment == "directed"} if table else set()


def import_roster(
    data: bytes,
    campaign_id: str,
    unit: str,
    category: str | None,
    user: User,
    scope: frozenset[str],
) -> ImportResult:
    """Check the whole roster; store every row (one transaction) only if all are valid."""
    form = campaign_forms()[campaign_id]
    deployment = form.deployment
    result = ImportResult()
    limits = roster_problems(data, RosterLimits.from_config(current_app.config))
    if limits:
        result.problems = [ImportProblem(None, None, None, p) for p in limits]
        return result
    try:
        roster = read_roster(data, form.campaign, deployment)
    except RosterError as error:
        result.problems = [ImportProblem(None, None, None, p) for p in error.problems]
        return result
    except csv.Error:
        result.problems = [ImportProblem(None, None, None, CSV_UNREADABLE)]
        return result
    titles = _titles(form)
    try:
        valid = _check_rows(result, form, roster, unit, category, scope, titles)
    except csv.Error:  # a field beyond the csv module's limit, or an unclosed quote
        result.problems.append(ImportProblem(None, None, None, CSV_UNREADABLE))
        return result
    result.problems += [
        ImportProblem(p.row_number, _letter(p.cell), titles.get(p.field, p.field), p.message)
        for p in roster.problems
    ]
    if result.rows == 0 and not result.problems:
        result.problems.append(ImportProblem(None, None, None, "名单中没有数据行"))
    result.problems += _stored_duplicates(form, valid, titles)
    if result.problems:
        result.problems.sort(key=lambda p: (p.row or 0, p.column or ""))
        return result
    try:
        result.stored, result.age_exceptions = _store(form, valid, user, unit, campaign_id)
    except IntegrityError:
        result.problems.append(
            ImportProblem(
                None,
                None,
                None,
                "导入时名单中有人刚刚通过其他途径报名，本次未导入任何一行，请重新上传",
            )
        )
    return result


def _check_rows(
    result: ImportResult,
    form: CampaignForm,
    roster,
    unit: str,
    category: str | None,
    scope: frozenset[str],
    titles: dict[str, str],
) -> list[tuple[int, Any, str, dict[str, str]]]:
    """Validate every row into *result*; the valid rows, each with its keyed hash."""
    unit_ids = _unit_lookup(form.deployment, scope)
    forms: dict[str | None, CampaignForm] = {}
    day = today()
    limit = current_app.config["IMPORT_MAX_ROWS"]
    valid: list[tuple[int, Any, str, dict[str, str]]] = []
    first_row_of: dict[str, int] = {}
    for row_number, values, refs in roster:
        result.rows += 1
        if result.rows > limit:
            result.problems.append(
                ImportProblem(None, None, None, f"一次最多导入 {limit} 行，请分成几个文件上传")
            )
            break
        raw = _raw(form, values, unit, category, unit_ids)
        row_category = raw.get("category") if "category" in form else category
        if row_category not in forms:
            forms[row_category] = import_form(form, row_category, scope, day)
        submission, errors = validate_application(forms[row_category], raw, day)
        problems = [_problem(row_number, e.field, e.message, refs, titles) for e in errors]
        if submission is not None and not problems:
            problems += _derived_problems(row_number, values, submission, refs, titles, day)
        if problems or submission is None:
            result.problems += problems
            continue
        if submission.category is None:
            submission.category = row_category
        id_hmac = identity_hash(cipher(), submission.id_type, submission.id_number)
        if id_hmac in first_row_of:
            result.problems.append(
                _problem(
                    row_number,
                    "id_number",
                    f"与第 {first_row_of[id_hmac]} 行是同一个证件号码",
                    refs,
                    titles,
                )
            )
            continue
        first_row_of[id_hmac] = row_number
        valid.append((row_number, submission, id_hmac, refs))
    return valid


def _titles(form: CampaignForm) -> dict[str, str]:
    """field → the title the office sees: the roster's column title, else the form's."""
    titles = {f.name: f.title for f in form.fields}
    titles.update({"age": "年龄", "sex": "性别"})
    for column in (form.campaign.data.get("roster") or {}).get("columns", []):
        titles[column["field"]] = column["title"]
    return titles


def _unit_lookup(deployment, scope: frozenset[str]) -> dict[str, str]:
    """Unit names and short names in the scope → ids (rosters carry names)."""
    lookup = {}
    for unit_id in scope:
        unit = deployment.tree[unit_id]
        lookup[unit.name] = unit_id
        if unit.short_name:
            lookup.setdefault(unit.short_name, unit_id)
    return lookup


def _raw(
    form: CampaignForm,
    values: dict[str, Any],
    unit: str,
    category: str | None,
    unit_ids: dict[str, str],
) -> dict[str, Any]:
    raw = {key: value for key, value in values.items() if key not in ("age",)}
    if "sex" not in form:
        raw.pop("sex", None)
    if "unit" in form:
        given = raw.get("unit")
        raw["unit"] = unit_ids.get(given, given) if given else unit
    if raw.get("id_type") in DOCUMENT_TYPE_IDS:
        raw["id_type"] = DOCUMENT_TYPE_IDS[raw["id_type"]]
    if "category" in form and not raw.get("category") and category:
        raw["category"] = category
    raw["declarations"] = [key for key, _ in form.declarations]
    raw["consent_notice"] = True
    raw["consent_sensitive"] = True
    raw["notice_version"] = form.notice_version
    return raw


def _letter(ref: str | None) -> str | None:
    return re.sub(r"\d+", "", ref) if ref else None


def _problem(
    row: int, name: str, message: str, refs: dict[str, str], titles: dict[str, str]
) -> ImportProblem:
    return ImportProblem(row, _letter(refs.get(name)), titles.get(name, name), message)


def _derived_problems(row, values, submission, refs, titles, day) -> list[ImportProblem]:
    """A 性别 or 年龄 column that contradicts the ID number (age: one year of slack)."""
    problems = []
    sex = values.get("sex")
    if sex and submission.sex and sex != submission.sex:
        message = f"性别与身份证号码不符（身份证号码显示为{submission.sex}）"
        problems.append(_problem(row, "sex", message, refs, titles))
    age = values.get("age")
    if age not in (None, "") and submission.birth_date:
        actual = age_on(submission.birth_date, day)
        try:
            stated = int(str(age).strip())
        except ValueError:
            problems.append(_problem(row, "age", "年龄应为整数", refs, titles))
        else:
            if abs(stated - actual) > 1:
                message = f"年龄与身份证号码不符（按身份证号码现在 {actual} 周岁）"
                problems.append(_problem(row, "age", message, refs, titles))
    return problems


def _stored_duplicates(form: CampaignForm, valid, titles) -> list[ImportProblem]:
    """Rows whose person may not apply again, by the scheme's rule (``pingan.duplicates``)."""
    problems = []
    with get_db().sessions() as session:
        for start in range(0, len(valid), LOOKUP_CHUNK):
            chunk = valid[start : start + LOOKUP_CHUNK]
            found = earlier_applications(
                session, form.deployment, [id_hmac for _, _, id_hmac, _ in chunk]
            )
            for row_number, submission, id_hmac, refs in chunk:
                message = duplicate_message(form, found.get(id_hmac, []), submission.unit)
                if message:
                    problems.append(_problem(row_number, "id_number", message, refs, titles))
    return problems


def _age_exception(form: CampaignForm, submission, directed: set[str]) -> bool:
    """Whether the office admits *submission* above the campaign's in-principle maximum age."""
    age = form.eligibility.get("age") or {}
    high = age.get("max")
    return bool(
        age.get("in_principle")
        and high is not None
        and submission.category not in directed
        and submission.age is not None
        and submission.age > high
    )


def _store(form: CampaignForm, valid, user: User, unit: str, campaign_id: str) -> tuple[int, int]:
    """Store the valid rows in one transaction; the rows stored and the age exceptions."""
    directed = _directed_ids(form)
    exceptions = [_age_exception(form, submission, directed) for _, submission, _, _ in valid]
    with get_db().write() as session:
        applications = [
            new_application(cipher(), form, submission, id_hmac, "import")
            for _row, submission, id_hmac, _refs in valid
        ]
        session.add_all(applications)
        session.flush()
        now = datetime.datetime.now(datetime.UTC)
        session.add_all(
            StageEvent(
                application_id=application.id,
                from_stage=None,
                to_stage=application.stage,
                actor=f"user:{user.id}",
                reason=AGE_EXCEPTION if exception else None,
                at=now,
            )
            for application, exception in zip(applications, exceptions, strict=True)
        )
        record(
            session,
            "import",
            user=user,
            unit=unit,
            campaign=campaign_id,
            rows=len(applications),
            **({"age_exceptions": sum(exceptions)} if any(exceptions) else {}),
        )
    get_db().refresh_statistics()  # a roster can change the table's shape at once
    return len(applications), sum(exceptions)
