"""Writing the files the site's build reads from the service (honours.json,
statistics.json, activities.json): whole or not at all.

A scheduled build may start while an export is writing, and the service's own rebuild
reads them right after: each file is written beside its target and renamed over it, so a
build never reads half a file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pingan.files import write_atomically


def write_json(document: Any, out: Path, *, indent: int | None = 1) -> None:
    """Write *document* as UTF-8 JSON to *out* atomically (``indent=None``: compact)."""
    separators = (",", ":") if indent is None else None
    text = json.dumps(document, ensure_ascii=False, indent=indent, separators=separators)
    write_atomically(out, (text + "\n").encode())
