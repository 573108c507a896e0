"""Log-in: argon2 passwords, server-side sessions that rotate and can be revoked, lock-out."""

from __future__ import annotations

import datetime

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


def test_five_failures_lock_the_account_for_fifteen_minutes(app):
    account = Office(app, "hutang")
    statuses = [account.login("wrong password 1").status_code for _ in range(5)]
    assert statuses == [401] * 5
    locked = account.login()
    assert locked.status_code == 401
    message = page(locked).select_one("#login-error").get_text()
    assert "账号已暂时锁定" in message and "分钟后再试" in message
    assert "login_failed" in audit_actions(app)
    with get_db_of(app).write() as session:
        session.execute(
            update(LoginAttempt).values(at=LoginAttempt.at - datetime.timedelta(minutes=16))
        )
    assert account.login().status_code == 303


def test_tries_while_locked_do_not_extend_the_lock(app):
    account = Office(app, "hutang")
    for _ in range(5):
        account.login("wrong password 1")
    for _ in range(3):
        account.login("wrong password 1")
    with get_db_of(app).sessions() as session:
        assert session.scalar(select(func.count()).select_from(LoginAttempt)) == 5


def test_many_failures_from_one_address_lock_that_address(office_app):
    app = office_app("wujin", OFFICE_LOCKOUT_IP_FAILURES=3)
    accounts = [Office(app, "hutang", username=f"user-{n}") for n in range(4)]
    for account in accounts[:3]:
        account.login("wrong password 1")
    message = page(accounts[3].login()).select_one("#login-error").get_text()
    assert "锁定" in message


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
