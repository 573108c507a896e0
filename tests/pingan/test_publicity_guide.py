"""docs/publicity-guide.md tells the truth: its examples pass ``pingan check`` and its three
mistakes give the messages it quotes.

Each YAML block of the guide follows a marker the reader does not see:
``<!-- guide-test: honours.yaml volunteers -->`` (add the items at the end of that list, as
the guide tells the reader), ``<!-- guide-test: campaigns/x.yaml -->`` (a new file) or
``<!-- guide-test: mistake honours.yaml volunteers -->`` (a broken item, followed by the
console block of what ``pingan check`` says). They are applied to a copy of the Wujin data.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from tiny_deployment import small_jpeg

from pingan.cli import main
from pingan.yamlfile import _explain

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "publicity-guide.md").read_text(encoding="utf-8")
BLOCK = re.compile(
    r"<!-- guide-test: (?P<target>[^>]+?) -->\n```yaml\n(?P<yaml>.*?)```"
    r"(?:\n\n```console\n\$ [^\n]*\n(?P<output>.*?)```)?",
    re.DOTALL,
)
BLOCKS = list(BLOCK.finditer(GUIDE))
ADDITIONS = [block for block in BLOCKS if not block["target"].startswith("mistake ")]
MISTAKES = [block for block in BLOCKS if block["target"].startswith("mistake ")]
PHOTOS = re.findall(r"`data/photos/([^`]+)`", GUIDE)


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the Wujin data, with the photos the guide tells the reader to save."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "data", "data")
    shutil.copytree(ROOT / "content", "content")  # deployment.yaml: content_dir: ../content
    for photo in PHOTOS:
        (Path("data/photos") / photo).parent.mkdir(parents=True, exist_ok=True)
        (Path("data/photos") / photo).write_bytes(small_jpeg())
    return Path("data")


def _apply(data: Path, target: str, text: str) -> list[str]:
    """Do what the guide says with *text*; return the file's lines afterwards."""
    *_, file, section = ["", *target.split()] if " " in target else ["", target, None]
    path = data / file
    if section is None:
        assert not path.exists(), f"{file} is meant to be a new file"
        path.write_text(text, encoding="utf-8")
        return text.splitlines()
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"{section}:")
    end = next(
        (i for i in range(start + 1, len(lines)) if re.match(r"[^\s#]", lines[i])), len(lines)
    )
    lines[end:end] = text.splitlines()
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lines


def test_the_guide_has_its_examples_and_mistakes():
    assert [block["target"] for block in ADDITIONS] == [
        "honours.yaml volunteers",
        "honours.yaml stories",
        "honours.yaml projects",
        "campaigns/wujin-2027.yaml",
    ]
    assert len(MISTAKES) == 3
    assert all(block["output"] for block in MISTAKES)
    # Every YAML block of the guide is one of them: none escapes the test.
    assert GUIDE.count("```yaml") == len(BLOCKS)
    assert PHOTOS == ["zhao-demo.jpg", "night-patrol-1.jpg"]


def test_every_example_passes_check(data, capsys):
    for block in ADDITIONS:
        _apply(data, block["target"], block["yaml"])
    assert main(["check", "data"]) == 0, capsys.readouterr().err
    assert capsys.readouterr().out == "data: 数据检查通过。\n"


def test_the_tab_message_the_guide_quotes_is_the_checks():
    with pytest.raises(yaml.MarkedYAMLError) as caught:
        yaml.load("volunteers:\n\t- id: zhao\n", Loader=yaml.SafeLoader)  # noqa: S506
    _, message = _explain(caught.value, "volunteers:\n\t- id: zhao\n")
    assert f"\n> {message}\n" in GUIDE


def test_the_readme_links_the_guide():
    assert "(docs/publicity-guide.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("mistake", MISTAKES, ids=["colon", "unit-name", "photo"])
def test_each_mistake_gives_the_message_the_guide_quotes(data, capsys, mistake):
    lines = _apply(data, mistake["target"].removeprefix("mistake "), mistake["yaml"])
    assert main(["check", "data"]) == 1
    said = capsys.readouterr().err
    # Line numbers and list positions depend on the data; the guide says so.
    assert _numbers_blurred(said) == _numbers_blurred(mistake["output"])
    # The line named is one of the broken item's lines.
    line = int(said.split(":")[1])
    assert lines[line - 1] in mistake["yaml"].splitlines()


def _numbers_blurred(report: str) -> str:
    return re.sub(r"\.yaml:\d+:", ".yaml:N:", re.sub(r"\[\d+\]", "[N]", report))
