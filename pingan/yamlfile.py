"""YAML loading that remembers where each value came from, so errors can name a line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class LineDict(dict):
    """A mapping that knows its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]


class LineList(list):
    """A sequence that knows its own line and the line of each item (1-based)."""

    line: int = 0
    item_lines: list[int]


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """SafeLoader (libyaml when present: 5–10× faster) whose nodes carry line numbers."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise yaml.constructor.ConstructorError(
                None, None, "键只能是文字，不能是列表或映射", key_node.start_mark
            )
        # The key as written: `no:` stays "no" and `2017:` stays "2017" instead of
        # becoming False and 2017, which no schema key could match.
        key = key_node.value
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"键“{key}”重复出现", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _construct_timestamp_as_text(loader: _LineLoader, node: yaml.ScalarNode) -> str:
    """Keep dates as ISO strings: JSON Schema validates them and output stays stable."""
    return loader.construct_scalar(node)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp_as_text)


class YamlError(Exception):
    """A file that is not well-formed YAML; carries the line for the report."""

    def __init__(self, path: Path, line: int, message: str):
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


#: The commonest complaints of libyaml (and of PyYAML, when libyaml is missing), said so
#: that someone editing by hand knows what to do.
_EXPLAINED = {
    # libyaml does not name the character; a Tab used for indenting is the usual culprit.
    "found character that cannot start any token": (
        "这里的字符不能开始一个值（常见原因：用了 Tab 缩进，请改用空格）"
    ),
    "found character '\\t' that cannot start any token": "不能用 Tab 缩进，请改用空格",
    "did not find expected ',' or ']'": "方括号没有闭合（缺少“]”或“,”）",
    "did not find expected ',' or '}'": "花括号没有闭合（缺少“}”或“,”）",
    "mapping values are not allowed in this context": (
        "这里不能出现“: ”（含冒号的文字请用引号括起来，或检查缩进）"
    ),
    "mapping values are not allowed here": (
        "这里不能出现“: ”（含冒号的文字请用引号括起来，或检查缩进）"
    ),
    "did not find expected key": "缩进不对齐（同一层的键要对齐）",
    "found unexpected end of stream": "文件在引号或括号闭合之前就结束了",
    "but found another document": "一个文件只能有一个文档（删去多余的“---”）",
    "found undefined alias": "引用了未定义的锚点（*名称 之前须有 &名称）",
}


def _line_of_text(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def load_yaml(path: Path) -> Any:
    """Parse one YAML file into LineDict/LineList values; raise YamlError on bad syntax."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise YamlError(path, 1, f"无法读取文件（{exc.strerror}）") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = _line_of_text(data.decode("latin-1"), exc.start)
        raise YamlError(path, line, "文件不是 UTF-8 编码（请用 UTF-8 另存）") from None
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark and mark and not text[mark.index :].strip():
            mark = exc.context_mark  # ran off the end: the opening bracket or quote is the news
        line = mark.line + 1 if mark else 1
        problem = exc.problem or exc.context or ""
        explained = _EXPLAINED.get(problem, problem)
        raise YamlError(path, line, f"YAML 格式错误：{explained}") from None
    except yaml.reader.ReaderError as exc:
        # libyaml counts the position in bytes, PyYAML in characters: find the character.
        line = _line_of_text(text, text.find(chr(exc.character)))
        raise YamlError(
            path, line, f"文件含有不可打印的控制字符 U+{exc.character:04X}，请删除"
        ) from None


def line_of(document: Any, path: list[str | int]) -> int:
    """The line of the deepest node along *path* that knows its line."""
    line = getattr(document, "line", 1) or 1
    node = document
    for step in path:
        if isinstance(node, LineDict) and step in node:
            line = node.key_lines.get(step, line)
            node = node[step]
        elif isinstance(node, LineList) and isinstance(step, int) and step < len(node):
            line = node.item_lines[step]
            node = node[step]
        else:
            break
    return line
