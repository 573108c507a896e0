"""Which sizes a run measures: ``quick`` (a smoke run), the default, or ``full``.

``python -m benchmarks --quick`` / ``--full`` set ``PINGAN_BENCH`` for every module (and
for the child interpreters some of them start), so each module picks its own sizes here.
"""

from __future__ import annotations

import os
from typing import TypeVar

T = TypeVar("T")

MODES = ("quick", "default", "full")


def mode() -> str:
    value = os.environ.get("PINGAN_BENCH", "default")
    return value if value in MODES else "default"


def pick(*, quick: T, default: T, full: T | None = None) -> T:
    """The value for this run's mode; ``full`` falls back to the default."""
    chosen = mode()
    if chosen == "quick":
        return quick
    if chosen == "full" and full is not None:
        return full
    return default
