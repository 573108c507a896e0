"""Fixtures of the domain-model tests: a tiny data folder in a temporary directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tiny_deployment import DEFAULTS


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    """``data_dir(units=..., **{"campaigns/b.yaml": ...})`` → the folder ``data``.

    Keyword names are file stems (``units``) or relative paths; text replaces the default
    file, None leaves it out, bytes are written as they are. The working directory is the
    temporary folder, so reports read ``data/units.yaml:3: …``.
    """
    monkeypatch.chdir(tmp_path)

    def write(**files: str | bytes | None) -> Path:
        root = Path("data")
        contents: dict[str, str | bytes | None] = dict(DEFAULTS)
        for name, text in files.items():
            key = name if "/" in name or "." in name else f"{name}.yaml"
            if name == "campaign":
                key = "campaigns/round-1.yaml"
            contents[key] = text
        for name, text in contents.items():
            if text is None:
                continue
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, bytes):
                path.write_bytes(text)
            else:
                path.write_text(text, encoding="utf-8")
        return root

    return write
