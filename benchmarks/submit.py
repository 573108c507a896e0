"""Submissions per second through the real service, beside a minimal app in the same run.

The service runs as in production: gunicorn with the shipped configuration
(``form_service.gunicorn_conf``), sync workers, rate limits raised but on, SQLite in WAL
with ``synchronous=FULL`` (or PostgreSQL). Its reference is ``minimal_app``: a Flask app
that inserts one row per POST through the same engine settings, under gunicorn with the
same number of workers. ``wrk`` (a second process, C) keeps 32 connections busy with POSTs
of Wujin's campaign's JSON, each with a distinct valid ID number (``submit.lua``); the
service must store every one (accepted = rows added ÷ seconds). Each database is measured
empty and again after bulk-storing applications up to the largest size (200,000; 1,000,000
with ``--full``); each app gets ``SECONDS`` of load (30 with ``--full``) in alternating
turns, and the service's figures print beside the minimal app's with the targets
(throughput ≥ 0.65 × and p99 ≤ 2 × the minimal app's), then the CPU seconds each app's
workers spent a request (``/proc``; what a request costs whatever else shares the cores)
and the load average during the turns. ``GET /ping`` on the minimal app
shows what the client can drive. A last run profiles the service's requests inside its
workers (cProfile, see ``profile_conf.py``) and prints the top ten functions by own time.
``PINGAN_BENCH_WORKERS`` sets the worker count of both apps (default 2).

Then two reads are timed in-process at the largest size: the progress endpoint (one
``GROUP BY unit`` over the campaign) and the status look-up, with the SQL statements each
request runs and their plans. PostgreSQL runs too when ``PINGAN_TEST_POSTGRES_URL`` is set
(a fresh database, dropped afterwards).
"""

from __future__ import annotations

import json
import os
import pstats
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from bs4 import BeautifulSoup
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from . import minimal_app
from .apps import (
    ROOT,
    TODAY,
    StatementLog,
    answers,
    bulk_store,
    database_of,
    id_number,
    make_app,
    postgres_database,
    reference,
)
from .profile_conf import WARM_REQUESTS
from .sizes import pick

CAMPAIGN = "wujin-2026"
WORKERS = int(os.environ.get("PINGAN_BENCH_WORKERS", "2"))
CLIENTS = 32
THREADS = 2  # wrk's threads: one per core is plenty for 32 connections
SECONDS = pick(quick=6, default=10, full=30)
SLICES = pick(quick=2, default=2, full=3)
WARM_UP_SECONDS = 2
SIZES = pick(quick=[0, 20_000], default=[0, 200_000], full=[0, 1_000_000])
#: Load-test ID numbers start above every bulk-stored one (``id_number`` is distinct below
#: 3,650,000); each run gets this many per second of load, far above what is served.
FIRST_LOAD_NUMBER = 1_500_000
NUMBERS_PER_SECOND = 3_000
THROUGHPUT_TARGET = 0.65
P99_TARGET = 2.0
PROFILE_TOP = 10
PROGRESS_CALLS = 20
LOOKUPS = 200
SCRIPT = Path(__file__).with_name("submit.lua")
READY_SECONDS = 60


def run() -> Iterator[str]:
    """Each line as soon as it is measured (a failure later in the run keeps the earlier ones)."""
    if shutil.which("wrk") is None:
        yield "submit: wrk is not installed (Debian: apt-get install -y wrk); skipped"
        return
    with tempfile.TemporaryDirectory(prefix="pingan-bench-submit-") as tmp:
        folder = Path(tmp)
        yield from _measure("SQLite", f"sqlite:///{folder / 'pingan.sqlite3'}", folder / "sqlite")
        with postgres_database() as url:
            if url is None:
                yield "submit: PostgreSQL skipped (PINGAN_TEST_POSTGRES_URL is not set)"
            else:
                yield from _measure("PostgreSQL", url, folder / "postgres")


def _measure(label: str, database_url: str, folder: Path) -> Iterator[str]:
    folder.mkdir(parents=True)
    app = make_app(ROOT / "data", database_url, folder / "instance")  # migrates
    form = app.extensions["pingan_forms"][CAMPAIGN]
    units = [unit for unit, _ in form["unit"].choices]
    database = database_of(app)
    minimal_app.create_tables(database_url)
    template = folder / "application.json"
    template.write_text(json.dumps(answers(form, "__ID_NUMBER__"), ensure_ascii=False), "utf-8")
    load = _Load(folder, template, database_url)
    env = _service_env(app.config, database_url, folder / "instance")
    service = _Gunicorn(folder, "service", env, "form_service:create_app()", shipped_config=True)
    reference_app = _Gunicorn(folder, "minimal", env, "benchmarks.minimal_app:create_app()")
    try:
        service.wait_answering("/api/v1/campaigns")
        reference_app.wait_answering("/ping")
        ceiling = load.run(reference_app.url("/ping"), max(2, SECONDS // 2), get=True)
        yield (
            f"submit: {label:<10} gunicorn -w {WORKERS} (sync), wrk {CLIENTS} connections, "
            f"{SECONDS} s a run; client ceiling (GET /ping on the minimal app) "
            f"{ceiling.rate:,.0f} req/s"
        )
        bulk = 0
        for size in SIZES:
            stored = load.count("applications")
            if size > stored:
                begun = time.perf_counter()
                bulk_store(app, form, bulk, size - stored, units)
                bulk += size - stored
                yield (
                    f"submit: {label:<10} bulk-stored {size - stored:,} applications in "
                    f"{time.perf_counter() - begun:.0f} s"
                )
            yield _compare(label, load, service, reference_app)
    finally:
        service.stop()
        reference_app.stop()
    try:
        yield from _profile(label, folder, env, load)
        yield from _reads(app, label, load.count("applications"), bulk, plans=True)
    finally:
        database.dispose()


def _compare(label: str, load: _Load, service: _Gunicorn, reference_app: _Gunicorn) -> str:
    """One line: the service beside the minimal app, at the table's present size.

    Each gets ``SECONDS`` of load in ``SLICES`` turns, taken in the order minimal, service,
    service, minimal …, so that a change in what else the machine runs meanwhile weighs on
    both alike.
    """
    stored = load.count("applications")
    path = f"/api/v1/campaigns/{CAMPAIGN}/applications"
    runs = {
        "minimal": (reference_app.url("/submit"), "minimal_submissions"),
        "service": (service.url(path), "applications"),
    }
    for url, table in runs.values():
        load.run(url, WARM_UP_SECONDS, table=table)
    servers = {"minimal": reference_app, "service": service}
    slices: dict[str, list[_Result]] = {"minimal": [], "service": []}
    cpu = {"minimal": 0.0, "service": 0.0}
    load_averages = []
    for turn in range(SLICES):
        order = ["minimal", "service"] if turn % 2 == 0 else ["service", "minimal"]
        for name in order:
            url, table = runs[name]
            before = servers[name].workers_cpu()
            slices[name].append(load.run(url, SECONDS // SLICES, table=table))
            cpu[name] += servers[name].workers_cpu() - before
            load_averages.append(os.getloadavg()[0])
    floor, ours = _Result.combined(slices["minimal"]), _Result.combined(slices["service"])
    ratio = ours.rate / floor.rate
    p99_ratio = ours.p99 / floor.p99
    met = ratio >= THROUGHPUT_TARGET and p99_ratio <= P99_TARGET and ours.refused == 0
    cpu_ours = cpu["service"] / (ours.answered or 1) * 1000
    cpu_floor = cpu["minimal"] / (floor.answered or 1) * 1000
    cpu_ratio = cpu_ours / cpu_floor if cpu_floor else float("nan")
    return (
        f"submit: {label:<10} {stored:>9,} stored  service {ours}  |  minimal app {floor}  |  "
        f"throughput {ratio:.2f}× (target ≥ {THROUGHPUT_TARGET}), p99 {p99_ratio:.2f}× "
        f"(target ≤ {P99_TARGET:g}): {'met' if met else 'NOT MET'}\n"
        f"submit: {label:<10} {stored:>9,} stored  workers' CPU a request: service "
        f"{cpu_ours:.2f} ms, minimal app {cpu_floor:.2f} ms ({cpu_ratio:.2f}×); load average "
        f"{min(load_averages):.1f}–{max(load_averages):.1f}"
    )


class _Result:
    """A wrk run: rows stored (or requests answered) per second, latencies, refusals."""

    def __init__(self, report: dict, stored: int | None):
        self.seconds = report["duration_us"] / 1e6
        self.answered = report["requests"]
        self.stored = stored if stored is not None else self.answered
        self.rate = self.stored / self.seconds
        self.p50 = report["p50_us"] / 1000
        self.p99 = report["p99_us"] / 1000
        self.refused = report["status_errors"] + report["socket_errors"] + report["timeouts"]

    @classmethod
    def combined(cls, results: list[_Result]) -> _Result:
        """Several runs as one: rows over seconds; percentiles weighted by requests (wrk
        gives each run's percentiles, not its samples)."""
        answered = sum(r.answered for r in results) or 1
        combined = cls.__new__(cls)
        combined.seconds = sum(r.seconds for r in results)
        combined.answered = answered
        combined.stored = sum(r.stored for r in results)
        combined.rate = combined.stored / combined.seconds
        combined.p50 = sum(r.p50 * r.answered for r in results) / answered
        combined.p99 = sum(r.p99 * r.answered for r in results) / answered
        combined.refused = sum(r.refused for r in results)
        return combined

    def __str__(self) -> str:
        refused = f", {self.refused} refused or failed" if self.refused else ""
        return f"{self.rate:6,.0f}/s p50 {self.p50:5.1f} ms p99 {self.p99:6.1f} ms{refused}"


class _Load:
    """wrk runs against one database, each with ID numbers no earlier run used."""

    def __init__(self, folder: Path, template: Path, database_url: str):
        self.folder = folder
        self.template = template
        self.next_number = FIRST_LOAD_NUMBER
        self.engine = create_engine(
            database_url.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=NullPool
        )

    def count(self, table: str) -> int:
        with self.engine.connect() as connection:
            return connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()

    def run(self, url: str, seconds: float, *, table: str | None = None, get: bool = False):
        command = ["wrk", "-t", str(THREADS), "-c", str(CLIENTS), "-d", f"{int(seconds)}s"]
        command += ["--timeout", "30s"]
        if get:
            command += ["-s", str(SCRIPT.with_name("ping.lua")), url]
        else:
            command += ["-s", str(SCRIPT), url, "--", str(self.template)]
            command += [str(self._numbers(seconds)), str(THREADS)]
        before = self.count(table) if table else None
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        match = re.search(r"^WRK (\{.*\})$", output, re.MULTILINE)
        if match is None:
            raise RuntimeError(f"wrk printed no summary:\n{output}")
        stored = self.count(table) - before if table else None
        return _Result(json.loads(match.group(1)), stored)

    def _numbers(self, seconds: float) -> Path:
        count = int(seconds * NUMBERS_PER_SECOND)
        path = self.folder / "id-numbers.txt"
        first, self.next_number = self.next_number, self.next_number + count
        with path.open("w", encoding="ascii") as file:
            file.writelines(f"{id_number(n)}\n" for n in range(first, first + count))
        return path


def _service_env(config, database_url: str, instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINGAN_")}
    env.update(
        PINGAN_DATA_DIR=str(ROOT / "data"),
        PINGAN_INSTANCE_DIR=str(instance),
        PINGAN_DATABASE_URL=database_url,
        PINGAN_TODAY=TODAY.isoformat(),
        PINGAN_SECRET_KEY=config["SECRET_KEY"],
        PINGAN_DATA_KEYS=config["DATA_KEYS"],
        PINGAN_HMAC_KEY=config["HMAC_KEY"],
        PINGAN_AUTO_MIGRATE="0",  # the in-process app above migrated
        PINGAN_APPLY_RATE_LIMIT="1000000 per minute",  # raised, still counted
        PINGAN_ALLOW_PER_WORKER_RATE_LIMITS="1",
    )
    return env


class _Gunicorn:
    """gunicorn on a free loopback port; the shipped config for the service."""

    def __init__(
        self,
        folder: Path,
        name: str,
        env: dict,
        app: str,
        *,
        shipped_config=False,
        config: str | None = None,
    ):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.log = folder / f"{name}-{self.port}.log"
        command = [sys.executable, "-m", "gunicorn", "-w", str(WORKERS)]
        if config or shipped_config:
            command += ["-c", config or "python:form_service.gunicorn_conf"]
        # No control socket: gunicorn's default path is one per user, shared by every
        # gunicorn on the machine (other apps, test runs).
        command += ["-b", f"127.0.0.1:{self.port}", "--no-control-socket"]
        command += ["--error-logfile", str(self.log), app]
        with self.log.open("ab") as log:  # what the master prints before its log is set up
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def workers_cpu(self) -> float:
        """CPU seconds (user + system) the workers have used so far, from ``/proc`` (0
        without it): what a request costs whatever else shares the cores."""
        pid = self.process.pid
        try:
            workers = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return 0.0
        ticks = 0
        for worker in workers:
            try:
                fields = Path(f"/proc/{worker}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # exited meanwhile
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def wait_answering(self, path: str) -> None:
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.url(path), timeout=5) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.HTTPError):
                time.sleep(0.2)
        log = self.log.read_text("utf-8") if self.log.exists() else ""
        raise RuntimeError(f"gunicorn did not answer {path}:\n{log[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _profile(label: str, folder: Path, env: dict, load: _Load) -> list[str]:
    """The service's requests profiled inside its workers: the top functions by own time."""
    profiles = folder / "profiles"
    profiles.mkdir(exist_ok=True)
    env = {**env, "PINGAN_BENCH_PROFILE_DIR": str(profiles)}
    server = _Gunicorn(
        folder,
        "profiled",
        env,
        "form_service:create_app()",
        config="python:benchmarks.profile_conf",
    )
    try:
        server.wait_answering("/api/v1/campaigns")
        path = f"/api/v1/campaigns/{CAMPAIGN}/applications"
        result = load.run(server.url(path), SECONDS, table="applications")
    finally:
        server.stop()
    files = sorted(str(path) for path in profiles.glob("*.prof") if path.stat().st_size)
    if not files:
        return [f"submit: {label:<10} profile: no worker wrote a profile"]
    stats = pstats.Stats(*files)
    total = stats.total_tt
    requests = sum(
        calls
        for (filename, _line, function), (_cc, calls, *_rest) in stats.stats.items()
        if function == "wsgi_app" and filename.endswith("flask/app.py")
    )
    if not requests or not total:
        return [f"submit: {label:<10} profile: no request was profiled"]
    rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)
    lines = [
        f"submit: {label:<10} profile of {requests:,} of {result.answered:,} requests under "
        f"load (cProfile in the workers after each one's first {WARM_REQUESTS}; "
        f"{total / requests * 1000:.2f} ms each, waits included), top {PROFILE_TOP} by own time:"
    ]
    for (filename, line, function), (_cc, calls, own, cumulative, _callers) in rows[:PROFILE_TOP]:
        where = f"{_short(filename)}:{line}({function})"
        lines.append(
            f"submit:   {own / total:5.1%} own {own:6.2f} s  cum {cumulative:6.2f} s  "
            f"{calls:>8,} calls  {where}"
        )
    return lines


def _short(filename: str) -> str:
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


# --- reads at the largest size ------------------------------------------------------------


def _csrf(client) -> str:
    page = BeautifulSoup(client.get("/status").data, "html.parser")
    return page.select_one("input[name=csrf_token]")["value"]


def _timed(call: Callable, times: int) -> float:
    """Median milliseconds of *times* calls."""
    samples = []
    for _ in range(times):
        begun = time.perf_counter()
        call()
        samples.append((time.perf_counter() - begun) * 1000)
    return statistics.median(samples)


def _reads(app, label: str, stored: int, bulk: int, plans: bool) -> list[str]:
    """Time the progress endpoint and status look-ups of random bulk-stored applications."""
    if bulk < LOOKUPS:
        return []
    statements = StatementLog(database_of(app).engine)
    client = app.test_client()
    token = _csrf(client)
    chosen = random.Random(stored).sample(range(bulk), LOOKUPS)
    targets = iter([(reference(n), id_number(n)[-4:]) for n in chosen])

    def progress():
        response = client.get(f"/api/v1/campaigns/{CAMPAIGN}/progress")
        assert response.status_code == 200 and response.json["units"], response.status

    def status():
        ref, last4 = next(targets)
        data = {"reference": ref, "last4": last4, "csrf_token": token}
        response = client.post("/status", data=data)
        assert response.status_code == 200, response.status

    lines = []
    for name, call, times in (("progress", progress, PROGRESS_CALLS), ("status", status, LOOKUPS)):
        captured = statements.capture(call)
        median = _timed(call, times - 1)
        lines.append(
            f"submit: {label:<10} {stored:>9,} stored  {name:<8} median {median:6.2f} ms "
            f"({len(captured)} SQL statement(s) per request)"
        )
        if plans:
            for statement, parameters in captured:
                lines.append(f"submit:   plan: {statements.plan(statement, parameters)}")
    return lines
