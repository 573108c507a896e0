"""Volunteers' records at scale: the look-up, a sign-up and the unit reports, with plans.

Issue 11's target: with 1,000,000 registered volunteers and 10,000,000 attendance rows a
record look-up, a sign-up and a unit's monthly report each take ≤ 20 ms median on SQLite and
on PostgreSQL, none of them planned as a scan of a whole table.

The deployment is synthetic (``synthetic.py``): one district, towns, 39 villages a town
(12,001 units with ``--full``) and a records.yaml with Wujin's minimums (village squads 2
activities a month, towns 1 a month, the district 1 a quarter) and the county alliance's
training rule. About 85 volunteers serve in each village (one in 33 in its town); about
2 activities a month per village over three years (one in 20 a town's, one in 2,000 the
district's, one in 19 a training session, one in 53 cancelled), ten attendances each, and
every record's and unit's totals agree with its attendances. Rows are bulk-loaded
(``executemany`` in one transaction on SQLite, ``COPY`` on PostgreSQL, secondary indexes and
foreign keys dropped for the load and made again after it); the SQLite file is kept in
``build/bench-cache`` under the schema revision, the scale and ``GENERATOR`` and copied for
each run (the runs write: sign-ups).

Each operation runs through the service's own code, in-process: ``POST /volunteer`` (the
look-up: number and last four characters, then the record page), ``POST
/volunteer/activities/<id>/signup`` (a town's activity open to its volunteers, each run a
different volunteer), ``minimum_report`` for a town's scope in a month and for the whole
district, and ``training_report`` for a village and a town in a year. Beside them, in the
same run: ``GET /volunteer`` (a request that reads nothing), a primary-key ``Session.get``
of a volunteer record and a one-row ``UPDATE`` committed through ``Database.write`` (what a
durable commit costs on this disk); and the sign-up's own transaction, ``claim_place``, alone.
Each line gives the median and 95th percentile of wall time and the median CPU time of this
process (the client, Flask, SQLAlchemy and, on SQLite, the database; not the PostgreSQL
server's): on a machine shared with other work the wall time grows with the load, the CPU
time much less.

Each SQL statement of one run of each operation is explained
(``EXPLAIN QUERY PLAN`` / ``EXPLAIN``); a plan that reads a whole table (SQLite ``SCAN t``,
PostgreSQL ``Seq Scan`` of a loaded table or an index scan without a condition, and on both a
search whose only condition is the deployment, which every row shares) makes the
module fail after it has printed everything (the two wide reports, the whole district's and
a town's training report, are marked but do not fail: at the smaller scales a town holds a
third of the volunteers), and so does a median over the target.
"""

from __future__ import annotations

import datetime
import random
import re
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import yaml
from alembic.script import ScriptDirectory
from bs4 import BeautifulSoup
from sqlalchemy import update

from form_service.applications import identity_hash
from form_service.migrate import alembic_config
from form_service.volunteer_models import VolunteerRecord
from form_service.volunteer_reports import minimum_report, training_report
from form_service.volunteers import claim_place
from pingan.points import attendance_points
from pingan.stars import star_rating

from .apps import ROOT, TODAY, StatementLog, database_of, id_number, make_app, postgres_database
from .sizes import mode, pick
from .synthetic import write_deployment

#: Bump when the generated rows change, so that cached databases are made again.
GENERATOR = 1
TARGET_MS = 20.0
RUNS = pick(quick=200, default=200, full=300)
WIDE_RUNS = 20  # the whole district's report: bigger, fewer runs
TOWNS = pick(quick=3, default=30, full=300)
VILLAGES_PER_TOWN = 39
VOLUNTEERS = pick(quick=10_000, default=100_000, full=1_000_000)
#: Published activities with ten attendances each make the attendance rows.
ATTENDANCES = VOLUNTEERS * 10
PER_ACTIVITY = 10
MONTHS = 36
ZONE = "Asia/Shanghai"
CACHE = ROOT / "build" / "bench-cache"
SERVICE_TYPES = ("patrol", "mediation", "information", "publicity", "event-security")
#: Tables this module fills: a sequential scan of any of them fails the run.
LOADED = ("volunteer_records", "activities", "attendances", "volunteer_unit_totals")
CHUNK = 50_000

RECORDS_YAML = {
    "source": "合成测试：武进区的活动频次和县联盟的培训规则",
    "roles": [
        {"id": "core", "name": "骨干志愿者"},
        {"id": "member", "name": "志愿者", "default": True},
    ],
    "service_types": [
        {"id": "patrol", "name": "社会治安巡逻", "coefficient": 1},
        {"id": "mediation", "name": "矛盾纠纷调解", "coefficient": 1},
        {"id": "information", "name": "治安信息收集", "coefficient": 1},
        {"id": "publicity", "name": "安全防范宣传", "coefficient": 1},
        {"id": "event-security", "name": "参加安保活动", "coefficient": 1.5, "example": True},
    ],
    "points": {"per_hour": 1, "example": True, "text": "示例：每服务 1 小时积 1 分。"},
    "stars": {"by": "hours", "thresholds": [100, 300, 600, 1000, 1500], "example": True},
    "minimums": [
        {"level": "village", "activities": 2, "per": "month"},
        {"level": "town", "activities": 1, "per": "month"},
        {"level": "district", "activities": 1, "per": "quarter"},
    ],
    "training": {
        "per": "year",
        "offered": [
            {"role": "core", "at_least": 4},
            {"role": "member", "at_least": 1, "at_most": 2},
        ],
        "attended_at_least": 1,
    },
}


def run() -> Iterator[str]:
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="pingan-bench-volunteers-") as tmp:
        folder = Path(tmp)
        deployment = write_records_deployment(folder / "deployment", TOWNS)
        plan = Plan(TOWNS, VILLAGES_PER_TOWN, VOLUNTEERS, ATTENDANCES)
        yield (
            f"volunteers: {mode()} scale: {1 + TOWNS * (1 + VILLAGES_PER_TOWN):,} units, "
            f"{plan.volunteers:,} volunteers, {plan.activities:,} activities, "
            f"{plan.attendances:,} attendance rows; {RUNS} runs an operation"
        )
        yield from _measure("SQLite", folder, deployment, plan, None, failures)
        with postgres_database() as url:
            if url is None:
                yield "volunteers: PostgreSQL skipped (PINGAN_TEST_POSTGRES_URL is not set)"
            else:
                yield from _measure("PostgreSQL", folder, deployment, plan, url, failures)
    if failures:
        raise SystemExit("volunteers: FAILED\n" + "\n".join(failures))


# --- the data -------------------------------------------------------------------------------


def write_records_deployment(root: Path, towns: int) -> Path:
    """The synthetic deployment of *towns* towns, with the records.yaml above."""
    write_deployment(root, towns, VILLAGES_PER_TOWN)
    (root / "records.yaml").write_text(
        yaml.safe_dump(RECORDS_YAML, allow_unicode=True, sort_keys=False), "utf-8"
    )
    return root


class Plan:
    """Where every generated row goes: a pure function of the sizes, so two passes agree."""

    def __init__(self, towns: int, villages_per_town: int, volunteers: int, attendances: int):
        self.towns, self.per_town = towns, villages_per_town
        self.villages = towns * villages_per_town
        self.volunteers = volunteers
        self.per_village = volunteers // self.villages  # at least, for the attendees' choice
        published = attendances // PER_ACTIVITY
        self.activities = published + published // 52  # one in 53 is cancelled
        self.attendances = self.published_count() * PER_ACTIVITY
        end = datetime.datetime.combine(TODAY, datetime.time(1), datetime.UTC)
        self.first_day = end - datetime.timedelta(days=MONTHS * 365 // 12)
        self.span_seconds = (end - self.first_day).total_seconds()

    def village(self, v: int) -> str:
        return f"t{v // self.per_town}-v{v % self.per_town}"

    def town(self, v: int) -> str:
        return f"t{v // self.per_town}"

    def record_unit(self, i: int) -> str:
        v, k = i % self.villages, i // self.villages
        return self.town(v) if k % 33 == 32 else self.village(v)

    def record_role(self, i: int) -> str | None:
        return "core" if (i // self.villages) % 10 == 0 else None

    def record_id(self, v: int, k: int) -> int:
        """The *k*-th volunteer of village *v* (ids start at 1)."""
        k %= self.per_village
        return v + self.villages * (k + (1 if v == 0 else 0))

    def activity(self, j: int) -> tuple[str, str, str, str, datetime.datetime, int]:
        """(unit, kind, state, open_to, starts_at, minutes) of activity *j* (1-based)."""
        v = j % self.villages
        unit = "d" if j % 2000 == 0 else self.town(v) if j % 20 == 0 else self.village(v)
        kind = "training" if j % 19 == 0 else "activity"
        state = "cancelled" if j % 53 == 0 else "published"
        open_to = "public" if j % 97 == 0 else "unit"
        offset = self.span_seconds * (j - 1) / self.activities
        day = self.first_day + datetime.timedelta(seconds=offset)
        starts = datetime.datetime.combine(day.date(), datetime.time(1 + j % 9), datetime.UTC)
        return unit, kind, state, open_to, starts, 90 if kind == "training" else 120

    def attendees(self, j: int, unit: str) -> list[int]:
        """Ten volunteers of the activity's unit or below."""
        v, turn = j % self.villages, j // self.villages
        if unit == "d":
            step = max(self.villages // PER_ACTIVITY, 1)
            return [self.record_id((m * step) % self.villages, turn) for m in range(10)]
        if unit.count("-") == 0:  # a town: one from each of ten of its villages
            first = v - v % self.per_town
            return [self.record_id(first + m % self.per_town, turn + m) for m in range(10)]
        return [self.record_id(v, turn * PER_ACTIVITY + m) for m in range(PER_ACTIVITY)]

    def published_count(self) -> int:
        return self.activities - self.activities // 53

    def units(self) -> Iterator[str]:
        yield "d"
        for t in range(self.towns):
            yield f"t{t}"
            for v in range(self.per_town):
                yield f"t{t}-v{v}"


def _attendance(plan: Plan, rules) -> Iterator[tuple]:
    """(activity id, record id, unit, kind, service type, minutes, points, recorded at)."""
    points_of = {
        (kind, st): attendance_points(rules.points, st, minutes) if kind == "activity" else 0
        for st in SERVICE_TYPES
        for kind, minutes in (("activity", 120), ("training", 90))
    }
    for j in range(1, plan.activities + 1):
        unit, kind, state, _open_to, starts, minutes = plan.activity(j)
        if state != "published":
            continue
        service_type = SERVICE_TYPES[j % len(SERVICE_TYPES)]
        points = points_of[kind, service_type]
        recorded = starts + datetime.timedelta(days=1)
        for record_id in plan.attendees(j, unit):
            yield j, record_id, unit, kind, service_type, minutes, points, recorded


class Totals:
    """Per record and per unit, the sums the service keeps in the same transaction."""

    def __init__(self, plan: Plan, rules):
        size = plan.volunteers + plan.villages + 1
        self.minutes, self.points = [0] * size, [0] * size
        self.activities, self.trainings = [0] * size, [0] * size
        self.units: dict[str, list[int]] = {u: [0, 0, 0, 0] for u in plan.units()}
        for i in range(1, plan.volunteers + 1):
            self.units[plan.record_unit(i)][0] += 1
        for _j, record, unit, kind, _st, minutes, points, _at in _attendance(plan, rules):
            if kind == "training":
                self.trainings[record] += 1
            else:
                self.activities[record] += 1
                self.minutes[record] += minutes
            self.points[record] += points
            totals = self.units[unit]
            totals[1] += minutes if kind == "activity" else 0
            totals[2] += points
            totals[3] += 1


def table_rows(plan: Plan, rules, cipher, stamp: Callable) -> dict[str, tuple[list[str], Callable]]:
    """Each loaded table's columns and a function giving its rows (in chunks)."""
    registered = stamp(datetime.datetime(2023, 6, 1, 2, tzinfo=datetime.UTC))
    totals = Totals(plan, rules)

    def records() -> Iterator[tuple]:
        for i in range(1, plan.volunteers + 1):
            number = id_number(i)
            minutes = totals.minutes[i]
            stars, source = star_rating(rules.stars, minutes, None)
            yield (
                i,
                "synthetic",
                identity_hash(cipher, "resident_id", number),
                f"SY2026{i:07d}",
                f"志愿者{i}",
                number[-4:],
                plan.record_unit(i),
                plan.record_role(i),
                "[]",
                minutes,
                totals.points[i],
                totals.activities[i],
                totals.trainings[i],
                stars,
                source,
                0,
                registered,
                registered,
            )

    def activities() -> Iterator[tuple]:
        for j in range(1, plan.activities + 1):
            unit, kind, state, open_to, starts, minutes = plan.activity(j)
            begins = stamp(starts)
            taken = PER_ACTIVITY if state == "published" else 0
            yield (
                j,
                "synthetic",
                unit,
                kind,
                f"示例{'培训' if kind == 'training' else '活动'}{j}",
                "",
                SERVICE_TYPES[j % len(SERVICE_TYPES)],
                "示例地点",
                begins,
                stamp(starts + datetime.timedelta(minutes=minutes)),
                minutes,
                20,
                taken,
                "",
                open_to,
                state,
                begins,
                begins if state == "published" else None,
                begins,
            )

    def attendances() -> Iterator[tuple]:
        for n, (j, record, unit, kind, st, minutes, points, at) in enumerate(
            _attendance(plan, rules), 1
        ):
            recorded = stamp(at)
            yield (n, "synthetic", j, record, unit, kind, st, minutes, points, recorded, recorded)

    def unit_totals() -> Iterator[tuple]:
        for unit, (volunteers, minutes, points, count) in totals.units.items():
            yield ("synthetic", unit, volunteers, minutes, points, count)

    return {
        "volunteer_records": (
            "id deployment id_hmac volunteer_number name id_last4 unit role skills minutes "
            "points activities trainings stars star_source failed_lookups registered_at "
            "updated_at".split(),
            records,
        ),
        "activities": (
            "id deployment unit kind title content service_type place starts_at ends_at "
            "minutes places places_taken requirements open_to state created_at published_at "
            "updated_at".split(),
            activities,
        ),
        "attendances": (
            "id deployment activity_id record_id unit kind service_type minutes points "
            "recorded_at updated_at".split(),
            attendances,
        ),
        "volunteer_unit_totals": (
            "deployment unit volunteers minutes points attendances".split(),
            unit_totals,
        ),
    }


def _chunks(rows: Iterable[tuple]) -> Iterator[list[tuple]]:
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _sqlite_stamp(moment: datetime.datetime) -> str:
    """SQLAlchemy's SQLite DATETIME text (UTC, six-digit microseconds): compared as text."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def load_sqlite(path: Path, plan: Plan, rules, cipher) -> None:
    """Every table in one transaction; the secondary indexes made again afterwards."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-1000000")
        tables = table_rows(plan, rules, cipher, _sqlite_stamp)
        indexes = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({', '.join('?' * len(tables))})",
            list(tables),
        ).fetchall()
        connection.execute("BEGIN")
        for name, _sql in indexes:
            connection.execute(f'DROP INDEX "{name}"')
        for table, (columns, rows) in tables.items():
            insert = (
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})"
            )
            for chunk in _chunks(rows()):
                connection.executemany(insert, chunk)
        for _name, sql in indexes:
            connection.execute(sql)
        connection.execute("COMMIT")
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()


def load_postgres(engine, plan: Plan, rules, cipher) -> None:
    """``COPY`` per table; indexes and foreign keys dropped for the load, then made again."""
    tables = table_rows(plan, rules, cipher, lambda moment: moment)
    names = list(tables)
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
                (names,),
            )
            foreign = cursor.fetchall()
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) AND "
                "indexname NOT IN (SELECT conname FROM pg_constraint)",
                (names,),
            )
            indexes = cursor.fetchall()
            for table, name, _definition in foreign:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            for table, (columns, rows) in tables.items():
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows():
                        copy.write_row(row)
            for _name, definition in indexes:
                cursor.execute(definition)
            for table, name, definition in foreign:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            for table in names:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                    if table != "volunteer_unit_totals"
                    else "SELECT 1"
                )
        raw.commit()
        raw.driver_connection.autocommit = True
        try:
            with raw.cursor() as cursor:
                for table in names:
                    cursor.execute(f"VACUUM ANALYZE {table}")
        finally:
            raw.driver_connection.autocommit = False  # it goes back to the engine's pool
    finally:
        raw.close()


def _cache_path(url_engine) -> Path:
    head = ScriptDirectory.from_config(alembic_config(url_engine)).get_current_head()
    return CACHE / f"volunteers-{head}-{mode()}-g{GENERATOR}.sqlite3"


# --- measuring ------------------------------------------------------------------------------


def _measure(
    label: str, folder: Path, deployment: Path, plan: Plan, url: str | None, failures: list[str]
) -> Iterator[str]:
    begun = time.perf_counter()
    instance = folder / f"instance-{label}"
    if url is None:
        path = folder / "volunteers.sqlite3"
        app = make_app(deployment, f"sqlite:///{path}", instance)  # migrates
        database = database_of(app)
        cached = _cache_path(database.engine)
        if cached.exists():
            database.dispose()
            shutil.copyfile(cached, path)
            app = make_app(deployment, f"sqlite:///{path}", instance)
            database = database_of(app)
            how = f"copied from {cached.relative_to(ROOT)}"
        else:
            database.dispose()
            load_sqlite(path, plan, app.extensions["pingan_deployment"].records, _cipher(app))
            app = make_app(deployment, f"sqlite:///{path}", instance)
            database = database_of(app)
            database.refresh_statistics()  # the service's own bounded ANALYZE
            database.dispose()
            CACHE.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, cached)
            app = make_app(deployment, f"sqlite:///{path}", instance)
            database = database_of(app)
            how = f"loaded (executemany, one transaction), kept in {cached.relative_to(ROOT)}"
    else:
        app = make_app(deployment, url, instance)
        database = database_of(app)
        load_postgres(
            database.engine, plan, app.extensions["pingan_deployment"].records, _cipher(app)
        )
        how = "loaded (COPY), VACUUM ANALYZE"
    yield f"volunteers: {label:<10} database {how} in {time.perf_counter() - begun:.0f} s"
    try:
        yield from _operations(label, app, database, plan, failures)
    finally:
        database.dispose()


def _cipher(app):
    return app.extensions["pingan_cipher"]


def _operations(label: str, app, database, plan: Plan, failures: list[str]) -> Iterator[str]:
    statements = StatementLog(database.engine)
    deployment = app.extensions["pingan_deployment"]
    tree = deployment.tree
    client = app.test_client()
    page = BeautifulSoup(client.get("/volunteer").data, "html.parser")
    token = page.select_one("input[name=csrf_token]")["value"]
    chance = random.Random(20261123)
    ids = chance.sample(range(1, plan.volunteers + 1), RUNS + 1)

    def proof(i: int) -> dict[str, str]:
        return {"number": f"SY2026{i:07d}", "last4": id_number(i)[-4:], "csrf_token": token}

    lookups = iter(ids)

    def lookup():
        response = client.post("/volunteer", data=proof(next(lookups)))
        assert response.status_code == 200, response.status_code

    def floor():
        assert client.get("/volunteer").status_code == 200

    keys = iter(ids)

    def primary_key():
        with database.sessions() as session:
            assert session.get(VolunteerRecord, next(keys)) is not None

    touched = iter(ids)

    def commit():
        with database.write() as session:
            session.execute(
                update(VolunteerRecord)
                .where(VolunteerRecord.id == next(touched))
                .values(failed_lookups=0)
            )

    town = plan.town(chance.randrange(plan.villages))
    activity_id, claimed_id = (_sign_up_activity(database, plan, town) for _ in range(2))
    villages = {u.id for u in tree.descendants(town)}
    members = [i for i in range(1, plan.volunteers + 1) if plan.record_unit(i) in villages]
    joiners, claimers = (
        iter(chance.sample(members, RUNS + 1)),
        iter(chance.sample(members, RUNS + 1)),
    )

    def sign_up():
        response = client.post(
            f"/volunteer/activities/{activity_id}/signup", data=proof(next(joiners))
        )
        assert response.status_code == 200 and "您已报名" in response.text, response.status_code

    def claim():
        with app.app_context():
            claim_place(database, claimed_id, next(claimers))

    months = [TODAY.replace(day=1) - datetime.timedelta(days=30 * n) for n in range(24)]
    towns = [f"t{t}" for t in range(plan.towns)]
    scopes = {t: frozenset(u.id for u in tree.descendants(t)) for t in chance.sample(towns, 1)}
    everything = frozenset(u.id for u, _ in tree.walk())

    def report(scope_of: Callable[[], frozenset[str]]) -> Callable[[], None]:
        def call():
            scope = scope_of()
            with app.app_context(), database.sessions() as session:
                rows = minimum_report(session, deployment, scope, chance.choice(months), ZONE)
            assert rows

        return call

    def town_scope() -> frozenset[str]:
        t = chance.choice(towns)
        if t not in scopes:
            scopes[t] = frozenset(u.id for u in tree.descendants(t))
        return scopes[t]

    years = [TODAY.year - n for n in range(3)]

    def training(pick_unit: Callable[[], str]) -> Callable[[], None]:
        def call():
            with app.app_context(), database.sessions() as session:
                rows = training_report(session, deployment, pick_unit(), chance.choice(years), ZONE)
            assert rows

        return call

    operations = [
        ("GET /volunteer (reference: reads nothing)", floor, RUNS, None),
        ("primary-key get of a record (reference)", primary_key, RUNS, None),
        ("one-row UPDATE committed (write reference)", commit, RUNS, None),
        ("look-up: POST /volunteer", lookup, RUNS, TARGET_MS),
        ("sign-up: POST …/signup", sign_up, RUNS, TARGET_MS),
        ("  of which claim_place (its transaction)", claim, RUNS, None),
        ("minimum report, a town (40 units), month", report(town_scope), RUNS, TARGET_MS),
        ("minimum report, whole district", report(lambda: everything), WIDE_RUNS, None),
        (
            "training report, a village, year",
            training(lambda: plan.village(chance.randrange(plan.villages))),
            RUNS,
            None,
        ),
        (
            "training report, a town, year",
            training(lambda: chance.choice(towns)),
            WIDE_RUNS,
            None,
        ),
    ]
    # One run of each first, for its statements; then the timed runs in rounds, each
    # operation once a round (the wide ones every few rounds), so that a change in what
    # else the machine runs weighs on the references and the operations alike.
    captured = {name: statements.capture(call) for name, call, _times, _target in operations}
    samples: dict[str, list[float]] = {name: [] for name, *_ in operations}
    cpu: dict[str, list[float]] = {name: [] for name, *_ in operations}
    for turn in range(RUNS):
        for name, call, times, _target in operations:
            if turn % (RUNS // times) == 0 and len(samples[name]) < times:
                begun, used = time.perf_counter(), time.thread_time()
                call()
                samples[name].append((time.perf_counter() - begun) * 1000)
                cpu[name].append((time.thread_time() - used) * 1000)
    reference = statistics.median(samples[operations[0][0]])
    for name, _call, times, target in operations:
        median, p95 = statistics.median(samples[name]), _p95(samples[name])
        verdict = ""
        if target is not None:
            met = median <= target
            verdict = f"  target ≤ {target:g} ms: {'met' if met else 'NOT MET'}"
            if not met:
                failures.append(f"{label}: {name}: median {median:.2f} ms > {target:g} ms")
        yield (
            f"volunteers: {label:<10} {name:<44} median {median:7.2f} ms  p95 {p95:7.2f} ms  "
            f"CPU {statistics.median(cpu[name]):6.2f} ms  "
            f"({median / reference:5.1f}× GET /volunteer, {times} timed runs, "
            f"{len(captured[name])} statement(s)){verdict}"
        )
        for statement, parameters in captured[name]:
            plan_text = statements.plan(statement, parameters)
            scan = whole_table(plan_text, database.engine.dialect.name)
            mark = f"  ← SCANS {scan}" if scan else ""
            yield f"volunteers:   {_sql_head(statement)}: {plan_text}{mark}"
            if scan and times == RUNS:  # the wide reports read a large share by design
                failures.append(f"{label}: {name}: {_sql_head(statement)} scans {scan}")


def _sign_up_activity(database, plan: Plan, town: str) -> int:
    """A town's activity a month from now, open to its volunteers, with room for every run."""
    from form_service.volunteer_models import Activity

    starts = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=30)
    with database.write() as session:
        activity = Activity(
            deployment="synthetic",
            unit=town,
            kind="activity",
            title="示例报名活动",
            service_type="patrol",
            place="示例地点",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
            minutes=120,
            places=10_000,
            places_taken=0,
            open_to="unit",
            state="published",
        )
        session.add(activity)
        session.flush()
        return activity.id


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


_SQLITE_SCAN = re.compile(r"\bSCAN (\w+)")
#: A search whose only condition is the deployment reads all of it (one deployment a table).
_SQLITE_DEPLOYMENT = re.compile(r"SEARCH (\w+) USING (?:COVERING )?INDEX \w+ \(deployment=\?\)")
_PG_SEQ = re.compile(r"Seq Scan on (\w+)")
_PG_INDEX = re.compile(r"Index (?:Only )?Scan(?: Backward)? using \w+ on (\w+)")


def whole_table(plan: str, dialect: str) -> str | None:
    """The table a plan reads whole, if any: SQLite's ``SCAN t`` (with or without an index),
    PostgreSQL's ``Seq Scan`` of a loaded table, or an index scan with no condition."""
    if dialect == "sqlite":
        match = _SQLITE_SCAN.search(plan)
        if match and match.group(1) != "CONSTANT":
            return match.group(1)
        match = _SQLITE_DEPLOYMENT.search(plan)
        return f"{match.group(1)} (every row of the deployment)" if match else None
    for match in _PG_SEQ.finditer(plan):
        if match.group(1) in LOADED:
            return match.group(1)
    steps = plan.split(" / ")
    for n, step in enumerate(steps):
        match = _PG_INDEX.search(step)
        if match and match.group(1) in LOADED:
            rest = steps[n + 1 : n + 3]
            conditions = [s for s in rest if "Index Cond" in s]
            if not conditions:
                return f"{match.group(1)} (its whole index)"
            if re.fullmatch(
                r"Index Cond: \(\(?deployment\)?(::text)? = '[^']*'(::text)?\)",
                conditions[0].strip(),
            ):
                return f"{match.group(1)} (every row of the deployment)"
    return None


def _sql_head(statement: str) -> str:
    """``SELECT … FROM volunteer_records`` : what a plan line is about, short."""
    words = " ".join(statement.split())
    verb = words.split()[0].upper()
    table = re.search(r"(?:FROM|INTO|UPDATE)\s+(\w+)", words, re.IGNORECASE)
    return f"{verb} {table.group(1) if table else ''}".strip()
