"""gunicorn with the shipped configuration, on a free port of 127.0.0.1, for tests.

``Servers.start`` runs ``gunicorn -c python:form_service.gunicorn_conf`` as the README's
production command does; ``stop_all`` sends SIGTERM and waits, as an init system would.
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

from applicants import ROOT, TODAY

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

    def get(self, path: str, data: bytes | None = None, **headers: str) -> int:
        """The status of a request (a redirect is followed)."""
        request = urllib.request.Request(self.url(path), data=data, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
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


class Servers:
    """The gunicorns a test started, all stopped at its end."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.started: list[Gunicorn] = []

    def start(self, env: dict[str, str], workers: int = WORKERS, *args: str) -> Gunicorn:
        server = Gunicorn(self.tmp, env, workers, *args)
        self.started.append(server)
        return server

    def stop_all(self) -> None:
        for server in self.started:
            server.stop()
