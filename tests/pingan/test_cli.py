"""The ``pingan`` command speaks Chinese: its help, argparse's own words and its errors."""

from __future__ import annotations

import argparse
import re
import socket

import pytest

from pingan.cli import build_parser, main
from pingan.cli_text import translate_error, wrap

#: What argparse says in English (Python 3.11–3.13); none of it may reach the staff.
ARGPARSE_ENGLISH = (
    "usage:",
    "positional arguments",
    "options:",
    "optional arguments",
    "show this help message and exit",
    "error:",
    "the following arguments are required",
    "invalid choice",
    "choose from",
    "unrecognized arguments",
    "expected one argument",
    "invalid int value",
    "argument ",
)


def _commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    """Every command line that names a (sub-)command, the top level included."""
    yield prefix
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*prefix, name))


COMMANDS = list(_commands(build_parser()))


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    out, err = capsys.readouterr()
    return exited.value.code, out, err


def _assert_no_argparse_english(text: str) -> None:
    found = [phrase for phrase in ARGPARSE_ENGLISH if phrase in text]
    assert not found, text


def test_every_command_is_covered():
    names = {" ".join(argv) for argv in COMMANDS}
    assert {"", "check", "build", "serve", "db upgrade", "office add-user", "export"} <= names


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda argv: " ".join(argv) or "pingan")
def test_help_is_chinese(argv, capsys):
    code, out, err = _run([*argv, "--help"], capsys)
    assert (code, err) == (0, "")
    assert out.startswith("用法：pingan")
    assert "选项：\n  -h, --help" in out
    assert "显示本帮助并退出" in out
    _assert_no_argparse_english(out)
    # Every option and sub-command explains itself, in Chinese.
    for line in out.splitlines():
        if line.startswith("  --") and line.split()[-1].startswith("--"):
            pytest.fail(f"no help: {line}")


def test_top_level_help_lists_the_commands_with_chinese_help(capsys):
    _, out, _ = _run(["--help"], capsys)
    assert "命令：\n" in out
    assert "    check     检查部署的数据目录" in out
    assert "    build     生成部署的静态网站" in out


def test_help_text_lines_up_after_chinese_metavars(capsys):
    _, out, _ = _run(["check", "--help"], capsys)
    # The longest invocation, "--activities 文件", sets the column: 17 columns wide.
    assert "  数据目录           部署的数据目录" in out
    assert "  -h, --help         显示本帮助并退出" in out
    assert "  --honours 文件     同时检查办公室导出的表彰决定" in out
    assert "  --activities 文件  同时检查办公室导出的活动" in out


def test_missing_command(capsys):
    code, out, err = _run([], capsys)
    assert (code, out) == (2, "")
    assert err == "用法：pingan [-h] 命令 ...\npingan：错误：缺少必需的参数：命令\n"


def test_missing_required_argument(capsys):
    code, out, err = _run(["office", "add-user", "reviewer-1"], capsys)
    assert (code, out) == (2, "")
    assert err.startswith("用法：pingan office add-user [-h] --unit 单位")
    assert err.endswith("pingan office add-user：错误：缺少必需的参数：--unit\n")
    _assert_no_argparse_english(err)


def test_missing_positional_argument(capsys):
    code, _, err = _run(["check"], capsys)
    assert code == 2
    assert err.endswith("pingan check：错误：缺少必需的参数：数据目录\n")


def test_unknown_option(capsys):
    code, out, err = _run(["build", "data", "--colour", "red"], capsys)
    assert (code, out) == (2, "")
    assert err.endswith("pingan：错误：无法识别的参数：--colour red\n")
    _assert_no_argparse_english(err)


def test_unknown_command(capsys):
    code, _, err = _run(["buld"], capsys)
    assert code == 2
    # Each side adds its commands: the list grows, its form stays.
    choices = re.fullmatch(r"(?s).*pingan：错误：参数 命令：无效的取值“buld”（可选：(.+)）\n", err)
    assert choices, err
    assert {"check", "build", "serve", "db", "office", "export", "honours"} <= set(
        choices[1].split("、")
    )


def test_invalid_choice_and_missing_value(capsys):
    _, _, err = _run(["office", "add-user", "x", "--unit", "qu", "--role", "boss"], capsys)
    assert err.endswith("参数 --role：无效的取值“boss”（可选：reviewer、administrator）\n")
    _, _, err = _run(["build", "data", "--site-dir"], capsys)
    assert err.endswith("pingan build：错误：参数 --site-dir：这个选项后面需要一个值\n")


def test_bad_values_are_explained(capsys):
    _, _, err = _run(["serve", "--port", "eighty"], capsys)
    assert err.endswith("参数 --port：“eighty”不是有效的端口号（1–65535）\n")
    _, _, err = _run(["build", "data", "--build-date", "2026-13-01"], capsys)
    assert err.endswith("参数 --build-date：不是有效日期（格式 YYYY-MM-DD）：2026-13-01\n")


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("argument --port: invalid int value: 'x'", "参数 --port：“x”不是整数"),
        ("ambiguous option: --s could match --site-dir, --strict", None),
        ("argument -a: not allowed with argument -b", "参数 -a：不能与参数 -b 同时使用"),
        ("argument --strict: ignored explicit argument 'yes'", None),
        ("something argparse may say one day", "something argparse may say one day"),
    ],
)
def test_translate_error(english, chinese):
    said = translate_error(english)
    if chinese:
        assert said == chinese
    if english != chinese:
        _assert_no_argparse_english(said)


def test_other_argparse_users_keep_their_english(capsys):
    parser = argparse.ArgumentParser(prog="other")
    parser.print_help()
    assert "usage: other" in capsys.readouterr().out


def test_serve_on_a_busy_port_says_so_in_chinese(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--host", "127.0.0.1", "--port", str(port)]) == 1
    out, err = capsys.readouterr()
    assert out == ""  # the URL is not printed for a server that cannot start
    assert err == (
        f"端口 {port} 已被其他程序占用（127.0.0.1:{port}），报名服务无法启动。"
        f"请换一个端口，例如 make demo PORT={port + 1}，或 pingan serve --port {port + 1}。\n"
    )


def test_serve_on_an_unknown_host(capsys):
    assert main(["serve", "--host", "no-such-host.invalid", "--port", "8000"]) == 1
    assert capsys.readouterr().err == (
        "找不到地址“no-such-host.invalid”，请检查 --host（本机用 127.0.0.1）。\n"
    )


def test_help_wraps_at_the_terminal_width_counting_chinese_as_two_columns():
    text = "网站生成到这个目录（默认：site），可以是相对路径。"
    lines = wrap(text, 20)
    assert "".join(lines) == text
    assert all(_width(line) <= 20 for line in lines[:-1])
    assert not any(line[0] in "，。）" for line in lines)


def test_long_help_lines_fit_a_narrow_terminal(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    _, out, _ = _run(["build", "--help"], capsys)
    after_usage = out.split("\n\n", 1)[1]
    assert max(_width(line) for line in after_usage.splitlines()) <= 60


def _width(text: str) -> int:
    return sum(2 if "\u2e80" <= char <= "\uffff" else 1 for char in text)


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda argv: " ".join(argv) or "pingan")
def test_usage_lines_fit_and_line_up(argv, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    _, out, _ = _run([*argv, "--help"], capsys)
    first, *rest = out.split("\n\n", 1)[0].splitlines()
    assert max(_width(line) for line in [first, *rest]) <= 80
    prog = "用法：" + " ".join(["pingan", *argv]) + " "
    assert first.startswith(prog)
    # Later lines start under the first argument, counting "用法：" as six columns.
    assert all(len(line) - len(line.lstrip()) == _width(prog) for line in rest)
