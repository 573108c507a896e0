"""Loading and checking a deployment, and quota totals, as the unit tree grows."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from pingan.campaigns import application_units
from pingan.deployment import load_deployment

from .sizes import pick
from .synthetic import write_deployment

# towns × villages per town: 221, 5,101 and 50,201 units
SIZES = pick(quick=[(20, 10), (100, 50)], default=[(20, 10), (100, 50), (200, 250)])


def run() -> list[str]:
    lines = []
    for towns, villages in SIZES:
        with tempfile.TemporaryDirectory() as tmp:
            root = write_deployment(Path(tmp), towns, villages)
            units = 1 + towns * (1 + villages)
            start = time.perf_counter()
            deployment = load_deployment(root)
            loaded = time.perf_counter() - start
            start = time.perf_counter()
            totals = deployment.quotas["q"].totals_by_unit(deployment.tree)
            choices = application_units(deployment.campaigns["c"], deployment)
            derived = time.perf_counter() - start
            lines.append(
                f"check: {units:>6} units  load+check {loaded:6.2f} s "
                f"({units / loaded:,.0f} units/s)  "
                f"quota totals + unit choices {derived * 1000:6.1f} ms "
                f"(total {totals['d']:,}, {len(choices):,} choices)"
            )
    return lines
