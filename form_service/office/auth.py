"""Office log-in: argon2 passwords, server-side sessions, lock-out, and the user's scope.

Sessions: the signed Flask cookie carries only a random token; ``office_sessions`` holds
its SHA-256 with the user and times. A session ends after ``OFFICE_SESSION_IDLE_MINUTES``
without a request, after ``OFFICE_SESSION_MAX_HOURS`` in any case, on log-out, and when
the password is reset (every row of the user is revoked). Logging in clears the cookie
and issues a new token (session rotation), so a token planted before log-in is useless.

Lock-out, answered with 429 and ``Retry-After`` (never by sleeping in a worker), and
computed from the stored attempts, so every worker and instance sees the same:

- per account: every ``OFFICE_LOCKOUT_FAILURES`` (5) failures in a row (since the account's
  last success, over the last day) lock that account, from any address, for
  ``OFFICE_LOCKOUT_MINUTES`` (15) the first time and twice as long each further time (30,
  60, … at most a day), counted from the failure that tripped it;
- per address: once one address has ``OFFICE_LOCKOUT_IP_FAILURES`` (20) failures within
  ``OFFICE_LOCKOUT_MINUTES``, each further one doubles a wait (1 s, 2 s, 4 s, … at most
  ``OFFICE_LOCKOUT_MINUTES``) that holds only for the accounts that failed from that address
  in that time. An account nobody mistyped from there is never held up, so behind a proxy
  (or a shared NAT) one attacker cannot lock every office out.

Tries refused by a lock are not checked and not counted, so a lock does not extend itself.
A success clears the account's count. Unknown user names cost the same argon2 work as
known ones and get the same message.

Scope: a user sees their unit and every unit below it (``UnitTree.descendants``),
computed once per request into ``g.office_scope`` and used as ``unit IN (...)`` in SQL.
"""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib
import math
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, current_app, g, redirect, request, session, url_for
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..db import get_db, read_session
from ..models import utcnow
from ..office_models import LoginAttempt, OfficeSession, User
from .audit import record

SESSION_KEY = "office_token"
MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()


def _dummy_hash() -> str:
    """A hash no password matches, with the hasher's parameters: checking a password
    against it costs what checking a real one does, and making it costs nothing (hashing
    one at import took 64 MiB for a moment in every process, the workers' included)."""

    def noise(size: int) -> str:
        return base64.b64encode(os.urandom(size)).decode("ascii").rstrip("=")

    parameters = f"m={_hasher.memory_cost},t={_hasher.time_cost},p={_hasher.parallelism}"
    return f"$argon2id$v=19${parameters}${noise(_hasher.salt_len)}${noise(_hasher.hash_len)}"


_DUMMY_HASH = _dummy_hash()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少 {MIN_PASSWORD_LENGTH} 个字符"
    if password.strip() != password:
        return "密码首尾不能有空格"
    return None


def verify_password(user: User | None, password: str) -> bool:
    """Check *password*; an unknown user costs the same argon2 work and fails."""
    try:
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and (
            user is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def _aware(moment: datetime.datetime) -> datetime.datetime:
    """SQLite returns naive UTC; PostgreSQL aware times."""
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- lock-out --------------------------------------------------------------------------------


#: Failures older than this never count, however many there were.
_MEMORY = datetime.timedelta(days=1)


@dataclass
class Lock:
    """A refusal to check a password, until *until*: of the account, or of the address."""

    until: datetime.datetime
    account: bool = True

    def retry_after(self, now: datetime.datetime) -> int:
        """Whole seconds to wait, for the ``Retry-After`` header."""
        return max(1, math.ceil((self.until - now).total_seconds()))

    def message(self, now: datetime.datetime) -> str:
        seconds = self.retry_after(now)
        wait = f"{seconds} 秒" if seconds < 60 else f"{(seconds + 59) // 60} 分钟"
        if not self.account:
            return f"登录失败次数过多，请 {wait}后再试。"
        return f"登录失败次数过多，账号已暂时锁定。请 {wait}后再试，或请管理员重置密码。"


def lock_for(db_session: Session, username: str, ip: str, now: datetime.datetime) -> Lock | None:
    """The lock on this account, or on this account from this address, at *now*, if any."""
    locks = [
        lock
        for lock in (
            _account_lock(db_session, username, now),
            _address_lock(db_session, username, ip, now),
        )
        if lock is not None and now < lock.until
    ]
    return max(locks, key=lambda lock: lock.until) if locks else None


def _account_lock(db_session: Session, username: str, now: datetime.datetime) -> Lock | None:
    config = current_app.config
    limit = config["OFFICE_LOCKOUT_FAILURES"]
    last_success = db_session.scalar(
        select(LoginAttempt.at)
        .where(LoginAttempt.username == username, LoginAttempt.succeeded.is_(True))
        .order_by(LoginAttempt.at.desc())
        .limit(1)
    )
    query = select(LoginAttempt.at).where(
        LoginAttempt.username == username,
        LoginAttempt.succeeded.is_(False),
        LoginAttempt.at > now - _MEMORY,
    )
    if last_success is not None:
        query = query.where(LoginAttempt.at > last_success)
    failures = [_aware(at) for at in db_session.scalars(query.order_by(LoginAttempt.at.desc()))]
    if not failures or len(failures) % limit:
        return None
    rounds = min(len(failures) // limit - 1, 16)
    length = datetime.timedelta(minutes=config["OFFICE_LOCKOUT_MINUTES"]) * 2**rounds
    return Lock(failures[0] + min(length, _MEMORY))


def _address_lock(
    db_session: Session, username: str, ip: str, now: datetime.datetime
) -> Lock | None:
    config = current_app.config
    window = datetime.timedelta(minutes=config["OFFICE_LOCKOUT_MINUTES"])
    rows = db_session.execute(
        select(LoginAttempt.at, LoginAttempt.username)
        .where(
            LoginAttempt.ip == ip,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.at > now - window,
        )
        .order_by(LoginAttempt.at.desc())
    ).all()
    beyond = len(rows) - config["OFFICE_LOCKOUT_IP_FAILURES"]
    if beyond < 0 or all(row.username != username for row in rows):
        return None
    wait = min(datetime.timedelta(seconds=2 ** min(beyond, 30)), window)
    return Lock(_aware(rows[0].at) + wait, account=False)


# --- logging in and out -------------------------------------------------------------------


@dataclass
class LoginResult:
    user: User | None = None
    error: str | None = None
    #: Seconds before another try is checked (``Retry-After``), when a lock holds.
    retry_after: int | None = None
    #: The try was refused unchecked because of a lock (429), not a wrong password (401).
    refused: bool = False


def log_in(username: str, password: str, ip: str) -> LoginResult:
    """Check the credentials against the lock-out; on success start a new session."""
    username = username.strip()[:60]
    now = utcnow()
    database = get_db()
    with database.write() as db_session:
        lock = lock_for(db_session, username, ip, now)
        if lock is not None:
            return LoginResult(
                error=lock.message(now), retry_after=lock.retry_after(now), refused=True
            )
        user = db_session.scalar(select(User).where(User.username == username))
        ok = verify_password(user, password) and user is not None and user.active
        db_session.add(LoginAttempt(username=username, ip=ip, succeeded=ok, at=now))
        if not ok:
            # The account's unit, so its administrators see attempts on it.
            unit = user.unit if user is not None else None
            record(db_session, "login_failed", actor=username or "-", unit=unit, ip=ip)
        if ok and _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
    if not ok:
        later = utcnow()
        with database.sessions() as fresh:
            lock = lock_for(fresh, username, ip, later)
        if lock is not None:
            return LoginResult(
                error=f"用户名或密码不正确。{lock.message(later)}",
                retry_after=lock.retry_after(later),
            )
        return LoginResult(error="用户名或密码不正确")
    _start_session(user, ip)
    return LoginResult(user=user)


def _start_session(user: User, ip: str, audit: bool = True) -> None:
    previous = session.get(SESSION_KEY)
    session.clear()
    token = secrets.token_urlsafe(32)
    with get_db().write() as db_session:
        if previous:
            _revoke(db_session, OfficeSession.token_hash == _token_hash(previous))
        db_session.add(OfficeSession(token_hash=_token_hash(token), user_id=user.id, ip=ip))
        if audit:
            record(db_session, "login", user=user, ip=ip)
    session[SESSION_KEY] = token
    session.permanent = False


def change_password(user: User, current: str, new: str, repeated: str, ip: str) -> list[str]:
    """Change *user*'s own password; the problems, or [] when changed.

    The current password is checked like a log-in: under the lock-out, and a wrong one
    counts as a failed attempt, so this form is no way round the lock. On success every
    session of the user ends (a stolen session dies with the old password) and this
    browser gets a new one.
    """
    now = utcnow()
    database = get_db()
    with database.write() as db_session:
        lock = lock_for(db_session, user.username, ip, now)
        if lock is not None:
            return [lock.message(now)]
        stored = db_session.get(User, user.id)
        if not verify_password(stored, current):
            db_session.add(LoginAttempt(username=user.username, ip=ip, succeeded=False, at=now))
            record(db_session, "password_change_failed", user=stored, ip=ip)
            return ["当前密码不正确"]
        problems = []
        problem = password_problem(new)
        if problem:
            problems.append(f"新密码：{problem}")
        elif new != repeated:
            problems.append("两次输入的新密码不一致")
        elif new == current:
            problems.append("新密码不能与当前密码相同")
        if problems:
            return problems
        stored.password_hash = hash_password(new)
        stored.password_changed_at = now
        revoke_sessions_of(db_session, stored.id)
        record(db_session, "password_changed", user=stored, ip=ip)
    session.pop(SESSION_KEY, None)
    _start_session(stored, ip, audit=False)
    return []


def log_out() -> None:
    token = session.pop(SESSION_KEY, None)
    session.clear()
    if token:
        with get_db().write() as db_session:
            _revoke(db_session, OfficeSession.token_hash == _token_hash(token))


def revoke_sessions_of(db_session: Session, user_id: int) -> None:
    _revoke(db_session, OfficeSession.user_id == user_id)


def _revoke(db_session: Session, condition) -> None:
    db_session.execute(
        update(OfficeSession)
        .where(condition, OfficeSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


# --- the current user and their scope --------------------------------------------------------


def load_user() -> None:
    """Find the session's user (``g.office_user``) and scope (``g.office_scope``)."""
    g.office_user = None
    g.office_scope = frozenset()
    token = session.get(SESSION_KEY)
    if not token:
        return
    config = current_app.config
    row = (
        read_session()
        .execute(
            select(OfficeSession, User)
            .join(User, User.id == OfficeSession.user_id)
            .where(OfficeSession.token_hash == _token_hash(token))
        )
        .first()
    )
    now = utcnow()
    if row is None:
        session.pop(SESSION_KEY, None)
        return
    office_session, user = row
    idle = datetime.timedelta(minutes=config["OFFICE_SESSION_IDLE_MINUTES"])
    longest = datetime.timedelta(hours=config["OFFICE_SESSION_MAX_HOURS"])
    expired = (
        office_session.revoked_at is not None
        or now - _aware(office_session.last_seen_at) > idle
        or now - _aware(office_session.created_at) > longest
        or not user.active
    )
    tree = current_app.extensions["pingan_deployment"].tree
    if expired or user.unit not in tree:
        session.pop(SESSION_KEY, None)
        return
    if now - _aware(office_session.last_seen_at) > datetime.timedelta(minutes=1):
        with get_db().write() as db_session:
            db_session.execute(
                update(OfficeSession)
                .where(OfficeSession.id == office_session.id)
                .values(last_seen_at=now)
            )
    g.office_user = user
    g.office_scope = frozenset(unit.id for unit in tree.descendants(user.unit))


def login_required(view: Callable) -> Callable:
    """Send a visitor without a session to the log-in page."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("office_user") is None:
            if request.method == "GET":
                return redirect(url_for("office.account.login", next=request.full_path.rstrip("?")))
            abort(401)
        return view(*args, **kwargs)

    return wrapped


def administrator_required(view: Callable) -> Callable:
    """Only administrators (after ``login_required``)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("office_user") is None:
            return login_required(view)(*args, **kwargs)
        if not g.office_user.is_administrator:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def require_unit_in_scope(unit: str) -> None:
    """404 for a unit outside the user's scope: not even its existence is confirmed."""
    if unit not in g.office_scope:
        abort(404)
