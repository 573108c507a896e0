"""Text as the portal takes it in and as it shows or writes it, whatever it holds.

At input, ``text_problem`` is the one rule for every typed answer (form, API, roster
import): a value that reaches storage must be printable on every office page and
writable to every export for as long as it is kept. So text is refused when it holds
characters that cannot be encoded (lone surrogates), that no one can see (control and
most format characters), that turn text around on screen (bidirectional controls, as in
"Trojan Source" tricks), or that are not characters at all (noncharacters). Private-use
characters stay allowed: input methods put rare Chinese characters of names there.

At output, ``printable`` shows what older rows may still hold.

Input rules keep new answers clean, but a page or an export must still work for a value
stored before a rule existed: one application must never take a page or an export down
for everybody. The only Python text that cannot be written as UTF-8 is a lone surrogate
(U+D800–U+DFFF: half of a UTF-16 pair, e.g. from a JSON ``"\\ud800"`` escape, which
PostgreSQL ``json`` columns keep as typed); ``printable`` shows each as U+FFFD.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

#: What a character that cannot be shown is shown as.
REPLACEMENT = "\ufffd"

_SURROGATE = re.compile("[\ud800-\udfff]")


def printable(text: str) -> str:
    """*text* with every lone surrogate replaced by U+FFFD; the same object when clean."""
    if text.isascii() or not _SURROGATE.search(text):
        return text
    return _SURROGATE.sub(REPLACEMENT, text)


def encodable(text: str) -> bool:
    """Whether *text* can be written as UTF-8 (holds no lone surrogate)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


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
            if not encodable(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
