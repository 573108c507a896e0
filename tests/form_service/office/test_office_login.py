"""Log-in: argon2 passwords, server-side sessions that rotate and can be revoked, lock-out."""

from __future__ import annotations

import datetime
import logging

from offices import PASSWORD, Office, audit_actions, csrf_of, get_db_of, page
from sqlalchemy import func, select, update

from form_service.office_models import LoginAttempt, OfficeSession, User


def sessions_of(app, user_id: int) -> list[OfficeSession]:
    with get_db_of(app).sessions() as session:
        return list(session.scalars(select(OfficeSession).where(OfficeSession.user_id == user_id)))


def test_passwords_are_stored_as_argon2_hashes(app):
    account = Office(app, "hutang")
    with get_db_of(app).sessions() as session:
        stored = session.get(User, account.user_id).password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_logging_in_rotates_the_session_and_the_cookie_holds_only_a_token(app):
    account = Office(app, "hutang")
    account.client.get("/office/login")
    before = account.client.get_cookie("session")
    assert account.login().status_code == 303
    after = account.client.get_cookie("session")
    assert before is None or before.value != after.value
    rows = sessions_of(app, account.user_id)
    assert len(rows) == 1 and len(rows[0].token_hash) == 64
    assert "hutang" not in after.value


def test_a_second_log_in_in_the_same_browser_revokes_the_first_session(app):
    account = Office(app, "hutang")
    account.login()
    account.login()
    rows = sessions_of(app, account.user_id)
    assert [row.revoked_at is None for row in rows] == [False, True]


def test_logging_out_revokes_the_session_on_the_server(app):
    account = Office(app, "hutang")
    account.login()
    cookie = account.client.get_cookie("session").value
    account.post("/office/logout")
    assert all(row.revoked_at is not None for row in sessions_of(app, account.user_id))
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    assert replay.get("/office/applications").status_code == 302


def test_an_idle_session_expires(app):
    account = Office(app, "hutang")
    account.login()
    with get_db_of(app).write() as session:
        session.execute(
            update(OfficeSession).values(
                last_seen_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
            )
        )
    assert account.get("/office/applications").status_code == 302


def test_a_wrong_password_gets_one_message_for_unknown_and_known_names(app):
    account = Office(app, "hutang")
    wrong = page(account.login("wrong password 1")).select_one("#login-error").get_text(strip=True)
    account.username = "nobody"
    unknown = (
        page(account.login("wrong password 1")).select_one("#login-error").get_text(strip=True)
    )
    assert wrong == unknown == "用户名或密码不正确"


def pass_time(app, **delta) -> None:
    """Move every stored log-in attempt into the past, as if *delta* had gone by."""
    with get_db_of(app).write() as session:  # row by row: SQLite stores times as text
        for attempt in session.scalars(select(LoginAttempt)):
            attempt.at -= datetime.timedelta(**delta)


def error_of(response) -> str:
    return page(response).select_one("#login-error").get_text(strip=True)


def test_five_failures_lock_the_account_for_fifteen_minutes(app):
    account = Office(app, "hutang")
    failures = [account.login("wrong password 1") for _ in range(5)]
    assert [response.status_code for response in failures] == [401] * 5
    assert "Retry-After" not in failures[3].headers
    # Counted from the attempt's start: a slow password check may take a second off.
    assert 15 * 60 - 5 <= int(failures[4].headers["Retry-After"]) <= 15 * 60
    assert "账号已暂时锁定" in error_of(failures[4])
    locked = account.login()  # the right password, refused unchecked
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
    assert "账号已暂时锁定" in error_of(locked) and "15 分钟后再试" in error_of(locked)
    assert "login_failed" in audit_actions(app)
    pass_time(app, minutes=16)
    assert account.login().status_code == 303


def test_each_further_lock_of_an_account_lasts_twice_as_long(app):
    account = Office(app, "hutang")
    for _ in range(5):
        account.login("wrong password 1")
    pass_time(app, minutes=16)
    second = [account.login("wrong password 1") for _ in range(5)][-1]
    assert 30 * 60 - 5 <= int(second.headers["Retry-After"]) <= 30 * 60
    pass_time(app, minutes=16)
    assert account.login().status_code == 429
    pass_time(app, minutes=15)
    assert account.login().status_code == 303


def test_an_accounts_lock_holds_from_every_address(app):
    account = Office(app, "hutang")
    for _ in range(5):
        account.login("wrong password 1")
    elsewhere = Office(app, "hutang", username="hutang-reviewer-2")
    elsewhere.username = account.username
    elsewhere.client.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert elsewhere.login().status_code == 429


def test_tries_while_locked_do_not_extend_the_lock(app):
    account = Office(app, "hutang")
    for _ in range(5):
        account.login("wrong password 1")
    for _ in range(3):
        assert account.login("wrong password 1").status_code == 429
    with get_db_of(app).sessions() as session:
        assert session.scalar(select(func.count()).select_from(LoginAttempt)) == 5


def test_one_address_failing_for_many_names_locks_no_other_account(app):
    """Behind a proxy every office shares the proxy's address: an attacker there who tries
    name after name must not lock out an office that did nothing wrong."""
    attacker = Office(app, "hutang", username="attacker-target")
    for n in range(30):
        attacker.username = f"guess-{n}"
        assert attacker.login("wrong password 1").status_code in (401, 429)
    bystander = Office(app, "niutang")
    assert bystander.login().status_code == 303


def test_failures_beyond_the_address_limit_slow_the_accounts_tried_there(office_app):
    app = office_app("wujin", OFFICE_LOCKOUT_IP_FAILURES=3)
    accounts = [Office(app, "hutang", username=f"user-{n}") for n in range(4)]
    failures = [account.login("wrong password 1") for account in accounts[:3]]
    assert [response.status_code for response in failures] == [401] * 3
    assert failures[2].headers["Retry-After"] == "1"
    assert "1 秒后再试" in error_of(failures[2])
    assert accounts[3].login().status_code == 303  # never failed here: not held up
    waits = []
    for _ in range(3):
        pass_time(app, seconds=20)
        failure = accounts[0].login("wrong password 1")
        assert failure.status_code == 401
        waits.append(int(failure.headers["Retry-After"]))
    assert waits == [2, 4, 8]  # grows with the address's failures, never by a sleep
    held = accounts[0].login()
    assert held.status_code == 429 and 0 < int(held.headers["Retry-After"]) <= 8
    assert accounts[3].login().status_code == 303
    pass_time(app, seconds=20)
    assert accounts[1].login().status_code == 303


def test_a_success_clears_the_accounts_failures(app):
    account = Office(app, "hutang")
    for _ in range(4):
        account.login("wrong password 1")
    assert account.login().status_code == 303
    for _ in range(4):
        account.login("wrong password 1")
    assert account.login().status_code == 303


def test_the_log_in_form_needs_its_csrf_token(app):
    Office(app, "hutang")
    client = app.test_client()
    response = client.post(
        "/office/login", data={"username": "hutang-reviewer", "password": PASSWORD}
    )
    assert response.status_code == 400
    token = csrf_of(client.get("/office/login").data)
    assert token


def test_next_only_leads_inside_the_office(app):
    account = Office(app, "hutang")
    response = account.login(next="https://evil.example/office/")
    assert response.headers["Location"] == "/office/applications"


def test_a_forwarded_request_from_an_untrusted_peer_is_logged_once(app, caplog):
    """Without PINGAN_TRUSTED_PROXIES the header is ignored: the operator is told once."""
    caplog.set_level(logging.WARNING, logger=app.logger.name)
    client = app.test_client()
    client.get("/office/login")
    assert "X-Forwarded-For" not in caplog.text
    for address in ("198.51.100.1", "198.51.100.2"):
        client.get("/office/login", headers={"X-Forwarded-For": address})
    warnings = [r for r in caplog.records if "X-Forwarded-For" in r.getMessage()]
    assert len(warnings) == 1
    assert "PINGAN_TRUSTED_PROXIES" in warnings[0].getMessage()
    assert warnings[0].levelno == logging.WARNING


def test_a_forwarded_request_through_a_trusted_proxy_is_not_logged(office_app, caplog):
    app = office_app("wujin", TRUSTED_PROXIES=1)
    caplog.set_level(logging.WARNING, logger=app.logger.name)
    app.test_client().get("/office/login", headers={"X-Forwarded-For": "198.51.100.1"})
    assert "X-Forwarded-For" not in caplog.text
