"""Check a YAML document against its JSON Schema; report each error with line and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match

from .problems import Problems, field_path
from .schemas import document_validator
from .yamlfile import line_of

_TYPE_NAMES = {
    "string": "文本",
    "integer": "整数",
    "number": "数字",
    "boolean": "true 或 false",
    "array": "列表",
    "object": "键值映射",
}


#: What each pattern of the schemas asks for, in words (the schemas' descriptions are
#: written for developers, in English).
_PATTERN_HINTS = {
    "^[a-z0-9][a-z0-9-]*$": "只能用小写英文字母、数字和连字符“-”，并以字母或数字开头",
    "^\\d{4}-\\d{2}-\\d{2}$": "日期格式为 YYYY-MM-DD",
    "^\\d{4}-\\d{2}(-\\d{2})?$": "格式为 YYYY-MM 或 YYYY-MM-DD",
    "^\\d{4}(-\\d{2}(-\\d{2})?)?$": "格式为 YYYY、YYYY-MM 或 YYYY-MM-DD",
    "^#[0-9a-fA-F]{6}$": "颜色格式为 #RRGGBB",
    "^https?://": "应以 http:// 或 https:// 开头",
    "^[0-9+() -]{5,20}$": "电话号码只能含数字、空格和 +()-，5–20 个字符",
    "^\\d+(–\\d+)?$": "写一个数，或用“–”连接的范围，如 1–2",
}

_FORMAT_NAMES = {"date": "日期（格式 YYYY-MM-DD）", "email": "电子邮箱地址"}


def _shown(value: Any) -> str:
    """A value as the message quotes it: short, so a whole list never floods the report."""
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _messages(error: ValidationError) -> list[tuple[list[str | int], str]]:
    """Path and a Chinese sentence a publicity officer understands, per problem."""
    path = list(error.absolute_path)
    value = error.instance
    validator = error.validator
    if validator == "required":
        missing = [key for key in error.validator_value if key not in value]
        return [(path + [key], "缺少必填项") for key in missing]
    if validator == "additionalProperties":
        extra = [key for key in value if key not in error.schema.get("properties", {})]
        hint = "不认识的键（拼写错误？允许的键见 pingan/schemas/）"
        return [(path + [key], hint) for key in extra]
    if validator == "oneOf":
        return _one_of(error, path)
    return [(path, _message(error))]


def _one_of(error: ValidationError, path: list[str | int]) -> list[tuple[list[str | int], str]]:
    """``oneOf`` either picks one of several keys (a quota table) or one of several shapes."""
    keys = [sub.get("required", [None])[0] for sub in error.validator_value]
    if all(keys) and all(set(sub) == {"required"} for sub in error.validator_value):
        return [(path, f"须给出 {'、'.join(keys)} 中的一项，且只能一项")]
    # Skip the shapes the value does not even have (a string where a mapping was given):
    # the typo inside the mapping is the news.
    shaped = [e for e in error.context if not (e.validator == "type" and not e.path)]
    if shaped or error.context:
        return _messages(best_match(shaped or error.context))
    return [(path, "写法不对：应为字段名，或带 field 键的映射")]


def _message(error: ValidationError) -> str:
    value = error.instance
    validator = error.validator
    if validator == "type":
        wanted = error.validator_value
        names = "或".join(
            _TYPE_NAMES.get(t, t) for t in ([wanted] if isinstance(wanted, str) else wanted)
        )
        if value is None:
            return f"没有填写（应为{names}）"
        return f"应为{names}，实为“{_shown(value)}”"
    if validator == "enum":
        options = "、".join(str(option) for option in error.validator_value)
        return f"“{_shown(value)}”不是允许的取值（可选：{options}）"
    if validator == "pattern":
        hint = _PATTERN_HINTS.get(error.validator_value, f"应符合 {error.validator_value}")
        return f"“{_shown(value)}”格式不对：{hint}"
    if validator == "format":
        name = _FORMAT_NAMES.get(error.validator_value, error.validator_value)
        return f"“{_shown(value)}”不是有效的{name}"
    if validator in ("minimum", "exclusiveMinimum"):
        relation = "大于" if validator == "exclusiveMinimum" else "不小于"
        return f"{value} 太小（应{relation} {error.validator_value}）"
    if validator in ("maximum", "exclusiveMaximum"):
        relation = "小于" if validator == "exclusiveMaximum" else "不大于"
        return f"{value} 太大（应{relation} {error.validator_value}）"
    if validator == "minItems":
        return f"至少要有 {error.validator_value} 项"
    if validator == "minLength":
        return "不能为空"
    return error.message


def validate_document(kind: str, document: Any, file: Path | str) -> Problems:
    """Every schema error of *document*, each with its line."""
    errors = list(document_validator(kind).iter_errors(document))
    # A date like 2026-9-1 breaks both the pattern and the format: say it once.
    patterned = {tuple(e.absolute_path) for e in errors if e.validator == "pattern"}
    found = []
    for error in errors:
        if error.validator == "format" and tuple(error.absolute_path) in patterned:
            continue
        for path, message in _messages(error):
            found.append((line_of(document, path), field_path(path), message))
    problems = Problems()
    # jsonschema says "required" once per missing key, with the same instance each time.
    for line, where, message in sorted(set(found)):
        problems.add(file, line, where, message)
    return problems
