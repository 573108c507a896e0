"""The one validator of applications: the HTML form, the JSON API and imports all call it.

``validate_application`` checks a dict of answers against a ``CampaignForm`` and returns
either a ``Submission`` (cleaned values ready to store) or a list of ``FieldError`` whose
messages are Chinese sentences naming the field. It needs no database: the checks that
do (duplicates, other campaigns) live in ``applications.py``.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from pingan.eligibility import age_on, age_problem
from pingan.fields import AnswerError
from pingan.idnumber import IdNumberError, normalise, parse_id_number
from pingan.text import formula_problem, printable, text_problem, unencodable_paths
from pingan.zhtext import zh_date

from .forms import DOCUMENT_TYPE_NAMES, EXTRA_KEYS, VIA, CampaignForm, FormField

#: Document number formats other than the resident ID card (which has a check digit).
DOCUMENT_PATTERNS = {
    "hk_macao_permit": (re.compile(r"[HM]\d{8}(\d{2})?"), "H 或 M 开头加 8 位或 10 位数字"),
    "taiwan_permit": (re.compile(r"\d{8}(\d{2})?"), "8 位或 10 位数字"),
    "foreign_permanent_residence": (
        re.compile(r"[A-Z]{3}\d{12}|9\d{16}[\dX]"),
        "3 个字母加 12 位数字，或 9 开头的 18 位号码",
    ),
    "passport": (re.compile(r"(?=.*\d)[A-Z0-9]{5,20}"), "5–20 位字母和数字"),
}


@dataclass(frozen=True)
class FieldError:
    """One problem with one field; ``field`` is the key the client sent (or would send)."""

    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


@dataclass
class Submission:
    """A valid application, cleaned, not yet stored."""

    campaign: str
    unit: str
    name: str
    id_type: str
    id_number: str
    sex: str | None
    birth_date: datetime.date | None
    age: int | None
    mobile: str | None
    category: str | None
    answers: dict[str, Any]
    sensitive: dict[str, Any]
    declarations: list[str]
    notice_version: str
    via: str | None
    warnings: list[str] = field(default_factory=list)


class _Checker:
    """Collects cleaned values and errors while walking one application's fields."""

    def __init__(self, form: CampaignForm, raw: dict[str, Any], today: datetime.date):
        self.form = form
        self.raw = raw
        self.today = today
        self.errors: list[FieldError] = []
        self.values: dict[str, Any] = {}
        self.warnings: list[str] = []

    def error(self, name: str, message: str) -> None:
        # Messages may quote what was sent: keep them printable whatever it held.
        name, message = printable(name), printable(message)
        if not any(e.field == name for e in self.errors):
            self.errors.append(FieldError(name, message))

    def text(self, name: str, title: str, *, multiline: bool = False) -> str | None:
        """The stripped string value, or None; a wrong type or unstorable text is an error."""
        value = self.raw.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            self.error(name, f"{title}应为文本")
            return None
        if multiline:
            value = value.replace("\r\n", "\n")
        problem = text_problem(value, multiline=multiline)
        if problem:
            self.error(name, f"{title}{problem}")
            return None
        value = unicodedata.normalize("NFC", value).strip()
        return value or None


def validate_application(
    form: CampaignForm,
    raw: dict[str, Any],
    today: datetime.date,
    *,
    strict_keys: bool = False,
) -> tuple[Submission | None, list[FieldError]]:
    """Check *raw* answers against the campaign; return the submission or the errors.

    *strict_keys* (the API) refuses keys the form does not have instead of ignoring them.
    """
    unreadable = unreadable_errors(form, raw)
    if unreadable:
        return None, unreadable
    check = _Checker(form, raw, today)
    _check_campaign(check)
    if strict_keys:
        for key in sorted(set(raw) - form.accepted_keys):
            check.error(key, f"“{key[:40]}”不是本次招募报名表中的字段")
    for form_field in form.fields:
        if form_field.kind.name == "id_number" or form_field.derived_from:
            continue  # the identity: checked together below
        _check_field(check, form_field)
    _check_identity(check)
    _check_declarations(check)
    via = check.text(VIA.name, VIA.title)
    if via is not None and not re.fullmatch(VIA.pattern, via):
        check.error(VIA.name, f"{VIA.title}{VIA.kind.pattern_message}")
    if check.errors:
        return None, _in_form_order(form, check.errors)
    values = check.values
    sensitive = {
        f.name: _jsonable(values[f.name])
        for f in form.fields
        if f.sensitive and f.name not in ("id_number", "mobile") and values.get(f.name) is not None
    }
    plain = {"name", "unit", "category", "id_type", "id_number", "mobile", "sex", "birth_date"}
    answers = {
        f.name: _jsonable(values[f.name])
        for f in form.fields
        if not f.sensitive and f.name not in plain and values.get(f.name) is not None
    }
    return (
        Submission(
            campaign=form.campaign.id,
            unit=values["unit"],
            name=values["name"],
            id_type=values["id_type"],
            id_number=values["id_number"],
            sex=values.get("sex"),
            birth_date=values.get("birth_date"),
            age=values.get("age"),
            mobile=values.get("mobile"),
            category=values.get("category"),
            answers=answers,
            sensitive=sensitive,
            declarations=[d for d, _ in form.declarations],
            notice_version=form.notice_version,
            via=via,
            warnings=check.warnings,
        ),
        [],
    )


def unreadable_errors(form: CampaignForm, raw: dict[str, Any]) -> list[FieldError]:
    """An error for the first field holding text that cannot be stored (lone surrogates).

    Checked before anything else reads the answers (the idempotency hash encodes them).
    """
    for key in unencodable_paths(raw):
        title = form[key].title if key in form else key[:40]
        message = f"{title}含有无法识别的字符（可能是复制时损坏的表情或文字），请删除后重新填写"
        return [FieldError(key, message)]
    return []


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value


def _in_form_order(form: CampaignForm, errors: list[FieldError]) -> list[FieldError]:
    order = ["campaign"] + [f.name for f in form.fields] + list(EXTRA_KEYS)
    return sorted(errors, key=lambda e: order.index(e.field) if e.field in order else len(order))


def _check_campaign(check: _Checker) -> None:
    campaign = check.form.campaign
    if not campaign.accepts_public():
        check.error("campaign", "本次招募为定向招募，由所在单位统一报名，个人无需自行报名")
        return
    status = campaign.status(check.today)
    if status == "upcoming":
        check.error("campaign", f"本次招募将于 {zh_date(campaign.opens)}开始报名")
    elif status == "closed":
        check.error("campaign", f"本次招募已于 {zh_date(campaign.closes)}截止报名")


def _check_field(check: _Checker, form_field: FormField) -> None:
    """Generic checks by type and widget, then the field's own format."""
    name, title = form_field.name, form_field.title
    if form_field.type == "list":
        _check_list(check, form_field)
        return
    if form_field.type == "boolean":
        _check_boolean(check, form_field)
        return
    kind = form_field.kind
    value = check.text(name, title, multiline=kind.multiline)
    if value is None:
        if form_field.required and not any(e.field == name for e in check.errors):
            verb = "选择" if form_field.choices is not None else "填写"
            check.error(name, f"请{verb}{title}")
        return
    if form_field.choices is not None:
        _check_choice(check, form_field, value)
        return
    if _check_length(check, form_field, value):
        return
    problem = formula_problem(value) if kind.formula_checked else None
    if problem:
        check.error(name, f"{title}{problem}")
        return
    if form_field.pattern and not re.fullmatch(form_field.pattern, value):
        check.error(name, f"{title}{kind.pattern_message}")
        return
    try:
        check.values[name] = kind.clean(form_field, value)
    except AnswerError as error:
        check.error(name, f"{title}{error}")


def _check_boolean(check: _Checker, form_field: FormField) -> None:
    name, title = form_field.name, form_field.title
    value = check.raw.get(name)
    if value is not None and not isinstance(value, bool):
        check.error(name, f"{title}应为 true 或 false")
    elif form_field.required and value is not True:
        check.error(name, f"请确认{title}：{form_field.description or title}")
    else:
        check.values[name] = bool(value)


def _check_length(check: _Checker, form_field: FormField, value: str) -> bool:
    """Report a length outside the schema's limits; True if it was reported."""
    name, title = form_field.name, form_field.title
    if form_field.max_length is not None and len(value) > form_field.max_length:
        check.error(name, f"{title}最多 {form_field.max_length} 个字，您填写了 {len(value)} 个字")
        return True
    if form_field.min_length is not None and len(value) < form_field.min_length:
        check.error(name, f"{title}至少 {form_field.min_length} 个字")
        return True
    return False


def _check_choice(check: _Checker, form_field: FormField, value: str) -> None:
    name, title = form_field.name, form_field.title
    if form_field.choices_from == "categories" and value in check.form.directed_categories:
        by = check.form.directed_categories[value]
        check.error(name, f"该类别为定向招募，由{by}统一报名，个人无需自行报名")
        return
    if form_field.choices_from == "units" and not form_field.allows(value):
        tree = check.form.deployment.tree
        if value in tree:
            check.error(name, f"“{tree[value].name}”不接受本次招募的报名，请选择其他单位")
        else:
            check.error(name, f"请从列表中选择{title}")
        return
    if not form_field.allows(value):
        check.error(name, f"{title}“{value[:20]}”不在可选范围内，请从列表中选择")
        return
    check.values[name] = value


def _check_list(check: _Checker, form_field: FormField) -> None:
    name, title = form_field.name, form_field.title
    value = check.raw.get(name)
    if value is None or value == []:
        if form_field.required:
            check.error(name, f"请至少选择一项{title}")
        return
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        check.error(name, f"{title}应为文本列表")
        return
    allowed = form_field.values
    if allowed is None:
        problems = [text_problem(item) for item in value]
        problem = next((p for p in problems if p), None)
        if problem:
            check.error(name, f"{title}{problem}")
            return
    unknown = [item for item in value if allowed is not None and item not in allowed]
    if unknown:
        check.error(name, f"{title}“{unknown[0][:20]}”不在可选范围内，请从列表中选择")
        return
    order = allowed or value
    check.values[name] = [item for item in order if item in value]


def _check_identity(check: _Checker) -> None:
    """Document type and number, then birth date, sex and age (derived or entered)."""
    form = check.form
    id_type = "resident_id"
    if "id_type" in form:
        id_type = check.values.get("id_type") or (
            None if any(e.field == "id_type" for e in check.errors) else "resident_id"
        )
        if id_type is None:
            return
    check.values["id_type"] = id_type
    title = form["id_number"].title if id_type == "resident_id" else "证件号码"
    raw = check.text("id_number", title)
    if raw is None:
        if not any(e.field == "id_number" for e in check.errors):
            check.error("id_number", f"请填写{title}")
        return
    if len(raw) > 40:
        check.error("id_number", f"{title}太长，您填写了 {len(raw)} 个字符")
        return
    entered_birth = _entered_birth_date(check)
    entered_sex = _entered_choice(check, "sex")
    if id_type == "resident_id":
        identity = _resident_identity(check, raw, entered_birth, entered_sex)
        age_field = "id_number"
    else:
        identity = _other_identity(check, id_type, raw, entered_birth, entered_sex)
        age_field = "birth_date"
    if identity is None or any(e.field in ("birth_date", "sex") for e in check.errors):
        return
    number, birth, sex = identity
    problem = age_problem(form.eligibility["age"], birth, check.today)
    if problem:
        if form.eligibility["age"].get("in_principle"):
            problem += f"（联系方式：{form.contact_text}）"
        check.error(age_field, problem)
        return
    check.values.update(
        id_number=number,
        birth_date=birth,
        sex=sex,
        age=age_on(birth, check.today),
    )


Identity = tuple[str, datetime.date, str | None]  # number, birth date, sex


def _resident_identity(
    check: _Checker, raw: str, entered_birth: tuple[int, ...] | None, entered_sex: str | None
) -> Identity | None:
    """A resident ID: birth date and sex come from the number; entered ones must agree."""
    try:
        parsed = parse_id_number(raw, check.today)
    except IdNumberError as error:
        check.error("id_number", str(error))
        return None
    check.warnings.extend(parsed.warnings)
    birth, sex = parsed.birth_date, parsed.sex
    if entered_birth is not None and not _same_birth(entered_birth, birth):
        check.error("birth_date", f"出生日期与身份证号码不符（身份证号码显示为 {zh_date(birth)}）")
    if entered_sex is not None and entered_sex != sex:
        check.error("sex", f"性别与身份证号码不符（身份证号码显示为{sex}）")
    return parsed.number, birth, sex


def _other_identity(
    check: _Checker,
    id_type: str,
    raw: str,
    entered_birth: tuple[int, ...] | None,
    entered_sex: str | None,
) -> Identity | None:
    """Another document: its number's shape, and birth date and sex as entered."""
    form = check.form
    number = normalise(raw)
    pattern, shape = DOCUMENT_PATTERNS[id_type]
    if not pattern.fullmatch(number):
        check.error("id_number", f"{DOCUMENT_TYPE_NAMES[id_type]}号码应为{shape}")
        return None
    if "birth_date" not in form:
        check.error("id_number", "使用此类证件须填写出生日期，本表没有该项，请联系招募办公室")
        return None
    if entered_birth is None or len(entered_birth) != 3:
        if not any(e.field == "birth_date" for e in check.errors):
            check.error("birth_date", "使用身份证以外的证件报名，请填写出生日期（年-月-日）")
        return None
    if "sex" in form and entered_sex is None and not any(e.field == "sex" for e in check.errors):
        check.error("sex", "使用身份证以外的证件报名，请选择性别")
        return None
    return number, datetime.date(*entered_birth), entered_sex


def _same_birth(entered: tuple[int, ...], birth: datetime.date) -> bool:
    return tuple(entered) == (birth.year, birth.month, birth.day)[: len(entered)]


def _entered_birth_date(check: _Checker) -> tuple[int, ...] | None:
    """An entered ``YYYY-MM-DD`` (or ``YYYY-MM``) as a tuple, or None; errors reported."""
    if "birth_date" not in check.form:
        return None
    field = check.form["birth_date"]
    value = check.text("birth_date", field.title)
    if value is None:
        return None
    try:
        cleaned = field.kind.clean(field, value)
    except AnswerError as error:
        check.error("birth_date", f"{field.title}{error}")
        return None
    parts = tuple(int(part) for part in cleaned.split("-"))
    if datetime.date(parts[0], parts[1], parts[2] if len(parts) == 3 else 1) > check.today:
        check.error("birth_date", f"{field.title}不合理，请核对")
        return None
    return parts


def _entered_choice(check: _Checker, name: str) -> str | None:
    if name not in check.form:
        return None
    value = check.text(name, check.form[name].title)
    if value is None:
        return None
    if not check.form[name].allows(value):
        check.error(name, f"{check.form[name].title}“{value[:10]}”不在可选范围内")
        return None
    return value


def _check_declarations(check: _Checker) -> None:
    form, raw = check.form, check.raw
    given = raw.get("declarations") or []
    if not isinstance(given, list) or not all(isinstance(item, str) for item in given):
        check.error("declarations", "声明应为已确认声明编号的列表")
        given = []
    missing = [text for key, text in form.declarations if key not in given]
    if missing:
        count = len(missing)
        check.error("declarations", f"请逐项确认报名声明，尚有 {count} 项未确认：{missing[0]}")
    unknown = [item for item in given if item not in dict(form.declarations)]
    if unknown:
        check.error("declarations", f"声明“{unknown[0][:20]}”不是本次招募的声明")
    if raw.get("consent_notice") is not True:
        check.error("consent_notice", "请阅读《个人信息处理告知》并勾选同意")
    if form.sensitive_titles and raw.get("consent_sensitive") is not True:
        check.error(
            "consent_sensitive",
            f"请单独勾选同意处理敏感个人信息（{'、'.join(form.sensitive_titles)}）",
        )
    version = raw.get("notice_version")
    if version != form.notice_version:
        check.error("notice_version", "个人信息处理告知已更新，请重新阅读后再提交")
