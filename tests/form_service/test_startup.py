"""The production command, run for real: gunicorn with ``form_service.gunicorn_conf``.

Each test starts gunicorn on a free loopback port with the shipped configuration, as the
README's production command does, and stops it with SIGTERM. ``make test`` starts four
workers ten times on fresh and on reused instance folders; ``make soak`` runs the same test
fifty times (``PINGAN_STARTUP_STARTS``).
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
from pathlib import Path

import pytest
from applicants import TODAY, make_id
from gunicorn_server import READY_SECONDS, WORKERS, Servers, settings

from form_service.config import instance_secret

STARTS = int(os.environ.get("PINGAN_STARTUP_STARTS", "10"))


@pytest.fixture
def gunicorn(tmp_path):
    servers = Servers(tmp_path)
    yield servers.start
    servers.stop_all()


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


def _read_secret(folder: str) -> str:
    return instance_secret(Path(folder), "secret_key", lambda: secrets.token_urlsafe(48))


def test_processes_creating_one_key_at_once_all_read_the_whole_first_one(tmp_path):
    """No process ever reads an empty or half-written key, and all agree on one."""
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        for round_ in range(10):
            folder = tmp_path / f"instance-{round_}"
            keys = pool.map(_read_secret, [str(folder)] * 8, chunksize=1)
            assert len(set(keys)) == 1 and len(keys[0]) == 64
            assert (folder / "secret_key").stat().st_mode & 0o777 == 0o600
            assert sorted(path.name for path in folder.iterdir()) == [".gitignore", "secret_key"]
