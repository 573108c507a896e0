"""Applications per second through the Flask app, and read latency as the table grows.

Submissions go through the whole app (Flask test client, Wujin's campaign, today frozen):
the HTML form POST (CSRF token, validation, encryption, one write transaction committed
with ``synchronous=FULL`` on SQLite) and the JSON API. Then rows are bulk-stored to
10,000 and 100,000 applications and two reads are timed: the progress endpoint (one
``GROUP BY unit`` over the campaign, answered from a covering index) and the status
look-up (a unique-index look-up by reference, then the latest reason by application id).
Each read's SQL statements are counted and the database's plan is printed, which shows
that neither reads rows one by one. PostgreSQL runs too when ``PINGAN_TEST_POSTGRES_URL``
is set (a fresh database, dropped afterwards).
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bs4 import BeautifulSoup
from werkzeug.datastructures import MultiDict

from .apps import (
    ROOT,
    StatementLog,
    answers,
    bulk_store,
    database_of,
    id_number,
    make_app,
    on_each_database,
    reference,
)
from .sizes import pick

CAMPAIGN = "wujin-2026"
SUBMISSIONS = pick(quick=200, default=1_000)
STORED = pick(quick=[10_000], default=[10_000, 100_000])
PROGRESS_CALLS = 20
LOOKUPS = 200


def _form_data(values: dict, token: str) -> MultiDict:
    data: list[tuple[str, str]] = [("csrf_token", token)]
    for key, value in values.items():
        if value is True:
            data.append((key, "on"))
        elif isinstance(value, list):
            data.extend((key, item) for item in value)
        else:
            data.append((key, value))
    return MultiDict(data)


def _csrf(client) -> str:
    page = BeautifulSoup(client.get("/status").data, "html.parser")
    return page.select_one("input[name=csrf_token]")["value"]


def _submissions(app, label: str, first: int) -> list[str]:
    """Time SUBMISSIONS form POSTs and as many API POSTs; every one must be stored."""
    form = app.extensions["pingan_forms"][CAMPAIGN]
    client = app.test_client()
    token = _csrf(client)
    lines = []
    channels: list[tuple[str, Callable]] = [
        (
            "HTML form",
            lambda values: client.post(f"/apply/{CAMPAIGN}", data=_form_data(values, token)),
        ),
        (
            "JSON API ",
            lambda values: client.post(f"/api/v1/campaigns/{CAMPAIGN}/applications", json=values),
        ),
    ]
    for offset, (channel, post) in enumerate(channels):
        start = first + offset * SUBMISSIONS
        begun = time.perf_counter()
        for n in range(start, start + SUBMISSIONS):
            response = post(answers(form, id_number(n)))
            if response.status_code not in (201, 303):
                raise RuntimeError(f"{channel} refused a valid application: {response.status}")
        seconds = time.perf_counter() - begun
        lines.append(
            f"submit: {label:<10} {channel} {SUBMISSIONS:,} applications {seconds:6.2f} s  "
            f"{SUBMISSIONS / seconds:6.0f}/s  ({seconds / SUBMISSIONS * 1000:5.1f} ms each)"
        )
    return lines


def _timed(call: Callable, times: int) -> float:
    """Median milliseconds of *times* calls."""
    samples = []
    for _ in range(times):
        begun = time.perf_counter()
        call()
        samples.append((time.perf_counter() - begun) * 1000)
    return statistics.median(samples)


def _reads(
    app, label: str, stored: int, bulk: int, statements: StatementLog, plans: bool
) -> list[str]:
    """Time the progress endpoint and status look-ups of random bulk-stored applications."""
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
            f"submit: {label:<10} {stored:>7,} stored  {name:<8} median {median:6.2f} ms "
            f"({len(captured)} SQL statement(s) per request)"
        )
        if plans:
            for statement, parameters in captured:
                lines.append(f"submit:   plan: {statements.plan(statement, parameters)}")
    return lines


def _measure(label: str, database_url: str, instance: Path) -> list[str]:
    app = make_app(ROOT / "data", database_url, instance)
    database = database_of(app)
    try:
        lines = _submissions(app, label, first=1_000_000)
        form = app.extensions["pingan_forms"][CAMPAIGN]
        units = [unit for unit, _ in form["unit"].choices]
        statements = StatementLog(database.engine)
        bulk = 0
        for target in STORED:  # the submissions above count towards each total
            more = target - 2 * SUBMISSIONS - bulk
            bulk_store(app, form, bulk, more, units)
            bulk += more
            lines += _reads(app, label, target, bulk, statements, plans=target == STORED[-1])
        return lines
    finally:
        database.dispose()


def run() -> list[str]:
    return on_each_database("submit", _measure)
