"""argparse in Chinese: the ``pingan`` command's usage, help and error lines.

The people who run ``pingan`` are publicity staff and office administrators, so argparse's
own words (``usage:``, ``options``, the help option, its error lines) are said in Chinese
too. The parser class is inherited by every sub-command's parser (argparse creates them
with the class of the parser that owns the sub-commands); nothing global is changed, so
other users of argparse in the same process keep their English.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from typing import NoReturn

USAGE = "用法："
HELP = "显示本帮助并退出"

#: argparse's error messages (Python 3.11–3.13) and what they say in Chinese. An
#: ``argument X: …`` prefix is translated first, then the rest by this table.
_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), chinese)
    for pattern, chinese in (
        (r"the following arguments are required: (.+)", "缺少必需的参数：{0}"),
        (r"unrecognized arguments: (.+)", "无法识别的参数：{0}"),
        (r"invalid choice: '?(.*?)'? \(choose from (.+)\)", "无效的取值“{0}”（可选：{1}）"),
        (r"invalid int value: '(.*)'", "“{0}”不是整数"),
        (r"invalid float value: '(.*)'", "“{0}”不是数字"),
        (r"invalid \S+ value: '(.*)'", "无效的取值“{0}”"),
        (r"expected one argument", "这个选项后面需要一个值"),
        (r"expected at most one argument", "这个选项后面最多只能有一个值"),
        (r"expected at least one argument", "这个选项后面至少需要一个值"),
        (r"expected (\d+) arguments?", "这个选项后面需要 {0} 个值"),
        (r"ambiguous option: (\S+) could match (.+)", "选项 {0} 不明确，可能是：{1}"),
        (r"not allowed with argument (.+)", "不能与参数 {0} 同时使用"),
        (r"ignored explicit argument '(.*)'", "这个选项不接受值（多写了“{0}”）"),
        (r"one of the arguments (.+) is required", "须给出以下参数之一：{0}"),
        (r"can't open '(.*)': (.+)", "无法打开“{0}”：{1}"),
    )
)
_ARGUMENT = re.compile(r"argument (.+?): (.*)", re.DOTALL)


def _choices(text: str) -> str:
    """``'a', 'b'`` (argparse's list of choices, quoted or not) → ``a、b``."""
    return "、".join(choice.strip("'") for choice in text.split(", "))


def translate_error(message: str) -> str:
    """One of argparse's error messages in Chinese; an unknown one is returned as it is."""
    argument = _ARGUMENT.fullmatch(message)
    if argument:
        return f"参数 {argument[1]}：{translate_error(argument[2])}"
    for pattern, chinese in _ERRORS:
        match = pattern.fullmatch(message)
        if match:
            groups = list(match.groups())
            if "可选" in chinese:
                groups[1] = _choices(groups[1])
            return chinese.format(*groups)
    return message


def _display_width(text: str) -> int:
    """Columns *text* takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


#: Punctuation that may not begin a line (禁则): it stays at the end of the line before.
_NO_LINE_START = "，。、；：？！）》」』”’…"
_TOKEN = re.compile(r"\s+|[\u2e80-\uffff]|[^\s\u2e80-\uffff]+")


def wrap(text: str, width: int) -> list[str]:
    """*text* in lines of at most *width* columns, breaking between Chinese characters or
    at spaces, never before closing punctuation."""
    lines: list[str] = []
    line = ""
    for token in _TOKEN.findall(" ".join(text.split())):
        fits = _display_width(line + token) <= width
        if fits or not line.strip() or token in _NO_LINE_START:
            line += token
        elif not token.isspace():
            lines.append(line.rstrip())
            line = token
    if line.strip():
        lines.append(line.rstrip())
    return lines


class ChineseHelpFormatter(argparse.HelpFormatter):
    """Says ``用法：`` for ``usage:``, ends section titles with a full-width colon, and
    counts columns where argparse counts characters: help texts line up after Chinese
    metavars and wrap at the terminal's width."""

    class _Section(argparse.HelpFormatter._Section):
        def format_help(self) -> str:
            text = super().format_help()
            if self.heading and self.heading is not argparse.SUPPRESS:
                text = text.replace(f"{self.heading}:\n", f"{self.heading}：\n", 1)
            return text

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(indent + line for line in wrap(text, width - len(indent)))

    def _format_usage(self, usage, actions, groups, prefix) -> str:
        # argparse indents the usage's later lines and wraps it by characters: indent by
        # the columns "用法：" takes, and wrap once more, narrower, if Chinese overflows.
        extra = _display_width(prefix or "") - len(prefix or "")
        width = self._width
        try:
            for _ in range(2):
                first, *rest = super()._format_usage(usage, actions, groups, prefix).split("\n")
                lines = [first, *(" " * extra + line if line else line for line in rest)]
                over = max(map(_display_width, lines)) - width
                self._width -= max(over, 0)
        finally:
            self._width = width
        return "\n".join(lines)

    def add_usage(self, usage, actions, groups, prefix=None) -> None:
        super().add_usage(usage, actions, groups, USAGE if prefix is None else prefix)

    def add_argument(self, action: argparse.Action) -> None:
        super().add_argument(action)
        if action.help is not argparse.SUPPRESS:
            width = _display_width(self._format_action_invocation(action))
            self._action_max_length = max(self._action_max_length, width + self._current_indent)

    def _format_action(self, action: argparse.Action) -> str:
        text = super()._format_action(action)
        head = " " * self._current_indent + self._format_action_invocation(action)
        extra = _display_width(head) - len(head)
        first, newline, rest = text.partition("\n")
        if not extra or first == head or not first.startswith(head + "  "):
            return text
        help_position = min(self._action_max_length + 2, self._max_help_position)
        if _display_width(head) + 2 <= help_position:
            first = head + first[len(head) + extra :]
        else:  # too wide for the help column: the help starts on the next line
            first = head + "\n" + " " * help_position + first[len(head) :].lstrip()
        return first + newline + rest


class ChineseArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage, section titles, help option and errors are Chinese."""

    def __init__(
        self,
        prog: str | None = None,
        *,
        add_help: bool = True,
        formatter_class: type[argparse.HelpFormatter] = ChineseHelpFormatter,
        **kwargs,
    ) -> None:
        super().__init__(prog, add_help=False, formatter_class=formatter_class, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        if add_help:
            short, long = self.prefix_chars[0] + "h", self.prefix_chars[0] * 2 + "help"
            self.add_argument(short, long, action="help", default=argparse.SUPPRESS, help=HELP)

    def error(self, message: str) -> NoReturn:
        """Print the usage and the error in Chinese, and exit 2 as argparse does."""
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{translate_error(message)}\n")
