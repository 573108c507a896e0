"""What a build read: the files of the data and pages folders, as they were.

The preview compares two snapshots to know which files an edit touched (MkDocs' watcher
says only that something changed). Names starting with a dot are left out, as the build
leaves them out: editors' swap files, and the photo cache the build writes itself.
"""

from __future__ import annotations

import os
from pathlib import Path

#: path → (modification time in ns, size)
Snapshot = dict[Path, tuple[int, int]]


def take_snapshot(paths: list[Path]) -> Snapshot:
    """Every file under *paths* (folders or single files) with its time and size."""
    found: Snapshot = {}
    for path in paths:
        if path.is_file():
            _add(found, path)
            continue
        for folder, dirs, names in os.walk(path):
            dirs[:] = [name for name in dirs if not name.startswith(".")]
            for name in names:
                if not name.startswith("."):
                    _add(found, Path(folder) / name)
    return found


def _add(found: Snapshot, path: Path) -> None:
    try:
        status = path.stat()
    except FileNotFoundError:  # deleted while we looked: the next snapshot says so
        return
    found[path.resolve()] = (status.st_mtime_ns, status.st_size)


def changed_files(before: Snapshot, after: Snapshot) -> set[Path]:
    """Files added, removed or modified between two snapshots."""
    return {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}
