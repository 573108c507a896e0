"""Test helpers for the offices: accounts, a logged-in office client, stored applications.

A plain module (not conftest) so that test modules can import it by name.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from applicants import AREA_CODES, ROOT, Applicant, make_id
from bs4 import BeautifulSoup
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from form_service.db import get_db
from form_service.models import Application
from form_service.office.auth import hash_password
from form_service.office_models import AuditEvent, User

PASSWORD = "correct horse battery"
#: Deployments the office tests use beyond the form service's own list.
OFFICE_DEPLOYMENTS = {"chongqing": ROOT / "examples" / "chongqing"}
AREA_CODES_MORE = {"chongqing-2026": "500103", "expo-2026": "310112"}
# Hashing with argon2's default cost is slow on purpose; tests hash one password once.
PASSWORD_HASH = hash_password(PASSWORD)


class OfficeApplicant(Applicant):
    """An applicant for any campaign of the app (ID numbers from the campaign's area)."""

    def next_id(self, birth: datetime.date | None = None, campaign: str | None = None) -> str:
        self.sequence += 1
        campaign = campaign or self.campaign
        area = AREA_CODES_MORE.get(campaign) or AREA_CODES.get(
            {"shanxi-2026": "shanxi-youth", "wujin-2026": "wujin"}.get(campaign, ""), "320412"
        )
        return make_id(birth or datetime.date(1990, 5, 17), area, self.sequence)

    def stored(self, campaign: str | None = None, **overrides: Any) -> Application:
        """Submit through the form and return the stored row."""
        response = self.submit(campaign, **overrides)
        assert response.status_code == 303, response.data.decode()[:2000]
        with get_db_of(self.app).sessions() as session:
            return session.scalars(select(Application).order_by(Application.id.desc())).first()


def get_db_of(app):
    with app.app_context():
        return get_db()


def add_user(app, username: str, unit: str, role: str = "reviewer") -> int:
    with get_db_of(app).write() as session:
        user = User(
            username=username,
            display_name=username,
            unit=unit,
            role=role,
            password_hash=PASSWORD_HASH,
        )
        session.add(user)
        session.flush()
        return user.id


def csrf_of(html: bytes) -> str:
    return BeautifulSoup(html, "html.parser").select_one("input[name=csrf_token]")["value"]


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


class Office:
    """A browser of one office account: logs in, reads, reviews, exports."""

    def __init__(self, app, unit: str, role: str = "reviewer", username: str | None = None):
        self.app = app
        self.unit = unit
        self.username = username or f"{unit}-{role}"
        self.user_id = add_user(app, self.username, unit, role)
        self.client = app.test_client()
        self.token: str | None = None

    def login(self, password: str = PASSWORD, next: str | None = None):
        token = csrf_of(self.client.get("/office/login").data)
        data = {"username": self.username, "password": password, "csrf_token": token}
        if next is not None:
            data["next"] = next
        response = self.client.post("/office/login", data=data)
        self.token = None
        return response

    def csrf(self) -> str:
        if self.token is None:
            self.token = csrf_of(self.client.get("/office/applications").data)
        return self.token

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict | list | None = None, **kwargs):
        data = list((data or {}).items()) if isinstance(data, dict) else list(data or [])
        data.append(("csrf_token", self.csrf()))
        return self.client.post(url, data=MultiDict(data), **kwargs)

    def decide(self, application: Application | int, action: str, reason: str = "", stage=None):
        application_id = application if isinstance(application, int) else application.id
        if stage is None:
            stage = stage_of(self.app, application_id)
        return self.post(
            f"/office/applications/{application_id}/stage",
            {"action": action, "reason": reason, "stage": stage},
        )


def stage_of(app, application_id: int) -> str:
    with get_db_of(app).sessions() as session:
        return session.get(Application, application_id).stage


def reload(app, application_id: int) -> Application:
    with get_db_of(app).sessions() as session:
        return session.get(Application, application_id)


def audit_actions(app, **where: Any) -> list[str]:
    with get_db_of(app).sessions() as session:
        query = select(AuditEvent.action).order_by(AuditEvent.id)
        for key, value in where.items():
            query = query.where(getattr(AuditEvent, key) == value)
        return list(session.scalars(query))


def data_dir(name: str) -> Path:
    return OFFICE_DEPLOYMENTS[name]


def audit_events(app, **where: Any) -> list[AuditEvent]:
    with get_db_of(app).sessions() as session:
        query = select(AuditEvent).order_by(AuditEvent.id)
        for key, value in where.items():
            query = query.where(getattr(AuditEvent, key) == value)
        return list(session.scalars(query))
