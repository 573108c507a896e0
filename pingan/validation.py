"""Check a YAML document against its JSON Schema; report each error with line and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jsonschema import ValidationError

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


def _message(error: ValidationError) -> tuple[list[str | int], str]:
    """Path and a Chinese sentence a publicity officer understands."""
    path = list(error.absolute_path)
    value = error.instance
    validator = error.validator
    if validator == "required":
        missing = next(key for key in error.validator_value if key not in error.instance)
        return path + [missing], "缺少必填项"
    if validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return path + [extra[0]], "不认识的键（拼写错误？允许的键见 pingan/schemas/）"
    if validator == "type":
        wanted = error.validator_value
        names = "或".join(
            _TYPE_NAMES.get(t, t) for t in ([wanted] if isinstance(wanted, str) else wanted)
        )
        return path, f"应为{names}，实为“{value}”"
    if validator == "enum":
        options = "、".join(str(option) for option in error.validator_value)
        return path, f"“{value}”不是允许的取值（可选：{options}）"
    if validator == "pattern":
        hint = error.schema.get("description", "")
        return path, f"“{value}”格式不对" + (f"：{hint}" if hint else "")
    if validator == "format":
        if error.validator_value == "date":
            return path, f"“{value}”不是有效日期（格式 YYYY-MM-DD）"
        return path, f"“{value}”不是有效的 {error.validator_value}"
    if validator in ("minimum", "exclusiveMinimum"):
        relation = "大于" if validator == "exclusiveMinimum" else "不小于"
        return path, f"{value} 太小（应{relation} {error.validator_value}）"
    if validator in ("maximum", "exclusiveMaximum"):
        return path, f"{value} 太大（应不大于 {error.validator_value}）"
    if validator == "minItems":
        return path, f"至少要有 {error.validator_value} 项"
    if validator == "minLength":
        return path, "不能为空"
    if validator == "oneOf":
        options = [
            sub.get("required", [None])[0] for sub in error.validator_value if "required" in sub
        ]
        if options and all(options):
            return path, f"须给出 {'、'.join(options)} 中的一项，且只能一项"
        return path, "写法不对：应为字段名，或带 field 键的映射"
    return path, error.message


def validate_document(kind: str, document: Any, file: Path | str) -> Problems:
    """Every schema error of *document*, each with its line."""
    problems = Problems()
    errors = sorted(
        document_validator(kind).iter_errors(document),
        key=lambda e: list(map(str, e.absolute_path)),
    )
    for error in errors:
        path, message = _message(error)
        problems.add(file, line_of(document, path), field_path(path), message)
    return problems
