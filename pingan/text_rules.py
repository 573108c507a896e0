"""What any typed answer may hold: one rule for the form, the API and roster imports.

A value that reaches storage must be printable on every office page and writable to every
export for as long as it is kept. So text is refused at input when it holds characters
that cannot be encoded (lone surrogates), that no one can see (control and most format
characters), that turn text around on screen (bidirectional controls, as in "Trojan
Source" tricks), or that are not characters at all (Unicode noncharacters). Private-use
characters stay allowed: input methods put rare Chinese characters of names there.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

#: A leading character that a spreadsheet would read as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: Format characters (category Cf) that change the direction of the text around them.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)

#: Format characters that real text needs: the joiner inside emoji and Indic scripts.
ALLOWED_FORMAT = frozenset("\u200d")


def _is_noncharacter(ch: str) -> bool:
    code = ord(ch)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why *value* may not be stored, as the end of a Chinese sentence; None when it may.

    *multiline* allows line breaks (a text area); the caller names the field before it,
    e.g. ``f"{title}{problem}"``.
    """
    for ch in value:
        if ch.isprintable() and ch not in BIDI_CONTROLS:
            continue  # the common case: letters, digits, punctuation, spaces
        if ch == "\n" and multiline:
            continue
        category = unicodedata.category(ch)
        if category == "Cs":
            return "含有无法识别的字符（可能是复制时损坏的表情或文字），请删除后重新填写"
        if ch in BIDI_CONTROLS:
            return "含有改变文字方向的隐藏控制字符，请删除后重新填写"
        if category in ("Cc", "Zl", "Zp"):
            if ch in "\n\r\u2028\u2029":
                return "不能换行，请写在一行内"
            return "含有不可见的控制字符，请删除后重新填写"
        if category == "Cf" and ch not in ALLOWED_FORMAT:
            return "含有不可见的格式字符，请删除后重新填写"
        if _is_noncharacter(ch):
            return "含有无效字符，请删除后重新填写"
    return None


def formula_problem(value: str) -> str | None:
    """Why *value* would be read as a spreadsheet formula, or None."""
    if value.startswith(FORMULA_STARTS):
        return "不能以 =、+、-、@ 开头"
    return None


def unencodable_paths(value: Any, *, limit: int = 1) -> Iterator[str]:
    """Top-level keys of a decoded JSON object whose key or content cannot be encoded.

    Walks iteratively (a hostile body may be deeply nested) and yields at most *limit*
    keys, each made printable, so an error message can name them.
    """
    if not isinstance(value, dict):
        return
    found = 0
    for key, item in value.items():
        if _has_unencodable(key) or _has_unencodable(item):
            yield printable(str(key))
            found += 1
            if found >= limit:
                return


def _has_unencodable(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not _encodable(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable(text: str) -> str:
    """*text* with anything UTF-8 cannot encode (lone surrogates) replaced by U+FFFD."""
    if _encodable(text):
        return text
    return "".join("\ufffd" if unicodedata.category(ch) == "Cs" else ch for ch in text)
