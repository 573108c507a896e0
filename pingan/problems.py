"""Problems found in a deployment's data, reported as ``file:line: field: message``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .yamlfile import line_of


def field_path(path: Iterable[str | int]) -> str:
    """``['units', 3, 'parent']`` → ``units[3].parent``."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text or "(文件)"


@dataclass(frozen=True, order=True)
class Problem:
    """One error in one place of one data file."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class Problems(list[Problem]):
    """The problems of one check, in the order found."""

    def add(self, file: Path | str, line: int, field: str, message: str) -> None:
        self.append(Problem(str(file), line, field, message))

    def at(self, file: Path | str, document: Any, path: list[str | int], message: str) -> None:
        """Add a problem located by its path inside a loaded YAML document."""
        self.add(file, line_of(document, path), field_path(path), message)

    def report(self) -> str:
        return "\n".join(str(problem) for problem in self)
