"""The production command, run for real: gunicorn with ``form_service.gunicorn_conf``.

Each test starts gunicorn on a free loopback port with the shipped configuration, as the
README's production command does, and stops it with SIGTERM. ``make test`` starts four
workers ten times on fresh and on reused instance folders; ``make soak`` runs the same test
fifty times (``PINGAN_STARTUP_STARTS``).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from applicants import ROOT, TODAY, make_id

STARTS = int(os.environ.get("PINGAN_STARTUP_STARTS", "10"))
#: Seconds for four workers to start on a 2-core machine (migrations and keys included).
READY_SECONDS = 60
STOP_SECONDS = 30
WORKERS = 4


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def settings(instance: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINGAN_")}
    env.update(
        PINGAN_DATA_DIR=str(ROOT / "data"),
        PINGAN_INSTANCE_DIR=str(instance),
        PINGAN_TODAY=TODAY.isoformat(),
    )
    env.update(extra)
    return env


class Gunicorn:
    """``gunicorn -c python:form_service.gunicorn_conf`` on a free port of 127.0.0.1."""

    def __init__(self, tmp: Path, env: dict[str, str], workers: int = WORKERS, *args: str):
        self.port = free_port()
        self.error_log = tmp / f"error-{self.port}.log"
        self.access_log = tmp / f"access-{self.port}.log"
        command = [sys.executable, "-m", "gunicorn", "-c", "python:form_service.gunicorn_conf"]
        command += ["-w", str(workers), "-b", f"127.0.0.1:{self.port}"]
        command += ["--error-logfile", str(self.error_log), "--access-logfile"]
        command += [str(self.access_log), *args, "form_service:create_app()"]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str) -> int:
        try:
            with urllib.request.urlopen(self.url(path), timeout=10) as response:
                response.read()
                return response.status
        except urllib.error.HTTPError as error:
            error.close()
            return error.code

    def wait_answering(self, path: str, seconds: float = READY_SECONDS) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.failure("gunicorn stopped")
            try:
                if self.get(path) == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(self.failure(f"{path} did not answer 200 in {seconds} s"))

    def answering_workers(self, path: str, workers: int, seconds: float) -> set[str]:
        """The worker ids that answered *path* with 200, asking until all *workers* have."""
        deadline = time.monotonic() + seconds
        seen: set[str] = set()
        with ThreadPoolExecutor(max_workers=2 * workers) as pool:
            while len(seen) < workers and time.monotonic() < deadline:
                statuses = list(pool.map(lambda _: self.get(path), range(4 * workers)))
                assert set(statuses) == {200}, self.failure(f"statuses {statuses}")
                log = self.access_log.read_text(encoding="utf-8")
                seen = set(re.findall(r"^<(\d+)> 200 ", log, re.MULTILINE))
        return seen

    def stop(self) -> int:
        """SIGTERM, then the exit status (gunicorn's graceful shutdown)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        finally:
            self.process.stderr.close()
        return self.process.returncode

    def stderr(self) -> str:
        self.stop()
        return self.error_log.read_text(encoding="utf-8") if self.error_log.exists() else ""

    def failure(self, what: str) -> str:
        log = self.error_log.read_text(encoding="utf-8") if self.error_log.exists() else ""
        return f"{what}\n{log[-3000:]}"


@pytest.fixture
def gunicorn(tmp_path):
    started: list[Gunicorn] = []

    def start(env: dict[str, str], workers: int = WORKERS, *args: str) -> Gunicorn:
        server = Gunicorn(tmp_path, env, workers, *args)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.mark.slow
def test_four_workers_start_every_time_on_fresh_and_existing_instances(tmp_path, gunicorn):
    """Keys and migrations happen once in the master: no worker races another."""
    instance = tmp_path / "instance-0"
    for start in range(STARTS):
        if start % 2 == 0:  # a fresh instance folder, then the same one with keys present
            instance = tmp_path / f"instance-{start}"
        env = settings(instance, PINGAN_ALLOW_PER_WORKER_RATE_LIMITS="1")
        server = gunicorn(env, WORKERS, "--access-logformat", "%(p)s %(s)s %(U)s")
        server.wait_answering("/apply/")
        answered = server.answering_workers("/apply/", WORKERS, READY_SECONDS)
        assert len(answered) == WORKERS, server.failure(f"start {start}: workers {answered}")
        assert server.stop() == 0, server.failure(f"start {start}: exit status")
        assert "Traceback" not in server.error_log.read_text(encoding="utf-8")
        keys = sorted(path.name for path in instance.iterdir() if path.name.endswith("key"))
        assert keys == ["hmac_key", "secret_key"]
        for name in ("secret_key", "hmac_key", "data_keys"):
            assert (instance / name).stat().st_mode & 0o777 == 0o600
            assert (instance / name).read_text(encoding="utf-8").strip()
        assert not list(instance.glob(".*.tmp"))


def test_several_workers_on_in_memory_rate_limits_refuse_to_start(tmp_path, gunicorn):
    server = gunicorn(settings(tmp_path / "instance"), 2)
    assert server.process.wait(READY_SECONDS) != 0
    message = server.process.stderr.read().decode() + server.stderr()
    assert "PINGAN_RATELIMIT_STORAGE_URI" in message
    assert "refusing to start" in message


def test_a_database_behind_its_migrations_refuses_to_start_without_auto_migrate(tmp_path, gunicorn):
    env = settings(tmp_path / "instance", PINGAN_AUTO_MIGRATE="0")
    server = gunicorn(env, 1)
    assert server.process.wait(READY_SECONDS) != 0
    message = server.process.stderr.read().decode()
    assert "pingan db upgrade" in message


def test_the_access_log_holds_no_id_number(tmp_path, gunicorn):
    """An office search by an ID number (raw, or percent-encoded after a name) is redacted."""
    number = make_id(TODAY.replace(year=1990))
    server = gunicorn(
        settings(tmp_path / "instance"), 1, "--access-logformat", "%(r)s %(s)s %(q)s %(f)s"
    )
    server.wait_answering("/apply/")
    paths = [
        f"/office/applications?name={number}",
        f"/office/applications?name=%E5%BC%A0{number}&unit=wujin",
        f"/office/applications?name={number[:6]}%{ord(number[6]):X}{number[7:]}",
    ]
    for path in paths:
        assert server.get(path) in (200, 302, 401)
    assert server.stop() == 0
    log = server.access_log.read_text(encoding="utf-8")
    assert log.count("/office/applications") >= len(paths)
    assert "[redacted]" in log
    for part in (number, number[:17], number[7:]):
        assert part not in log
