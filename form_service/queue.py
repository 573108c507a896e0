"""Background work through one task queue (Huey): export jobs, the outbox, site rebuilds.

Where tasks wait: Redis when ``PINGAN_QUEUE_URL`` is ``redis://…`` (several service
instances and workers share it), else a SQLite file in the instance folder (the embedded
default, nothing to install). Both survive a restart: a task waits in storage until a
runner takes it.

Who runs them: ``pingan worker`` runs Huey's consumer (the production set-up: one or more
worker processes on any machine that reaches the database and the queue). With
``PINGAN_QUEUE_INLINE`` (on by default, so ``make demo`` needs one process) each app
process also runs one runner thread that takes tasks from the same queue.

A task carries an id, never personal data; what it works on lives in the database (an
``ExportJob``, ``OutboxMessage`` rows), and every task may run twice or be lost with a
killed worker: an export job is claimed with a conditional update and leased while it
reports progress, messages are claimed one by one, and ``sweep`` (every
``PINGAN_QUEUE_SWEEP_SECONDS``) queues again whatever a dead runner left behind.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from huey import RedisHuey, SqliteHuey
from huey.api import Huey
from sqlalchemy import event

log = logging.getLogger(__name__)

#: Longest pause of an idle inline runner between two looks at the queue.
IDLE_POLL_SECONDS = 1.0


def storage_for(url: str, name: str) -> Huey:
    """A Huey instance on Redis (``redis://…``) or on a SQLite file (``sqlite:///path``)."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name=name, url=url, results=False)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name=name, filename=str(path), results=False)
    raise ValueError(f"PINGAN_QUEUE_URL={url!r}: expected redis://… or sqlite:///…")


class TaskQueue:
    """The app's queue: named tasks bound to this app, and its inline runner."""

    def __init__(self, app: Flask):
        self.app = app
        deployment = app.extensions["pingan_deployment"]
        # One queue per deployment on a shared Redis: the name prefixes its keys.
        self.huey = storage_for(app.config["QUEUE_URL"], f"pingan-{deployment.id}")
        self._tasks: dict[str, Any] = {}
        self._sweepers: list[Callable[[], None]] = []
        self._runner: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._busy = 0
        self._pools: set[Any] = set()  # every pool the runner took a connection from
        self._state = threading.Lock()
        self.task("sweep", self.sweep)
        engine = app.extensions["pingan_db"].engine
        event.listen(engine, "engine_disposed", self._closing)

    def _closing(self, engine) -> None:
        """The app's database is closing: stop the runner, then empty the pool again (a
        connection the runner still held went back to the pool after it was emptied)."""
        self.stop_inline()
        for pool in (*self._pools, engine.pool):
            pool.dispose()
        self._pools.clear()

    # --- tasks

    def task(self, name: str, function: Callable[..., None]) -> None:
        """Register *function* as the task *name*; it runs inside this app's context."""

        def run(*args: Any) -> None:
            with self.app.app_context():
                function(*args)

        self._tasks[name] = self.huey.task(name=name)(run)

    def sweeper(self, function: Callable[[], None]) -> None:
        """Call *function* on every sweep (it queues again what a dead runner left)."""
        self._sweepers.append(function)

    def enqueue(self, name: str, *args: Any, delay: float | None = None) -> None:
        """Queue the task *name* (after *delay* seconds); wake this process's runner."""
        task = self._tasks[name]
        if delay:
            task.schedule(args=args, delay=delay)
        else:
            task(*args)
        self._wake.set()

    def sweep(self) -> None:
        for function in self._sweepers:
            try:
                function()
            except Exception as error:  # the database may be away: the next sweep retries
                log.warning("queue sweep failed: %s", type(error).__name__)

    # --- the inline runner

    def start_inline(self) -> None:
        """Run tasks in a thread of this process (``PINGAN_QUEUE_INLINE``)."""
        with self._state:
            if self._runner is None or not self._runner.is_alive():
                self._stop.clear()
                self._runner = threading.Thread(target=self._run, name="pingan-queue", daemon=True)
                self._runner.start()

    def stop_inline(self, timeout: float = 30.0) -> None:
        """Stop the runner after the task it is running (queued tasks wait in storage)."""
        self._stop.set()
        self._wake.set()
        runner = self._runner
        if runner is not None and runner is not threading.current_thread():
            runner.join(timeout)

    def wait_idle(self, timeout: float = 60.0) -> None:
        """Wait until the queue holds no task due now and none is running (tests)."""
        if self._runner is None or not self._runner.is_alive():
            return  # nothing in this process runs them: they wait for another runner
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            # The queue first: a runner counts itself busy before it takes a task, so an
            # empty queue then an idle runner means the task taken has finished.
            if self.huey.pending_count() == 0 and self._busy == 0:
                return
            self._wake.set()
            time.sleep(0.02)
        raise TimeoutError("task queue still busy")

    def run_once(self) -> bool:
        """Move due scheduled tasks into the queue, then run one task; False if none."""
        huey = self.huey
        now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)  # Huey's utc=True
        for task in huey.read_schedule(now):
            huey.enqueue(task)
        with self._state:
            self._busy += 1
        try:
            task = huey.dequeue()
            if task is None:
                return False
            huey.execute(task)
            return True
        finally:
            with self._state:
                self._busy -= 1

    def _run(self) -> None:
        sweep_every = float(self.app.config["QUEUE_SWEEP_SECONDS"])
        next_sweep = time.monotonic()
        pause = 0.05
        engine = self.app.extensions["pingan_db"].engine
        while not self._stop.is_set():
            self._pools.add(engine.pool)
            if time.monotonic() >= next_sweep:
                next_sweep = time.monotonic() + sweep_every
                with self.app.app_context():
                    self.sweep()
            try:
                ran = self.run_once()
            except Exception as error:  # storage away (Redis restarting): look again later
                log.warning("task queue not read: %s", type(error).__name__)
                ran = False
            if ran:
                pause = 0.05
                continue
            self._wake.wait(min(pause, max(next_sweep - time.monotonic(), 0.01)))
            self._wake.clear()
            pause = min(pause * 2, IDLE_POLL_SECONDS)


def init_queue(app: Flask) -> TaskQueue:
    queue = TaskQueue(app)
    app.extensions["pingan_queue"] = queue
    return queue


def get_queue(app: Flask) -> TaskQueue:
    return app.extensions["pingan_queue"]


def run_worker(app: Flask, workers: int) -> None:
    """``pingan worker``: Huey's consumer with *workers* threads, and the sweep.

    Huey's periodic tasks run at most once a minute; the sweep runs every
    ``QUEUE_SWEEP_SECONDS`` from a thread of its own instead, once at start-up first.
    """
    queue = get_queue(app)
    stop = threading.Event()

    def sweep_regularly() -> None:
        while not stop.is_set():
            with app.app_context():
                queue.sweep()
            stop.wait(float(app.config["QUEUE_SWEEP_SECONDS"]))

    sweeper = threading.Thread(target=sweep_regularly, name="pingan-sweep", daemon=True)
    sweeper.start()
    consumer = queue.huey.create_consumer(workers=workers, worker_type="thread", periodic=False)
    try:
        consumer.run()
    finally:
        stop.set()
        sweeper.join(30)
