"""grid_workers.yaml: codes are unique (ignoring case, as people type them) and units exist."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..problems import Problems

if TYPE_CHECKING:
    from ..deployment import Deployment


def check_grid_workers(
    deployment: Deployment, file: str, doc: Any, problems: Problems
) -> list[dict[str, Any]]:
    """The grid workers, once what the schema cannot say has been reported."""
    seen: dict[str, int] = {}
    for index, worker in enumerate(doc["grid_workers"]):
        path: list[str | int] = ["grid_workers", index]
        code = worker["code"].upper()
        if code in seen:
            problems.at(
                file,
                doc,
                [*path, "code"],
                f"网格员编号“{worker['code']}”与第 {seen[code] + 1} 位网格员重复",
            )
        seen.setdefault(code, index)
        if worker["unit"] not in deployment.tree:
            problems.at(
                file, doc, [*path, "unit"], f"单位“{worker['unit']}”不存在（见 units.yaml）"
            )
    return list(doc["grid_workers"])
