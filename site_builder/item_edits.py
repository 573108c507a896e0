"""Re-read only the list items of a YAML file that an edit touched.

honours.yaml of a Chongqing-scale deployment is about 1 MB (1,000 stories, 1,200 exemplary
volunteers): parsing it takes 0.3–0.5 s here, most of what a preview rebuild may cost. An
edit to one story changes a few lines inside one item of one list, and the lines before and
after it are the same text, so they read as the same values. :class:`ItemMap` remembers on
which line each item of the file's top-level block lists starts and re-reads only the items
the changed lines fall in, as a block list of their own.

That is the same as reading the whole file when the re-read lines make a block list at the
same column holding as many items as they replace, without anchors or aliases (an anchor in
them could be used elsewhere, an alias could name one elsewhere): the lines before them end
where an item starts, and the unchanged line after them starts the next item or the next
top-level key, which ends the last re-read item in the whole file too. Anything else (a
change outside the lists' items, an item added or removed, a flow-style list, a file that
does not parse) gives None, and the caller reads the whole file.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, replace
from typing import Any

import yaml

from pingan.yamlfile import LineDict, LineList, load_yaml_nodes


@dataclass(frozen=True)
class ListLines:
    """Where one top-level block list's items are: 0-based line numbers."""

    key: str
    #: The column of the items' "- ".
    column: int
    #: The line of each item's "- ".
    starts: tuple[int, ...]
    #: The line after the list's last item (the next top-level key's, or the end of file).
    end: int


@dataclass(frozen=True)
class ItemEdit:
    """An edit re-read: the new document, and per list the items replaced (first, last)."""

    document: LineDict
    changed: dict[str, tuple[int, int]]
    items: ItemMap


class ItemMap:
    """A YAML file's text and value, with the lines of its top-level lists' items."""

    def __init__(self, text: str, document: LineDict, lists: dict[str, ListLines]) -> None:
        self.text = text
        self.lines = text.split("\n")
        self.document = document
        self.lists = lists

    @classmethod
    def read(cls, text: str) -> ItemMap | None:
        """The map of *text*, a mapping at the top; None when it does not parse as one."""
        try:
            root, document = load_yaml_nodes(text)
        except yaml.YAMLError:
            return None
        if not isinstance(root, yaml.MappingNode) or root.flow_style:
            return None
        lines = text.split("\n")
        lists = {}
        pairs = root.value
        for number, (key, value) in enumerate(pairs):
            if not isinstance(value, yaml.SequenceNode) or value.flow_style or not value.value:
                continue
            column = value.start_mark.column
            end = pairs[number + 1][0].start_mark.line if number + 1 < len(pairs) else len(lines)
            starts = []
            floor = key.start_mark.line + 1
            for item in value.value:
                start = _dash_line(lines, item.start_mark.line, column, floor)
                if start is None:
                    return None
                starts.append(start)
                floor = item.end_mark.line
            lists[key.value] = ListLines(key.value, column, tuple(starts), end)
        return cls(text, document, lists)

    def edit(self, text: str) -> ItemEdit | None:
        """Re-read the items of the lists that *text* changed; None when that is not enough."""
        new = text.split("\n")
        old = self.lines
        shortest = min(len(old), len(new))
        low = 0
        while low < shortest and old[low] == new[low]:
            low += 1
        same_end = 0
        while same_end < shortest - low and old[-1 - same_end] == new[-1 - same_end]:
            same_end += 1
        old_high, new_high = len(old) - same_end, len(new) - same_end
        if old_high == low and new_high == low:
            return ItemEdit(self.document, {}, self)
        span = next(
            (
                lines
                for lines in self.lists.values()
                if lines.starts[0] <= low and old_high <= lines.end and low <= lines.end
            ),
            None,
        )
        if span is None:
            return None
        first = _item_at(span, min(low, span.end - 1))
        last = _item_at(span, max(low, old_high - 1))
        begin = span.starts[first]
        old_stop = span.starts[last + 1] if last + 1 < len(span.starts) else span.end
        shift = new_high - old_high
        new_stop = old_stop + shift
        if not (begin <= low and new_high <= new_stop):
            return None
        parsed = _read_items(new, begin, new_stop, span.column)
        if parsed is None or _has_anchors(_chunk(old, begin, old_stop)):
            return None
        items, starts = parsed
        if len(items) != last - first + 1:
            return None
        document = _replace_items(self.document, span.key, first, last, items)
        lists = {}
        for key, lines in self.lists.items():
            if key == span.key:
                lines = replace(
                    lines,
                    starts=span.starts[:first]
                    + tuple(begin + start for start in starts)
                    + tuple(start + shift for start in span.starts[last + 1 :]),
                    end=span.end + shift,
                )
            elif lines.starts[0] > begin:
                lines = replace(
                    lines,
                    starts=tuple(start + shift for start in lines.starts),
                    end=lines.end + shift,
                )
            lists[key] = lines
        return ItemEdit(document, {span.key: (first, last)}, ItemMap(text, document, lists))


def _dash_line(lines: list[str], line: int, column: int, floor: int) -> int | None:
    """The line of the "- " that starts the item whose value starts on *line*."""
    for number in range(line, floor - 1, -1):
        text = lines[number]
        if text[column : column + 1] == "-" and not text[:column].strip():
            return number
    return None


def _item_at(span: ListLines, line: int) -> int:
    """The index of the item whose lines hold *line*."""
    return max(0, bisect_right(span.starts, line) - 1)


def _chunk(lines: list[str], begin: int, stop: int) -> str:
    """Lines [begin, stop) as text; each ends with its newline unless it ends the file."""
    text = "\n".join(lines[begin:stop])
    return text + "\n" if stop < len(lines) else text


def _has_anchors(text: str) -> bool:
    try:
        return any(
            isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None
            for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        )
    except yaml.YAMLError:
        return True


def _read_items(
    lines: list[str], begin: int, stop: int, column: int
) -> tuple[list[Any], list[int]] | None:
    """The items of lines [begin, stop) read as a block list at *column*, with the line
    (relative to *begin*) of each item's "- "; None when they are not that."""
    first = lines[begin] if begin < len(lines) else ""
    if first[column : column + 1] != "-" or first[:column].strip():
        return None
    text = _chunk(lines, begin, stop)
    if _has_anchors(text):
        return None
    try:
        root, items = load_yaml_nodes(text)
    except yaml.YAMLError:
        return None
    if not isinstance(root, yaml.SequenceNode) or root.flow_style:
        return None
    if root.start_mark.column != column or not isinstance(items, list):
        return None
    chunk = text.split("\n")
    starts = []
    floor = 0
    for item in root.value:
        start = _dash_line(chunk, item.start_mark.line, column, floor)
        if start is None:
            return None
        starts.append(start)
        floor = item.end_mark.line
    return list(items), starts


def _replace_items(
    document: LineDict, key: str, first: int, last: int, items: list[Any]
) -> LineDict:
    """A copy of *document* whose list *key* has items first…last replaced by *items*.

    The values keep the lines they were read at (those of the re-read items count from
    their own first line): lines only name where a problem is, and a document with a
    problem is read again in full before anyone sees one."""
    old = document[key]
    new_list = LineList([*old[:first], *items, *old[last + 1 :]])
    new_list.line = old.line
    new_list.item_lines = list(old.item_lines)
    copy = LineDict(document)
    copy.line, copy.key_lines = document.line, document.key_lines
    copy[key] = new_list
    return copy
