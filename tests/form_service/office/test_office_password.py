"""An office user changes their own password: checked, hashed, sessions rotated, audited."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from offices import PASSWORD, audit_actions, get_db_of, page
from sqlalchemy import select

from form_service.office_models import LoginAttempt, OfficeSession, User

NEW = "a much longer passphrase"


def change(account, current=PASSWORD, new=NEW, repeat=None):
    return account.post(
        "/office/password",
        {
            "current_password": current,
            "new_password": new,
            "repeat_password": new if repeat is None else repeat,
        },
    )


def stored_hash(app, user_id: int) -> str:
    with get_db_of(app).sessions() as session:
        return session.get(User, user_id).password_hash


def test_the_form_asks_for_the_current_password_and_the_new_one_twice(app, office):
    form = page(office(app, "hutang").get("/office/password"))
    fields = {i["name"]: i.get("autocomplete") for i in form.select("form input[type=password]")}
    assert fields == {
        "current_password": "current-password",
        "new_password": "new-password",
        "repeat_password": "new-password",
    }
    assert form.select_one(".masthead a[href='/office/password']")


def test_a_change_stores_an_argon2_hash_rotates_the_session_and_is_audited(app, office):
    account = office(app, "hutang")
    second = app.test_client()  # the same session copied into another browser
    second.set_cookie("session", account.client.get_cookie("session").value)
    before = account.client.get_cookie("session").value
    response = change(account)
    assert response.status_code == 303
    assert PasswordHasher().verify(stored_hash(app, account.user_id), NEW)
    assert account.client.get_cookie("session").value != before
    assert account.get("/office/applications").status_code == 200
    assert second.get("/office/applications").status_code == 302  # the old session is gone
    with get_db_of(app).sessions() as session:
        live = session.scalars(
            select(OfficeSession).where(
                OfficeSession.user_id == account.user_id, OfficeSession.revoked_at.is_(None)
            )
        ).all()
    assert len(live) == 1
    assert "password_changed" in audit_actions(app, user_id=account.user_id)
    account.post("/office/logout")
    assert account.login(NEW).status_code == 303


@pytest.mark.parametrize(
    ("current", "new", "repeat", "message"),
    [
        ("wrong password 1", NEW, NEW, "当前密码不正确"),
        (PASSWORD, "short", "short", "至少 10 个字符"),
        (PASSWORD, NEW, NEW + "x", "两次输入的新密码不一致"),
        (PASSWORD, PASSWORD, PASSWORD, "不能与当前密码相同"),
        (PASSWORD, " " + NEW, " " + NEW, "首尾不能有空格"),
    ],
)
def test_a_refused_change_says_why_and_changes_nothing(app, office, current, new, repeat, message):
    account = office(app, "hutang")
    before = stored_hash(app, account.user_id)
    response = change(account, current, new, repeat)
    assert response.status_code == 422
    assert message in page(response).select_one("#password-error").get_text()
    assert stored_hash(app, account.user_id) == before
    assert account.get("/office/applications").status_code == 200


def test_wrong_current_passwords_count_towards_the_lock_out(app, office):
    account = office(app, "hutang")
    for _ in range(5):
        change(account, current="wrong password 1")
    response = change(account)
    assert "锁定" in page(response).select_one("#password-error").get_text()
    with get_db_of(app).sessions() as session:
        failures = session.scalars(
            select(LoginAttempt).where(LoginAttempt.succeeded.is_(False))
        ).all()
    assert len(failures) == 5
    assert "password_change_failed" in audit_actions(app)


def test_the_change_needs_its_csrf_token(app, office):
    account = office(app, "hutang")
    response = account.client.post(
        "/office/password",
        data={"current_password": PASSWORD, "new_password": NEW, "repeat_password": NEW},
    )
    assert response.status_code == 400
    assert PasswordHasher().verify(stored_hash(app, account.user_id), PASSWORD)
