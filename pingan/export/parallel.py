"""Rows of a large export made by worker processes, one range of ids at a time.

Reading a stored application, decrypting its ID and mobile numbers and making, checking
and writing its row is about 20 µs of one core; a million applications in one process
were over a minute. Here each core runs a row worker (``python -m pingan.export.parallel``,
a fresh interpreter importing neither Flask nor SQLAlchemy, so it starts in a third of a
second at about 40 MiB). The package writer cuts the selected ids into ranges and hands
them out one at a time, so a worker that finishes early takes the next one; each worker
reads its range from the database itself (source.py), makes the rows with the same
``_Part`` as a single process does and writes, per range, a chunk of each campaign's CSV
(no header, no BOM), the excluded records, and the workbook cells (a spool). The writer
then joins the chunks in id order: the package is the one a single process would write,
byte for byte but for the workbooks' timestamps. The two workbook workers read the spools
after the rows are made, when the cores are free again.

Messages: the writer sends length-prefixed JSON on a worker's standard input (the start,
with the source and its keys; then one range at a time; then the end); the worker answers
one JSON line per range on its standard output.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import gc
import itertools
import json
import os
import selectors
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .source import Reader, Source
from .workbooks import _message, _peak_kib, _read

if TYPE_CHECKING:
    from .package import PackageSummary, _Exclusions, _Part, _Sink

#: Row workers at most (one per core up to this).
MAX_WORKERS = 4
#: About this many rows a range: small enough that the workers finish together. A source
#: read as plain id ranges (``match``) is cut into ranges of this many ids, so that the
#: answer PostgreSQL sends for one (source.py) holds at most this many rows, however large
#: the table.
RANGE_ROWS = 10_000
#: Ranges at most for a selection filtered in SQL (counted rows, not ids, cut those).
MAX_RANGES = 4096


def worker_count() -> int:
    """One row worker per core this process may run on, at most ``MAX_WORKERS``."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_WORKERS, cores))


def cut_ranges(source: Source, workers: int) -> list[tuple[int, int]]:
    """The [lo, hi) id ranges the workers take one at a time: at least four a worker; for
    a source read as plain id ranges (``match``) none wider than ``RANGE_ROWS`` ids, so
    none holds more rows than that; else about ``RANGE_ROWS`` selected rows each."""
    if source.match:
        wanted = -(-(source.last - source.first + 1) // RANGE_ROWS)
    else:
        wanted = min(MAX_RANGES, source.count // RANGE_ROWS)
    return source.ranges(max(workers * 4, wanted))


def make_rows(
    source: Source,
    specs: Sequence[Mapping[str, Any]],
    today: datetime.date,
    folder: Path,
    parts: Mapping[str, _Part],
    exclusions: _Exclusions,
    summary: PackageSummary,
    sink: _Sink | None,
    progress: Callable[[int], None] | None,
) -> None:
    """Make every row of *source* in worker processes; join their output into *parts*,
    *exclusions*, *summary* and *sink* in id order."""
    workers = worker_count()
    ranges = cut_ranges(source, workers)
    start = {
        "source": source.as_dict(),
        "specs": list(specs),
        "today": today.isoformat(),
        "folder": str(folder),
        "workbooks": sink is not None,
    }
    results: dict[int, dict[str, Any]] = {}
    pending = iter(enumerate(ranges))
    running: list[_Worker] = []
    selector = selectors.DefaultSelector()
    try:
        for _ in range(min(workers, len(ranges))):
            worker = _Worker()
            running.append(worker)
            worker.send(start)
            _next_range(worker, pending)
            selector.register(worker.process.stdout, selectors.EVENT_READ, worker)
        done = 0
        while len(results) < len(ranges):
            for key, _ in selector.select():
                worker = key.data
                result = worker.receive()
                results[result["range"]] = result
                done += result["records"]
                summary.row_worker_peak_kib = max(summary.row_worker_peak_kib, result["peak_kib"])
                if progress:
                    progress(done)
                if not _next_range(worker, pending):
                    selector.unregister(worker.process.stdout)
        for worker in running:
            worker.finish()
    finally:
        selector.close()
        for worker in running:
            worker.stop()
    _join(results, ranges, folder, parts, exclusions, summary, sink)


def _next_range(worker: _Worker, pending) -> bool:
    """Give *worker* the next range, or tell it to end (→ False)."""
    item = next(pending, None)
    if item is None:
        worker.send({"end": True})
        return False
    number, (lo, hi) = item
    worker.send({"range": number, "lo": lo, "hi": hi})
    return True


def _join(
    results: Mapping[int, Mapping[str, Any]],
    ranges: Sequence[tuple[int, int]],
    folder: Path,
    parts: Mapping[str, _Part],
    exclusions: _Exclusions,
    summary: PackageSummary,
    sink: _Sink | None,
) -> None:
    from .package import FORMULA_SAMPLES, Excluded

    spools = []
    for number in range(len(ranges)):
        result = results[number]
        for part in parts.values():
            rows = result["rows"].get(part.campaign_id, 0)
            if rows:
                part.csv_files.append(_chunk(folder, number, part.index))
            campaign = part.campaign_id
            summary.formula_like[campaign] = summary.formula_like.get(campaign, 0) + result[
                "formula_like"
            ].get(campaign, 0)
            samples = summary.formula_samples.setdefault(campaign, [])
            for row_number, name in result["formula_samples"].get(campaign, []):
                if len(samples) < FORMULA_SAMPLES:
                    samples.append((row_number + part.rows, name))
            part.rows += rows
        if result["excluded"]:
            with _excluded(folder, number).open(encoding="utf-8-sig", newline="") as handle:
                rows = csv.reader(handle)
                next(rows, None)
                for row in rows:
                    exclusions.add_excluded(Excluded(*row))
        if sink is not None:
            spools.append(_spool(folder, number))
    for mapping in (summary.formula_like, summary.formula_samples):
        for campaign in [c for c, value in mapping.items() if not value]:
            del mapping[campaign]
    if sink is not None:
        sink.spooled(spools)


def _chunk(folder: Path, number: int, index: int) -> Path:
    return folder / f"range-{number}-{index}.csv"


def _excluded(folder: Path, number: int) -> Path:
    return folder / f"range-{number}-excluded.csv"


def _spool(folder: Path, number: int) -> Path:
    return folder / f"range-{number}.cells"


class _Worker:
    """A row worker process and its pipes."""

    def __init__(self) -> None:
        self.errors = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pingan.export.parallel"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors,
        )

    def send(self, message: Mapping[str, Any]) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(_message(json.dumps(message, ensure_ascii=False).encode()))
            self.process.stdin.flush()
        except BrokenPipeError:
            self.fail()

    def receive(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.fail()
        return json.loads(line)

    def finish(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        if self.process.wait() != 0:
            self.fail()

    def fail(self) -> None:
        """Raise with the worker's own last error line."""
        self.process.wait()
        self.errors.seek(0)
        last = self.errors.read().decode(errors="replace").strip().splitlines()[-1:]
        raise RuntimeError(f"an export row worker failed: {''.join(last)}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):  # a broken pipe was reported already
                    stream.close()
        self.errors.close()


# --- the worker process ----------------------------------------------------------------------


#: The row worker's first-generation threshold for the cycle collector (Python's is 700):
#: a batch of rows allocates tens of thousands of containers, none of them in a cycle, and
#: at 700 the collector ran every few rows, about 5% of a worker's CPU.
GC_THRESHOLD = 100_000


def work(stream: IO[bytes], out: IO[str]) -> None:
    """Make the rows of each range the messages on *stream* name (see the module's doc)."""
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    start = json.loads(_read(stream))
    source = Source(**start["source"])
    today = datetime.date.fromisoformat(start["today"])
    folder = Path(start["folder"])
    with Reader(source) as reader:
        while True:
            message = json.loads(_read(stream))
            if message.get("end"):
                return
            out.write(_range(reader, message, start, today, folder))
            out.flush()


def _range(
    reader: Reader,
    message: Mapping[str, Any],
    start: Mapping[str, Any],
    today: datetime.date,
    folder: Path,
) -> str:
    """Make the rows of the range *message* names; → the result line."""
    from .package import PackageSummary, _Exclusions, _Part, _Spool, _write_records

    number = message["range"]
    summary = PackageSummary()
    parts = {
        spec["campaign"]: _Part(spec, today, _chunk(folder, number, spec["index"]), False)
        for spec in start["specs"]
    }
    exclusions = _Exclusions(_excluded(folder, number), summary)
    spool = _Spool(_spool(folder, number)) if start["workbooks"] else None
    try:
        records = itertools.chain.from_iterable(reader.read(message["lo"], message["hi"]))
        count = _write_records(records, parts, exclusions, summary, spool, None)
    finally:
        for part in parts.values():
            part.close()
        exclusions.close()
        if spool is not None:
            spool.close()
    result = {
        "range": number,
        "records": count,
        "rows": {campaign: part.rows for campaign, part in parts.items()},
        "formula_like": summary.formula_like,
        "formula_samples": summary.formula_samples,
        "excluded": summary.excluded_count,
        "peak_kib": _peak_kib(),
    }
    return json.dumps(result, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    work(sys.stdin.buffer, sys.stdout)
