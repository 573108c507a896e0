"""Field kinds: what each kind of answer is, in one class each.

``application.schema.yaml`` names every field's ``kind``; nothing else decides what a
field does from its name. A kind owns its answer's rules everywhere the answer goes:
checking and normalising a typed answer (the Chinese message names the field), reading
it from a roster cell, writing it as text to a CSV or XLSX cell and to an office page,
its OpenAPI and export Table Schema forms, whether it is always sensitive and how it is
masked. The form service's validator, the roster import, the exports and the OpenAPI
document all ask the kind (GOV.UK Forms' one class per answer type is the model).

Cross-field identity rules (a resident ID's birth date and sex against the entered ones,
the age window) stay with the validator: a kind sees one answer.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Protocol

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from .idnumber import mask_id_number


class AnswerError(ValueError):
    """An answer a kind refuses; the message follows the field's title (姓名 + message)."""


class FieldLike(Protocol):
    name: str
    title: str
    widget: str


class Kind:
    """One kind of answer. Subclasses set the class attributes and override what differs."""

    name: ClassVar[str]
    #: Chinese name of the kind, for documentation and completeness tests.
    label: ClassVar[str]
    #: Table Schema type of the stored value.
    type: ClassVar[str] = "string"
    #: Line breaks allowed (a text area).
    multiline: ClassVar[bool] = False
    #: Refuse a leading = + - @: a spreadsheet would read the answer as a formula.
    formula_checked: ClassVar[bool] = True
    #: Digits that Excel turns into a number (and rounds beyond 15 digits) in a cell.
    digits: ClassVar[bool] = False
    #: Personal information that is encrypted at rest whatever the field says.
    always_sensitive: ClassVar[bool] = False
    #: Answered by picking from the field's choices.
    chosen: ClassVar[bool] = False
    #: The JSON Schema ``format`` of the OpenAPI document, where JSON Schema cannot say it.
    openapi_format: ClassVar[str | None] = None
    #: What follows the title when an answer does not match the field's pattern.
    pattern_message: ClassVar[str] = "格式不正确"
    #: The HTML input's keyboard on phones (``inputmode``), spell checking, and width.
    input_mode: ClassVar[str | None] = None
    spellcheck: ClassVar[bool] = True
    input_width: ClassVar[str | None] = None
    #: Whether a length limit is shown (in the input and the roster's guide).
    length_hint: ClassVar[bool] = True
    #: How the paper form asks for it: ``line``, ``box`` (several lines), ``cells`` (one
    #: box per character, ``paper_cells`` of them), ``date``, ``choice`` or ``choices``.
    paper: ClassVar[str] = "line"
    paper_cells: ClassVar[int] = 0
    #: An address the portal's e-mails to the applicant go to (``letter_field``).
    letter_address: ClassVar[bool] = False
    #: Kept on the volunteer's record as a skill when the applicant is registered
    #: (``skill_field``).
    record_skill: ClassVar[bool] = False

    def cell_hint(self, spec: Mapping[str, Any]) -> str | None:
        """What a roster cell of this kind holds, for the template's guide sheet."""
        return "从可选值中选一项" if spec.get("choices") else None

    def clean(self, field: FieldLike, value: str) -> Any:
        """The stored form of a stripped, non-empty typed answer; raises ``AnswerError``."""
        return value

    def to_text(self, value: Any, labels: Mapping[str, str], spec: Mapping[str, Any]) -> str:
        """The stored value as a person reads it: a CSV or XLSX cell, an office page."""
        if value is None:
            return ""
        return labels.get(value, str(value)) if isinstance(value, str) else str(value)

    def from_cell(self, raw: Any, spec: Mapping[str, Any]) -> tuple[Any, str | None]:
        """A roster cell as the form would send it, and a warning about the cell or None."""
        if raw is None:
            return None, None
        warning = None
        if isinstance(raw, bool):
            return ("是" if raw else "否"), None
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        if isinstance(raw, (int, float)) and self.digits and len(str(raw)) > 15:
            warning = EXCEL_NUMBER
        if isinstance(raw, datetime.datetime):
            midnight = raw.time() == datetime.time()
            return (raw.date().isoformat() if midnight else raw.isoformat()), None
        if isinstance(raw, datetime.date):
            return raw.isoformat(), None
        value = str(raw).strip()
        return (value or None), warning

    def table_schema(self, spec: dict[str, Any]) -> dict[str, Any]:
        """The export package's field for *spec* (a copy is changed and returned)."""
        return spec

    def mask(self, text: str) -> str:
        """*text* as shown where the full value is not needed."""
        return text


EXCEL_NUMBER = "Excel 把这个号码存成了数字，末几位可能已丢失；请把这一列设为文本格式后重新填写"


class Text(Kind):
    name = "text"
    label = "单行文字"


class LongText(Kind):
    name = "long_text"
    label = "多行文字"
    paper = "box"
    multiline = True


class Skills(LongText):
    """What the applicant is good at, in their words: the volunteer's record keeps it."""

    name = "skills"
    label = "个人特长"
    record_skill = True


class PersonName(Kind):
    name = "person_name"
    label = "姓名"
    openapi_format = "person-name"
    #: Characters a name may hold besides letters and marks: spaces and the interpunct (·).
    MARKS = frozenset(" ·•.-'")

    def clean(self, field: FieldLike, value: str) -> str:
        if not all(unicodedata.category(ch)[0] in "LM" or ch in self.MARKS for ch in value):
            raise AnswerError("只能包含文字、字母、空格和间隔号“·”")
        if not unicodedata.category(value[0]).startswith("L"):
            raise AnswerError("应以文字或字母开头")
        return value


class Choice(Kind):
    name = "choice"
    label = "单选"
    paper = "choice"
    chosen = True
    formula_checked = False


class Choices(Kind):
    name = "choices"
    label = "多选"
    paper = "choices"
    type = "list"
    chosen = True
    formula_checked = False

    def cell_hint(self, spec: Mapping[str, Any]) -> str | None:
        return f"可多选，多项之间用“{spec.get('delimiter', '、')}”分隔"

    #: What separates items typed into one roster cell.
    SEPARATORS = re.compile(r"[、,，;；/／\s]+")

    def to_text(self, value: Any, labels: Mapping[str, str], spec: Mapping[str, Any]) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        delimiter = spec.get("delimiter", ",")
        return delimiter.join(labels.get(item, item) for item in map(str, value))

    def from_cell(self, raw: Any, spec: Mapping[str, Any]) -> tuple[Any, str | None]:
        value, warning = Kind.from_cell(self, raw, spec)
        if value is None:
            return None, warning
        return [part for part in self.SEPARATORS.split(value) if part], warning


class YesNo(Kind):
    name = "yes_no"
    label = "是否"
    paper = "choice"
    type = "boolean"
    formula_checked = False

    def cell_hint(self, spec: Mapping[str, Any]) -> str | None:
        return f"填“{self.to_text(True, {}, spec)}”或“{self.to_text(False, {}, spec)}”"

    def to_text(self, value: Any, labels: Mapping[str, str], spec: Mapping[str, Any]) -> str:
        if value is None or value == "":
            return ""
        if not isinstance(value, bool):
            return str(value)
        words = spec.get("trueValues" if value else "falseValues") or ["是" if value else "否"]
        return words[0]

    #: What people type in a roster cell for yes and no, besides the field's own words.
    YES = ("是", "有", "对", "√", "✓", "true", "yes", "1")
    NO = ("否", "无", "不", "×", "false", "no", "0")

    def table_schema(self, spec: dict[str, Any]) -> dict[str, Any]:
        # The words to_text writes, so that the package reads them back as booleans.
        spec.setdefault("trueValues", ["是"])
        spec.setdefault("falseValues", ["否"])
        return spec

    def from_cell(self, raw: Any, spec: Mapping[str, Any]) -> tuple[Any, str | None]:
        if isinstance(raw, bool):
            return raw, None
        value, warning = Kind.from_cell(self, raw, spec)
        if value is None:
            return None, warning
        word = value.lower()
        if word in self.YES or value in spec.get("trueValues", ()):
            return True, warning
        if word in self.NO or value in spec.get("falseValues", ()):
            return False, warning
        return value, warning  # the validator names the field: 应为 true 或 false


class Date(Kind):
    name = "date"
    label = "日期"
    paper = "date"
    type = "date"
    formula_checked = False
    openapi_format = "birth-date"
    input_width = "short"

    def cell_hint(self, spec: Mapping[str, Any]) -> str | None:
        return "日期，如 1990-01-01"

    def clean(self, field: FieldLike, value: str) -> str:
        value = unicodedata.normalize("NFKC", value)
        match = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?", value)
        if not match:
            raise AnswerError("格式应为 年-月-日，例如 1990-05-01")
        year, month, day = (int(part) if part else None for part in match.groups())
        try:
            datetime.date(year, month, day or 1)
        except ValueError:
            raise AnswerError("不是有效日期") from None
        if year < 1900:
            raise AnswerError("不合理，请核对")
        return f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day else "")

    def to_text(self, value: Any, labels: Mapping[str, str], spec: Mapping[str, Any]) -> str:
        if value is None:
            return ""
        return value if isinstance(value, str) else value.isoformat()


class IdNumber(Kind):
    """A document number; which document decides its rule (see the validator's identity)."""

    name = "id_number"
    label = "证件号码"
    paper = "cells"
    paper_cells = 18
    digits = True
    always_sensitive = True
    formula_checked = False
    openapi_format = "cn-document-number"
    input_mode = "text"
    spellcheck = False
    input_width = "medium"
    length_hint = False

    def cell_hint(self, spec: Mapping[str, Any]) -> str | None:
        return "18 位居民身份证号码，末位可以是 X；请保持本列为文本格式"

    def from_cell(self, raw: Any, spec: Mapping[str, Any]) -> tuple[Any, str | None]:
        value, warning = Kind.from_cell(self, raw, spec)
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            warning = EXCEL_NUMBER  # any numeric ID cell: its X or last digits may be gone
        return value, warning

    def mask(self, text: str) -> str:
        if re.fullmatch(r"[0-9]{17}[0-9X]", text):
            return mask_id_number(text)
        return text[:2] + "*" * max(0, len(text) - 4) + text[-2:]


#: What a typed telephone number may hold: phonenumbers reads letters as keypad digits.
_PHONE_CHARACTERS = re.compile(r"\+?[0-9 ()\-]+")


def _phone(
    value: str, characters: str, invalid: str, *, checked: bool = True
) -> phonenumbers.PhoneNumber:
    """A valid telephone number from typed text; *characters* and *invalid* say what's wrong.

    Letters are refused before phonenumbers reads them as keypad digits (13912345abc).
    ``checked=False`` leaves the validity to the caller (``Mobile`` asks for the number's
    type, which is UNKNOWN for every number ``is_valid_number`` refuses).
    """
    value = unicodedata.normalize("NFKC", value)
    if not _PHONE_CHARACTERS.fullmatch(value):
        raise AnswerError(characters)
    try:
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        raise AnswerError(invalid) from None
    if checked and not phonenumbers.is_valid_number(number):
        raise AnswerError(invalid)
    return number


class Mobile(Kind):
    name = "mobile"
    label = "手机号码"
    paper = "cells"
    paper_cells = 11
    digits = True
    always_sensitive = True
    formula_checked = False  # "+86 …" is a number, not a formula
    openapi_format = "cn-mobile"
    input_mode = "tel"
    spellcheck = False
    input_width = "medium"

    INVALID = "不是有效的手机号码，请填写 11 位手机号码"
    TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)

    def clean(self, field: FieldLike, value: str) -> str:
        number = _phone(value, "只能填写数字，请填写 11 位手机号码", self.INVALID, checked=False)
        if phonenumbers.number_type(number) not in self.TYPES:  # also refuses invalid numbers
            raise AnswerError(self.INVALID)
        if number.country_code == 86:
            return str(number.national_number)
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def mask(self, text: str) -> str:
        return text[:3] + "*" * max(0, len(text) - 7) + text[-4:] if len(text) > 7 else text


class Landline(Kind):
    name = "landline"
    label = "固定电话"
    digits = True
    formula_checked = False
    openapi_format = "cn-landline"

    def clean(self, field: FieldLike, value: str) -> str:
        number = _phone(
            value, "只能填写数字、空格、括号和连字符", "不是有效的电话号码，请带区号填写"
        )
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


class Email(Kind):
    """An e-mail address by email-validator's syntax rules (no DNS look-up: no network)."""

    name = "email"
    label = "电子邮箱"
    openapi_format = "email"
    spellcheck = False
    letter_address = True

    def cell_hint(self, spec: Mapping[str, Any]) -> str | None:
        return "电子邮箱地址"

    RULE = "电子邮箱地址，按 RFC 5322/6531 的语法检查（email-validator，不查询域名）"

    def clean(self, field: FieldLike, value: str) -> str:
        try:
            result = validate_email(value, check_deliverability=False)
        except EmailNotValidError:
            raise AnswerError("格式不正确，例如 name@example.com") from None
        return result.normalized

    def table_schema(self, spec: dict[str, Any]) -> dict[str, Any]:
        # frictionless checks format "email" with another library that disagrees on some
        # addresses; the package states the rule instead of declaring that format.
        spec.pop("format", None)
        spec["description"] = "；".join(filter(None, [spec.get("description"), self.RULE]))
        return spec


class QqNumber(Kind):
    name = "qq"
    label = "QQ 号码"
    digits = True
    formula_checked = False
    pattern_message = "应为 5–12 位数字，不以 0 开头"
    input_mode = "numeric"
    spellcheck = False
    input_width = "medium"


class GridWorkerCode(Kind):
    name = "grid_worker_code"
    label = "网格员编号"
    formula_checked = False
    pattern_message = "应为 2–20 位字母、数字或连字符"
    spellcheck = False
    input_width = "medium"


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Text(),
        LongText(),
        Skills(),
        PersonName(),
        Choice(),
        Choices(),
        YesNo(),
        Date(),
        IdNumber(),
        Mobile(),
        Landline(),
        Email(),
        QqNumber(),
        GridWorkerCode(),
    )
}


class KindedField(Protocol):
    name: str
    kind: Kind


def letter_field(fields: Iterable[KindedField]) -> str | None:
    """The field whose answer the portal's e-mails to an applicant go to (the confirmation,
    the decision): the form's first of a kind with ``letter_address``, whatever it is named."""
    return next((field.name for field in fields if field.kind.letter_address), None)


def skill_field(fields: Iterable[KindedField]) -> str | None:
    """The field whose answer a newly registered volunteer's record keeps as a skill: the
    form's first of a kind with ``record_skill``, whatever it is named."""
    return next((field.name for field in fields if field.kind.record_skill), None)


def kind_of(spec: Mapping[str, Any]) -> Kind:
    """The kind a catalogue field names (``kind:`` in application.schema.yaml)."""
    return KINDS[spec["kind"]]
