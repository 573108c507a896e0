"""Response headers and the cross-site rule for the JSON API.

The service's own pages allow nothing but themselves (no inline script or style, no
external source; their one script, elder-mode.js for 长辈模式, is the site theme's file
served from the service's own origin); pages of the static site served in the demo get a
policy that fits MkDocs Material (inline scripts), still without external sources. Form
and status pages are never cached: they may hold the applicant's own answers.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Request, Response, current_app, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

SERVICE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SITE_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'"
)


def init_security(app: Flask) -> None:
    app.session_interface = CookieSessions()
    app.before_request(_note_untrusted_forwarding)
    app.after_request(_headers)


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session, its serializer built once for the app's keys.

    Flask builds the serializer (keys, salt, signer) for every request, cookie or not, and
    parses the cookies to look for the session's: a fifth of the JSON API's own work per
    submission, which never reads the session. A request without a ``Cookie`` header gets
    an empty session at once; everything else is Flask's.
    """

    _cached: tuple[Any, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        # By the key it was built with: the settings do not change while the app runs.
        cached = self._cached
        if cached is None or cached[0] != app.secret_key:
            cached = self._cached = (app.secret_key, super().get_signing_serializer(app))
        return cached[1]

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and "HTTP_COOKIE" not in request.environ:
            return self.session_class()
        return super().open_session(app, request)


def _note_untrusted_forwarding() -> None:
    """Warn once per process when a peer that is not a trusted proxy sends X-Forwarded-For.

    Behind a proxy with ``PINGAN_TRUSTED_PROXIES`` unset every client has the proxy's
    address: rate limits and the log-in lock-out then count all clients as one.
    """
    app = current_app._get_current_object()
    if app.config["TRUSTED_PROXIES"] or "X-Forwarded-For" not in request.headers:
        return
    if app.extensions.get("pingan_untrusted_forwarding_warned"):
        return
    app.extensions["pingan_untrusted_forwarding_warned"] = True
    app.logger.warning(
        "a request from %s carries X-Forwarded-For, but PINGAN_TRUSTED_PROXIES is 0: the "
        "header is ignored and every client behind that proxy shares its address (rate "
        "limits, log-in lock-out); set PINGAN_TRUSTED_PROXIES to the number of proxies",
        request.remote_addr,
    )


#: Headers every response gets unless its view set its own.
_EVERY_RESPONSE = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)


def _headers(response: Response) -> Response:
    # One pass over the response's headers: werkzeug's setdefault walks them for each name.
    headers = response.headers
    present = {name.lower() for name, _value in headers}
    blueprint = request.blueprint
    if "content-security-policy" not in present:
        headers.add("Content-Security-Policy", SITE_CSP if blueprint == "site" else SERVICE_CSP)
    for name, value in _EVERY_RESPONSE:
        if name.lower() not in present:
            headers.add(name, value)
    holds_answers = blueprint in ("apply", "status") and request.endpoint != "apply.theme"
    if holds_answers or (blueprint == "api" and request.method == "POST"):
        headers["Cache-Control"] = "no-store"
    return response


def client_ip() -> str:
    """The client's address as the proxy set-up gives it (``PINGAN_TRUSTED_PROXIES``)."""
    return (request.remote_addr or "unknown")[:45]


def origin_of(url: str | None) -> str | None:
    """``https://example.org/path`` → ``https://example.org``."""
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def allowed_origins() -> set[str]:
    """The service's own origin and the configured public site's."""
    config = current_app.config
    origins = {origin_of(config.get("PUBLIC_URL")), origin_of(config.get("SITE_URL"))}
    origins.add(origin_of(request.host_url))
    return {origin for origin in origins if origin}


def cross_site_refusal(req: Request) -> str | None:
    """Why a browser request comes from a site we do not trust, or None.

    Browsers send ``Origin`` on cross-origin POSTs and ``Sec-Fetch-Site`` everywhere they
    can; a request without either is not from a browser page (curl, a server) and cannot
    carry a victim's cookies, so it is allowed.
    """
    origin = req.headers.get("Origin")
    if origin is not None:
        if origin == "null" or origin not in allowed_origins():
            return f"不接受来自 {origin[:80]} 的跨站请求"
        return None
    fetch_site = req.headers.get("Sec-Fetch-Site")
    if fetch_site in ("cross-site", "same-site"):
        return "不接受跨站请求"
    return None


def cors_headers(response: Response) -> Response:
    """Let the configured site's pages read the response (quota progress, campaigns)."""
    origin = request.headers.get("Origin")
    site = origin_of(current_app.config.get("SITE_URL"))
    if origin and origin == site:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, Idempotency-Key"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Max-Age"] = "600"
        response.headers.add("Vary", "Origin")
    return response
