"""printable: any stored text as it can be shown, a lone surrogate as U+FFFD."""

from __future__ import annotations

import pytest

from pingan.text import encodable, printable


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("x\ud800y", "x\ufffdy"),
        ("\udfff湖塘\ud83d", "\ufffd湖塘\ufffd"),
        ("张三 😀", "张三 😀"),  # a character beyond the BMP is one code point, not a pair
        ("plain", "plain"),
        ("", ""),
    ],
)
def test_a_lone_surrogate_is_shown_as_a_replacement_character(text: str, shown: str):
    assert printable(text) == shown
    assert encodable(printable(text))


def test_clean_text_is_returned_as_it_is():
    text = "武进区湖塘镇"
    assert printable(text) is text
    assert encodable(text) and not encodable("x\ud800")
