"""The office's list of applications with 100,000 stored, for a district, town and village user.

A synthetic deployment of 5,001 units (one district, 50 towns of 99 villages) holds
100,000 applications spread over its villages. Each user's list page is timed through the
app (log-in session, query, template), and its query alone (``listing.list_page``: the
page's rows and a total counted up to ``listing.COUNT_CAP``). The district user's list has
no unit condition (the whole tree); a town's and a village's a ``unit IN (…)`` list. The
last page of the district list (a keyset position among the oldest rows) shows whether
paging deep costs more than the first page.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bs4 import BeautifulSoup
from sqlalchemy import select

from form_service.db import read_session
from form_service.models import Application
from form_service.office import listing
from form_service.office.auth import hash_password
from form_service.office_models import User

from .apps import StatementLog, bulk_store, database_of, make_app, on_each_database
from .sizes import pick
from .synthetic import write_deployment

STORED = pick(quick=10_000, default=100_000)
TOWNS, VILLAGES = 50, 99
USERS = {"district": "d", "town": "t0", "village": "t0-v0"}
PASSWORD = "benchmark horse battery"
CALLS = 10


def _median_ms(call: Callable, times: int = CALLS) -> float:
    samples = []
    for _ in range(times):
        begun = time.perf_counter()
        call()
        samples.append((time.perf_counter() - begun) * 1000)
    return statistics.median(samples)


def _log_in(app, unit: str):
    with database_of(app).write() as session:
        session.add(
            User(
                username=f"bench-{unit}",
                display_name=unit,
                unit=unit,
                role="reviewer",
                password_hash=hash_password(PASSWORD),
            )
        )
    client = app.test_client()
    page = BeautifulSoup(client.get("/office/login").data, "html.parser")
    token = page.select_one("input[name=csrf_token]")["value"]
    form = {"username": f"bench-{unit}", "password": PASSWORD, "csrf_token": token}
    response = client.post("/office/login", data=form)
    if response.status_code != 303:
        raise RuntimeError(f"office log-in failed: {response.status}")
    return client


def _query(app, unit: str, after: listing.Cursor | None = None) -> Callable[[], int]:
    """The list query alone for a user at *unit* (from *after*); returns the total it shows."""
    deployment = app.extensions["pingan_deployment"]
    scope = frozenset(u.id for u in deployment.tree.descendants(unit))
    list_filter = listing.ListFilter(after=after)

    def query() -> int:
        with app.app_context():
            return listing.list_page(
                read_session(), list_filter, scope, deployment, app.config["TIMEZONE"]
            ).total

    return query


def _measure(label: str, database_url: str, folder: Path) -> list[str]:
    data_dir = write_deployment(folder / "data", TOWNS, VILLAGES)
    app = make_app(data_dir, database_url, folder / "instance")
    database = database_of(app)
    statements = StatementLog(database.engine)
    lines = []
    try:
        form = app.extensions["pingan_forms"]["c"]
        villages = [unit for unit, _ in form["unit"].choices]
        begun = time.perf_counter()
        bulk_store(app, form, 0, STORED, villages)
        lines.append(
            f"office: {label:<10} {STORED:,} applications over {len(villages):,} villages "
            f"stored in {time.perf_counter() - begun:.1f} s (bulk, not timed below)"
        )
        for level, unit in USERS.items():
            client = _log_in(app, unit)

            sizes = []

            def page(client=client, sizes=sizes):
                response = client.get("/office/applications")
                assert response.status_code == 200, response.status
                sizes.append(len(response.data))

            page_ms = _median_ms(page)
            query = _query(app, unit)
            query_ms = _median_ms(query)
            lines.append(
                f"office: {label:<10} {level:<8} user  {query():>7,} shown     list page "
                f"{page_ms:7.1f} ms, {sizes[-1] / 1024:5.0f} KiB  (query {query_ms:6.1f} ms)"
            )
            (statement, parameters), *_ = statements.capture(query)
            lines.append(f"office:   plan: {statements.plan(statement, parameters)}")
        last = -(-STORED // listing.PAGE_SIZE)
        with database.sessions() as session:
            oldest = session.execute(
                select(Application.submitted_at, Application.id)
                .order_by(Application.submitted_at, Application.id)
                .offset(listing.PAGE_SIZE)
                .limit(1)
            ).one()
        query_ms = _median_ms(_query(app, USERS["district"], after=listing.Cursor.of(oldest)))
        lines.append(
            f"office: {label:<10} district user, last page ({last:,}): query {query_ms:.1f} ms"
        )
    finally:
        database.dispose()
    return lines


def run() -> list[str]:
    return on_each_database("office", _measure)
