"""gunicorn configuration for ``submit``'s profile: the shipped one, each request profiled.

Every worker wraps its WSGI app in a ``cProfile.Profile`` that runs only while a request is
handled (not while the worker waits), from its ``WARM_REQUESTS + 1``-th request on (the first
ones pay for imports, connections and caches), and writes ``<pid>.prof`` into
``PINGAN_BENCH_PROFILE_DIR`` when the worker exits.
"""

from __future__ import annotations

import cProfile
import os
from typing import Any

from form_service.gunicorn_conf import logger_class, on_starting

__all__ = ["logger_class", "on_starting", "post_worker_init", "worker_exit"]

WARM_REQUESTS = 50

_profiler = cProfile.Profile()


def post_worker_init(worker: Any) -> None:
    app = worker.wsgi
    seen = [0]

    def profiled(environ, start_response):
        seen[0] += 1
        if seen[0] <= WARM_REQUESTS:
            return app(environ, start_response)
        _profiler.enable()
        try:
            return list(app(environ, start_response))
        finally:
            _profiler.disable()

    worker.wsgi = profiled


def worker_exit(_server: Any, worker: Any) -> None:
    _profiler.dump_stats(os.path.join(os.environ["PINGAN_BENCH_PROFILE_DIR"], f"{worker.pid}.prof"))
