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
                None,
                None,
                f"键“{key}”重复出现（同一层的键只能写一次，请删去或合并其中一个）",
                key_node.start_mark,
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


_TAB = "这一行用 Tab 缩进了；YAML 只能用空格缩进，请把 Tab 换成空格"
_DASH = "列表的这一项前面缺少“- ”（列表中每一项都以“- ”开头，并与上一项的“- ”对齐）"
_KEY = "缩进不对齐：同一层的键要和上一个键左对齐（也可能是引号后面多了文字）"
_BRACKET = "方括号没有闭合（缺少“]”或“,”）"
_BRACE = "花括号没有闭合（缺少“}”或“,”）"
_NO_VALUE = "这里缺少值（“[”“{”“- ”或“: ”之后没有内容）"

#: What libyaml (or PyYAML, when libyaml is missing) complains of, said so that someone
#: editing by hand knows what to do. Keys are the start of the parser's *problem* text
#: (PyYAML adds what it found); the first one that matches explains.
_EXPLAINED: tuple[tuple[str, str], ...] = (
    ("found a tab character", _TAB),
    ("found character '\\t'", _TAB),
    ("did not find expected '-' indicator", _DASH),
    ("expected <block end>, but found '?'", _DASH),
    ("could not find expected ':'", "这一行缺少“: ”（键和值之间要写英文冒号和一个空格）"),
    ("did not find expected ',' or ']'", _BRACKET),
    ("expected ',' or ']'", _BRACKET),
    ("did not find expected ',' or '}'", _BRACE),
    ("expected ',' or '}'", _BRACE),
    (
        "mapping values are not allowed",
        "这里不能出现“: ”（含冒号的文字请用引号括起来；也可能是这一行比上一行多缩进了）",
    ),
    ("did not find expected key", _KEY),
    ("expected <block end>", _KEY),
    ("did not find expected node content", _NO_VALUE),
    ("expected the node content", _NO_VALUE),
    (
        "found unknown escape character",
        "双引号中的“\\”后面不是有效的转义（要写“\\”本身，请改用单引号括起整个值）",
    ),
    ("found unexpected end of stream", "文件在引号或括号闭合之前就结束了"),
    ("but found another document", "一个文件只能有一个文档（删去多余的“---”）"),
    ("found undefined alias", "引用了未定义的锚点（*名称 之前须有 &名称）"),
    (
        "could not determine a constructor for the tag",
        "不认识以“!”开头的写法（以“!”开头的值请用引号括起来）",
    ),
)

#: A quote that never closes runs to the end of the file: the line it opened on is the news.
_UNCLOSED_QUOTE = "这一行的引号没有闭合（缺少右边的引号；值里要用引号时，请用另一种引号括起整个值）"


def _explain(exc: yaml.MarkedYAMLError, text: str) -> tuple[int, str]:
    """The line to name and a Chinese sentence for one of the parser's complaints."""
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or ""
    context = exc.context or ""
    ran_off_the_end = mark is not None and not text[mark.index :].strip()
    if "quoted scalar" in context and ran_off_the_end and exc.context_mark:
        return exc.context_mark.line + 1, _UNCLOSED_QUOTE
    if exc.context_mark and (ran_off_the_end or problem == "could not find expected ':'"):
        mark = exc.context_mark  # the opening bracket, or the line without its colon
    line = mark.line + 1 if mark else 1
    wide_colon = _full_width_colon(text, line)
    if wide_colon and problem.startswith(("mapping values", "could not find expected ':'")):
        return wide_colon, "这一行用了中文冒号“：”；键和值之间要用英文冒号和一个空格“: ”"
    if any("\u4e00" <= char <= "\u9fff" for char in problem):
        return line, problem  # our constructor's own complaints (a repeated key) are Chinese
    if problem.startswith("found character") and "cannot start any token" in problem:
        char = _char_at(text, mark)
        if char == "\t":
            return line, _TAB
        return line, f"值不能以“{char}”开头（请用引号把整个值括起来）"
    if problem.startswith(("did not find expected '-'", "expected <block end>, but found '?'")):
        # A key level with the list's "- " lacks its dash; one that is not is misaligned.
        if exc.context_mark and mark and mark.column != exc.context_mark.column:
            return line, _KEY
    for start, explained in _EXPLAINED:
        if problem.startswith(start):
            return line, explained
    column = mark.column + 1 if mark else 1
    return line, f"第 {column} 列附近不符合 YAML 格式（请检查缩进、冒号“: ”、“- ”和引号）"


def _full_width_colon(text: str, line: int) -> int | None:
    """The line (this one or the one before) whose key is followed by "：" instead of ": "."""
    lines = text.split("\n")
    for number in (line - 1, line):
        if 1 <= number <= len(lines):
            key, colon, _ = lines[number - 1].partition("：")
            if colon and ": " not in key and not key.lstrip().startswith("#"):
                return number
    return None


def _char_at(text: str, mark: yaml.Mark | None) -> str:
    """The character at *mark* (by line and column: libyaml's index counts bytes)."""
    lines = text.split("\n")
    if mark is None or mark.line >= len(lines) or mark.column >= len(lines[mark.line]):
        return ""
    return lines[mark.line][mark.column]


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
        line, explained = _explain(exc, text)
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


def load_yaml_nodes(text: str) -> tuple[yaml.Node | None, Any]:
    """Parse *text* once into its node tree (with line marks) and its LineDict/LineList value.

    For callers that need both where each value starts and the value itself (the preview's
    re-reading of single list items, site_builder.item_edits); raises yaml.YAMLError.
    """
    loader = _LineLoader(text)
    try:
        node = loader.get_single_node()
        return node, loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
