"""Stored text as it can be shown or written, whatever it holds.

Input rules keep new answers clean, but a page or an export must still work for a value
stored before a rule existed: one application must never take a page or an export down
for everybody. The only Python text that cannot be written as UTF-8 is a lone surrogate
(U+D800–U+DFFF: half of a UTF-16 pair, e.g. from a JSON ``"\\ud800"`` escape, which
PostgreSQL ``json`` columns keep as typed); ``printable`` shows each as U+FFFD.
"""

from __future__ import annotations

import re

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
