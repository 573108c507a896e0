"""Problems found in a deployment's data, reported as ``file:line: field: message``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


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

    def report(self) -> str:
        return "\n".join(str(problem) for problem in self)
