"""Two service instances behind one address, on one PostgreSQL and one Redis.

Instance A is gunicorn whose processes also run queued tasks (``PINGAN_QUEUE_INLINE``);
instance B is gunicorn serving pages only, with a ``pingan worker`` started once A is gone.
Both take submissions from many clients (one rate limit shared through Redis), an office
asks A for a large export, and A is killed in the middle of writing it: the export is
finished by B's worker, every acknowledged application is stored once, and no person is
stored twice.
"""

from __future__ import annotations

import dataclasses
import datetime
import http.cookiejar
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from applicants import ROOT, TEST_KEYS, TODAY
from gunicorn_server import Gunicorn, Servers, settings
from postgres_server import fresh_postgres_database
from redis_server import redis_server
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from form_service.models import Application
from form_service.office.auth import hash_password
from form_service.office_models import ExportJob, User
from pingan.idnumber import compose_id_number

pytestmark = pytest.mark.postgres

PASSWORD = "correct horse battery"
APPLY = "/api/v1/campaigns/wujin-2026/applications"
LIMIT = 6  # submissions a minute per address (every load client has an address of its own)
#: Rows copied into the database so that the export takes long enough to be interrupted.
BULK_ROWS = 40_000
#: The ``pingan`` command of this environment.
PINGAN = str(Path(sys.executable).parent / "pingan")


@pytest.fixture
def fresh_postgres():
    """A database of this test's own (the instances migrate it), dropped afterwards."""
    with fresh_postgres_database("pingan_scale") as url:
        yield url


def _environment(tmp: Path, number: int, database: str, redis: str, **extra: str):
    keys = {f"PINGAN_{key}": value for key, value in TEST_KEYS.items()}
    return settings(
        tmp / f"instance-{number}",
        PINGAN_DATABASE_URL=database,
        PINGAN_QUEUE_URL=redis,
        PINGAN_RATELIMIT_STORAGE_URI=redis,
        PINGAN_TRUSTED_PROXIES="1",
        PINGAN_APPLY_RATE_LIMIT=f"{LIMIT} per minute",
        PINGAN_EXPORT_DIR=str(tmp / "exports"),  # storage every instance reaches
        PINGAN_EXPORT_BACKGROUND_THRESHOLD="100",
        PINGAN_EXPORT_LEASE_SECONDS="3",
        PINGAN_QUEUE_SWEEP_SECONDS="1",
        **keys,
        **extra,
    )


def _kill_tree(server: Gunicorn, how: int) -> None:
    """Signal gunicorn's master and its workers at once, as a machine that dies would."""
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for process in [pid, *map(int, children)]:
        try:
            os.kill(process, how)
        except ProcessLookupError:
            pass


def _body(number: int) -> bytes:
    birth = datetime.date(1980, 1, 1) + datetime.timedelta(days=number)
    answers = {
        "name": "张示例",
        "id_number": compose_id_number("320412", birth, 7),
        "mobile": "13800138000",
        "unit": "hutang",
        "registration_address": "湖塘镇示例社区",
    }
    return json.dumps(answers).encode()


class Load:
    """Submissions from many clients (one address each), to both instances in turn."""

    def __init__(self, servers: list[Gunicorn], template: dict):
        self.servers = servers
        self.template = template
        self.acknowledged: list[str] = []
        self.lock = threading.Lock()
        self.number = 0

    def submit(self, number: int) -> int:
        server = self.servers[number % len(self.servers)]
        answers = {**self.template, **json.loads(_body(number))}
        request = urllib.request.Request(
            server.url(APPLY),
            data=json.dumps(answers).encode(),
            headers={
                "Content-Type": "application/json",
                "X-Forwarded-For": f"10.0.{number // 256 % 256}.{number % 256}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                reference = json.load(response)["reference"]
                with self.lock:
                    self.acknowledged.append(reference)
                return response.status
        except urllib.error.HTTPError as error:
            error.close()
            return error.code
        except OSError:
            return 0  # the instance is gone: nothing acknowledged

    def run(self, numbers) -> list[int]:
        with ThreadPoolExecutor(max_workers=16) as pool:
            return list(pool.map(self.submit, numbers))


class Office:
    """An office clerk's browser session (cookies), on whichever instance it is sent to."""

    def __init__(self):
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def open(self, url: str, data: dict | None = None) -> Answer:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            response = self.opener.open(url, body, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            return Answer(response.status, response.headers, response.read())

    def login(self, server: Gunicorn, username: str) -> None:
        page = self.open(server.url("/office/login")).body.decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
        answer = self.open(
            server.url("/office/login"),
            {"csrf_token": token, "username": username, "password": PASSWORD},
        )
        assert answer.status == 303, answer.body[:300]


@dataclasses.dataclass
class Answer:
    status: int
    headers: Any
    body: bytes


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _answers_template() -> dict:
    """The rest of a valid Wujin application (the fields ``_body`` leaves out)."""
    from applicants import Applicant

    from form_service import create_app

    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(ROOT / "data"),
            "DATABASE_URL": "sqlite://",
            "TODAY": TODAY,
            "QUEUE_INLINE": False,
            "QUEUE_URL": "sqlite:///" + str(Path("/tmp") / f"q-{uuid.uuid4().hex}.sqlite3"),
            **TEST_KEYS,
        }
    )
    answers = Applicant(app).answers(unit="hutang")
    Path(app.config["QUEUE_URL"].removeprefix("sqlite:///")).unlink(missing_ok=True)
    app.extensions["pingan_db"].dispose()
    return answers


def test_two_instances_share_limits_and_finish_an_export_when_one_dies(fresh_postgres, tmp_path):
    with redis_server(tmp_path) as redis:
        upgrade = subprocess.run(
            [PINGAN, "db", "upgrade"],
            cwd=ROOT,
            env=_environment(tmp_path, 9, fresh_postgres, redis),
            capture_output=True,
            text=True,
        )
        assert upgrade.returncode == 0, upgrade.stderr
        engine = create_engine(fresh_postgres, poolclass=NullPool)
        with engine.begin() as connection:
            connection.execute(
                User.__table__.insert().values(
                    username="wujin-admin",
                    display_name="武进区管理员",
                    unit="wujin",
                    role="administrator",
                    password_hash=hash_password(PASSWORD),
                )
            )

        servers = Servers(tmp_path)
        try:
            a = servers.start(_environment(tmp_path, 1, fresh_postgres, redis), 2)
            b = servers.start(
                _environment(tmp_path, 2, fresh_postgres, redis, PINGAN_QUEUE_INLINE="0"), 2
            )
            a.wait_answering("/apply/")
            b.wait_answering("/apply/")
            load = Load([a, b], _answers_template())

            # A limit counts one address across both instances (Redis).
            # (A body that is not JSON is refused with 415 after the limit has counted it.)
            statuses = [
                server.get(APPLY, b"x", **{"Content-Type": "text/plain", "X-Forwarded-For": ip})
                for server in [a, b] * LIMIT
                for ip in ["192.0.2.1"]
            ]
            assert statuses[:LIMIT] == [415] * LIMIT
            assert set(statuses[LIMIT:]) == {429}

            # Both instances take submissions from many clients at once.
            assert set(load.run(range(200))) == {201}

            # Copies of one application make the export long enough to interrupt.
            _copy_rows(engine, BULK_ROWS)
            office = Office()
            office.login(a, "wujin-admin")
            started = office.open(a.url("/office/units/wujin/export.zip"))
            assert started.status in (302, 303), started.body[:300]
            token = started.headers["Location"].rstrip("/").rsplit("/", 1)[1]

            # More submissions while A writes the export; A dies half-way through it.
            during = threading.Thread(target=load.run, args=(range(200, 400),))
            during.start()
            job = _wait_for(engine, token, lambda job: job.done >= 10_000, seconds=120)
            _kill_tree(a, signal.SIGSTOP)
            assert _job(engine, token).state == "running"  # caught in the middle
            _kill_tree(a, signal.SIGKILL)
            a.process.wait(10)
            during.join()

            worker = subprocess.Popen(
                [PINGAN, "worker", "--threads", "1"],
                cwd=ROOT,
                env=_environment(tmp_path, 2, fresh_postgres, redis, PINGAN_QUEUE_INLINE="0"),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            try:
                job = _wait_for(engine, token, lambda job: job.state != "running", seconds=180)
            finally:
                worker.send_signal(signal.SIGINT)
                stderr = worker.communicate(timeout=60)[1].decode()
            assert job.state == "done", (job.state, job.error, stderr[-2000:])

            # The package is whole, and B serves it from the shared folder.
            office.login(b, "wujin-admin")
            download = office.open(b.url(f"/office/exports/{token}/download"))
            assert download.status == 200
            with zipfile.ZipFile(io.BytesIO(download.body)) as package:
                descriptor = json.loads(package.read("datapackage.json"))
                csv_name = descriptor["resources"][0]["path"]
                lines = package.read(csv_name).decode("utf-8-sig").splitlines()
            with engine.connect() as connection:
                stored = connection.scalar(select(func.count()).select_from(Application))
            assert job.total <= len(lines) - 1 <= stored

            # Every acknowledged application is stored once; nobody is stored twice.
            with engine.connect() as connection:
                references = connection.scalars(
                    select(Application.reference).where(Application.via.is_(None))
                ).all()
                people = connection.execute(
                    select(Application.id_hmac, func.count())
                    .group_by(Application.id_hmac)
                    .having(func.count() > 1)
                ).all()
            assert len(load.acknowledged) >= 200
            acknowledged = {reference.replace("-", "") for reference in load.acknowledged}
            assert acknowledged <= set(references)
            assert len(set(load.acknowledged)) == len(load.acknowledged)
            assert people == []
        finally:
            servers.stop_all()
            engine.dispose()


def _copy_rows(engine, count: int) -> None:
    """*count* copies of the first application, each its own person (``via`` marks them)."""
    with engine.begin() as connection:
        columns = [
            column.name
            for column in Application.__table__.columns
            if column.name not in ("id", "reference", "id_hmac", "via", "channel")
        ]
        listed = ", ".join(columns)
        connection.execute(
            text(
                f"INSERT INTO applications (reference, id_hmac, via, channel, {listed}) "
                f"SELECT 'C' || lpad(n::text, 9, '0'), md5('copy' || n), 'copy', 'import', "
                f"{listed} FROM applications, generate_series(1, :count) AS n "
                f"WHERE applications.id = (SELECT min(id) FROM applications)"
            ),
            {"count": count},
        )


def _job(engine, token: str) -> ExportJob:
    with engine.connect() as connection:
        return connection.execute(select(ExportJob).where(ExportJob.token == token)).one()


def _wait_for(engine, token: str, check, seconds: float):
    deadline = time.monotonic() + seconds
    while True:
        job = _job(engine, token)
        if check(job):
            return job
        assert time.monotonic() < deadline, f"export job still {job.state}, {job.done} rows"
        time.sleep(0.01)
