"""YAML syntax errors in Chinese: ``file:line: 中文说明`` with a hint, through ``pingan check``.

Each row is a tiny broken honours.yaml in the valid folder of conftest.py, the line the
report names and the explanation it gives.
"""

from __future__ import annotations

import pytest
import yaml

from pingan.cli import main
from pingan.yamlfile import YamlError, _explain, load_yaml

TAB = "这一行用 Tab 缩进了；YAML 只能用空格缩进，请把 Tab 换成空格"
DASH = "列表的这一项前面缺少“- ”（列表中每一项都以“- ”开头，并与上一项的“- ”对齐）"
QUOTE = "这一行的引号没有闭合（缺少右边的引号；值里要用引号时，请用另一种引号括起整个值）"
KEY = "缩进不对齐：同一层的键要和上一个键左对齐（也可能是引号后面多了文字）"
COLON = "这里不能出现“: ”（含冒号的文字请用引号括起来；也可能是这一行比上一行多缩进了）"

VOLUNTEER = "volunteers:\n  - id: zhang\n    name: 张示例\n"

CASES = [
    ("tab", "volunteers:\n\t- id: zhang\n", 2, TAB),
    ("tab-inside", VOLUNTEER + "\tunit: dong\n", 4, TAB),
    ("missing-dash", VOLUNTEER + "  id: li\n    name: 李示例\n", 4, DASH),
    ("unclosed-double-quote", 'volunteers:\n  - id: "zhang\n    name: 张示例\n', 2, QUOTE),
    ("unclosed-single-quote", "volunteers:\n  - id: zhang\n    name: '张示例\n", 3, QUOTE),
    ("indentation", VOLUNTEER + "   unit: dong\n", 4, KEY),
    ("colon-in-value", VOLUNTEER + "    honour: 荣誉: 先进个人\n", 4, COLON),
    (
        "full-width-colon",
        VOLUNTEER + "    unit：dong\n    year: 2025\n",
        4,
        "这一行用了中文冒号“：”；键和值之间要用英文冒号和一个空格“: ”",
    ),
    ("no-colon", VOLUNTEER + "    unit dong\n    year: 2025\n", 4, None),
    (
        "duplicate-key",
        VOLUNTEER + "    name: 李示例\n",
        4,
        "键“name”重复出现（同一层的键只能写一次，请删去或合并其中一个）",
    ),
    (
        "value-starting-with-at",
        VOLUNTEER + "    unit: @dong\n",
        4,
        "值不能以“@”开头（请用引号把整个值括起来）",
    ),
    (
        "unclosed-bracket",
        "stories:\n  - {id: s1, units: [dong\n",
        2,
        "方括号没有闭合（缺少“]”或“,”）",
    ),
    (
        "tag",
        VOLUNTEER + "    unit: !dong\n",
        4,
        "不认识以“!”开头的写法（以“!”开头的值请用引号括起来）",
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "message"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_check_explains_a_syntax_error_in_chinese(data_dir, capsys, text, line, message):
    root = data_dir(honours=text)
    assert main(["check", str(root)]) == 1
    first, *_ = capsys.readouterr().err.splitlines()
    prefix = f"data/honours.yaml:{line}: (文件): YAML 格式错误："
    assert first.startswith(prefix)
    if message:
        assert first == prefix + message
    assert not any(char.isascii() and char.isalpha() for char in _words(first[len(prefix) :]))


def _words(message: str) -> str:
    """The message without what it quotes (“- ”, “: ”) and YAML's own name."""
    for quoted in ("YAML", "Tab", "“name”"):
        message = message.replace(quoted, "")
    return message


def test_an_unknown_complaint_still_names_line_and_column(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    error = yaml.MarkedYAMLError(
        problem="something new", problem_mark=yaml.Mark("x", 12, 2, 6, None, None)
    )
    assert _explain(error, "a: 1\nb: 2\nc: d e\n") == (
        3,
        "第 7 列附近不符合 YAML 格式（请检查缩进、冒号“: ”、“- ”和引号）",
    )


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a:\n  b: 1\n\tc: 2\n", 3, TAB),
        ("a:\n  - x\n  y: 1\n", 3, DASH),
        ("a:\n  b: 1\n c: 2\n", 3, KEY),
        ("a: b: c\n", 1, COLON),
    ],
)
def test_pure_python_parser_complaints_are_explained_too(text, line, message):
    """Without libyaml PyYAML words its complaints differently; they read the same."""
    with pytest.raises(yaml.MarkedYAMLError) as caught:
        yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506 - the safe loader
    assert _explain(caught.value, text) == (line, message)


def test_yaml_error_keeps_the_file_line_format(tmp_path):
    path = tmp_path / "units.yaml"
    path.write_text("units:\n\t- {id: qu}\n", encoding="utf-8")
    with pytest.raises(YamlError) as caught:
        load_yaml(path)
    assert str(caught.value) == f"{path}:2: YAML 格式错误：{TAB}"
