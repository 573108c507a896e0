"""printable: any stored text as it can be shown, a lone surrogate as U+FFFD."""

from __future__ import annotations

import pytest

from pingan.text import encodable, printable, text_problem


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


@pytest.mark.parametrize(
    ("value", "refused"),
    [
        ("张三", False),
        ("阿卜杜拉·买买提", False),
        ("Zoë", False),
        ("e\u0301", False),  # combining accent
        ("\ue000", False),  # private use: rare characters of names
        ("👩\u200d🚒", False),  # zero-width joiner inside an emoji
        ("ＡＢＣ１２３", False),  # full-width forms
        ("a\ud800", True),
        ("a\x00", True),
        ("a\u2028b", True),
        ("a\u2066b", True),
        ("a\ufeffb", True),
        ("a\U0010ffff", True),
    ],
)
def test_text_rule(value, refused):
    assert (text_problem(value) is not None) is refused


def test_printable_replaces_only_lone_surrogates_and_keeps_pairs():
    assert printable("a\ud800b👩") == "a\ufffdb👩"
    assert printable("正常") == "正常"
