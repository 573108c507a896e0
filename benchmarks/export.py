"""Export packages (CSV + roster.xlsx + row validation) and fastcheck against frictionless.

Each export size runs in a fresh interpreter so its peak resident memory (VmHWM) is its
own: flat memory means the 1,000,000-row figure is close to the 1,000-row one. The
1,000,000-row export takes minutes, so it runs only with ``--full``.
"""

from __future__ import annotations

import datetime
import json
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pingan.idnumber import compose_id_number

from .sizes import pick

ROOT = Path(__file__).resolve().parent.parent
SIZES = pick(quick=[1_000, 10_000], default=[1_000, 100_000], full=[1_000, 100_000, 1_000_000])
VALIDATION_ROWS = pick(quick=10_000, default=100_000)
CAMPAIGN = "wujin-2026"


def records(count: int) -> Iterator[dict[str, Any]]:
    """*count* invented Wujin records (check digits right, people invented), made lazily."""
    numbers = [
        compose_id_number("320412", datetime.date(1970, 1, 1 + order % 28), order)
        for order in range(1000)
    ]
    towns = ["hutang", "niutang", "luoyang"]
    answers = {
        "name": "张示例",
        "registration_address": "湖塘镇示例社区",
        "service_type": "patrol",
        "availability": ["周六", "周日"],
    }
    submitted = datetime.datetime(2026, 9, 2, 1, 30, tzinfo=datetime.UTC)
    for n in range(count):
        yield {
            "reference": f"R{n:09d}",
            "campaign": CAMPAIGN,
            "unit": towns[n % 3],
            "stage": "submitted",
            "submitted_at": submitted + datetime.timedelta(seconds=n),
            "volunteer_number": None,
            "id_number": numbers[n % 1000],
            "mobile": f"138{n:08d}",
            # e-mail addresses differ, as people's do: no check gets to reuse a verdict
            "answers": {**answers, "email": f"v{n}@example.cn"},
        }


def measure(count: int, out: str) -> None:
    """Write *count* rows to *out*; print seconds and peak RSS as JSON (run in a child)."""
    from pingan.deployment import load_deployment
    from pingan.export.package import write_package

    deployment = load_deployment(ROOT / "data")
    campaign = deployment.campaigns[CAMPAIGN]
    start = time.perf_counter()
    write_package(records(count), [campaign], deployment, out)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "peak_kib": _peak_kib()}))


def _peak_kib() -> int:
    """This process's peak RSS. Linux keeps getrusage's ru_maxrss across fork and exec, so a
    child of a large parent would report the parent's size; VmHWM starts afresh at exec."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def _export(count: int, out: Path) -> dict[str, float]:
    code = f"from benchmarks.export import measure; measure({count}, {str(out)!r})"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def _validation(zip_path: Path, folder: Path) -> list[str]:
    import frictionless

    from pingan.export.fastcheck import validate_csv

    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(folder)
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    schema = descriptor["resources"][0]["schema"]
    start = time.perf_counter()
    fast = validate_csv(str(folder / f"{CAMPAIGN}.csv"), schema)
    fast_seconds = time.perf_counter() - start
    start = time.perf_counter()
    slow = frictionless.validate(folder / "datapackage.json")
    slow_seconds = time.perf_counter() - start
    same = fast.flatten() == slow.flatten(["rowNumber", "fieldName", "type"])
    rows = fast.rows
    # The e-mail column runs frictionless' own check (the validators package) per cell,
    # which costs more than all other columns together; shown apart to say where time goes.
    without_email = {**schema, "fields": [f for f in schema["fields"] if f["name"] != "email"]}
    start = time.perf_counter()
    validate_csv(str(folder / f"{CAMPAIGN}.csv"), without_email, limit_errors=0)
    plain_seconds = time.perf_counter() - start
    return [
        f"export: validate {rows:,} rows  fastcheck {fast_seconds:5.2f} s "
        f"({rows / fast_seconds:,.0f} rows/s)  frictionless {slow_seconds:5.2f} s "
        f"({rows / slow_seconds:,.0f} rows/s, with hash check)  "
        f"{slow_seconds / fast_seconds:.1f}x  same report: {same}",
        f"export: validate {rows:,} rows  fastcheck without the e-mail check "
        f"{plain_seconds:5.2f} s ({rows / plain_seconds:,.0f} rows/s)",
    ]


def run() -> list[str]:
    lines = []
    with tempfile.TemporaryDirectory(prefix="pingan-bench-") as tmp:
        folder = Path(tmp)
        for count in SIZES:
            out = folder / f"{count}.zip"
            figures = _export(count, out)
            seconds = figures["seconds"]
            lines.append(
                f"export: {count:>9,} rows  CSV+XLSX+validation {seconds:7.2f} s "
                f"({count / seconds:,.0f} rows/s)  peak RSS {figures['peak_kib'] / 1024:6.1f} MiB  "
                f"zip {out.stat().st_size / 1e6:7.1f} MB"
            )
            if count == VALIDATION_ROWS:
                lines += _validation(out, folder / "unpacked")
            out.unlink()
    return lines
