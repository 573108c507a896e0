"""Flask extensions created once and bound to each app in ``create_app``.

``memory://`` rate limits use ``SweptMemoryStorage``: the ``limits`` library's memory
store starts a timer thread to drop expired counters whenever its last one has finished
(10 ms after it started), so under load a worker started a thread for nearly every
submission. Expired counters are already ignored when read; this store drops them inline,
at most once a second, and never starts a thread.

``ViewLimiter`` counts each request once. Every limit of the service is declared on its
view (``@limiter.limit``, ``@limiter.shared_limit``); flask-limiter also runs its whole
check before every request, for application-wide, default and blueprint limits, of which
the service has none: a second pass that found nothing to count and cost about a tenth of
a submission's CPU.
"""

import time

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from limits.storage import MemoryStorage

#: Seconds between two sweeps of expired counters (memory only: reads skip them anyway).
SWEEP_SECONDS = 1.0


class SweptMemoryStorage(MemoryStorage):
    """The ``limits`` memory store, expired entries swept inline instead of by a thread."""

    STORAGE_SCHEME = ["memory"]  # registers this class for memory:// URIs

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._next_sweep = time.monotonic() + SWEEP_SECONDS

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 (the base's private name)
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_SECONDS
            self._MemoryStorage__expire_events()


class ViewLimiter(Limiter):
    """flask-limiter with the limits declared on the views only (see the module's note)."""

    def _check_request_limit(
        self, callable_name: str | None = None, in_middleware: bool = True
    ) -> None:
        if in_middleware:
            return  # before the view: no application, default or blueprint limits to count
        super()._check_request_limit(callable_name, in_middleware)


csrf = CSRFProtect()
limiter = ViewLimiter(get_remote_address)
