"""Test helpers for the form service: a form-filling applicant, stored rows, parsing.

A plain module (not conftest) so that test modules can import it by name.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup
from cryptography.fernet import Fernet
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from form_service.db import get_db
from form_service.models import Application
from pingan.idnumber import compose_id_number

ROOT = Path(__file__).resolve().parents[2]
TODAY = datetime.date(2026, 11, 23)
DEPLOYMENTS = {
    "wujin": ROOT / "data",
    "shanxi-youth": ROOT / "examples" / "shanxi-youth",
    "expo-town": ROOT / "examples" / "expo-town",
    "directed-town": Path(__file__).parent / "data" / "directed-town",
}
#: Campaign id → deployment name.
CAMPAIGNS = {
    "wujin-2026": "wujin",
    "shanxi-2026": "shanxi-youth",
    "shanxi-2014": "shanxi-youth",
    "expo-2026": "expo-town",
    "mixed-2026": "directed-town",
}
AREA_CODES = {"wujin": "320412", "shanxi-youth": "140105", "expo-town": "310112"}
TEST_KEYS = {
    "SECRET_KEY": "test-secret-key",
    "DATA_KEYS": Fernet.generate_key().decode(),
    "HMAC_KEY": "test-hmac-key",
}


def make_id(birth: datetime.date, area: str = "320412", seq: int = 123) -> str:
    """``compose_id_number`` in the argument order tests/form_service/office still calls."""
    return compose_id_number(area, birth, seq % 1000)


def birthday_for_age(age: int, today: datetime.date = TODAY) -> datetime.date:
    """The birth date of someone who turns *age* today."""
    return today.replace(year=today.year - age)


def get_db_of(app):
    with app.app_context():
        return get_db()


def stored(app) -> int:
    """How many applications the app's database holds."""
    with get_db_of(app).sessions() as session:
        return session.scalar(select(func.count()).select_from(Application))


class Applicant:
    """Fills and submits a campaign's form as a person would; answers default to valid ones."""

    def __init__(self, app, campaign: str = "wujin-2026"):
        self.app = app
        self.client = app.test_client()
        self.campaign = campaign
        self._csrf: dict[str, str] = {}
        self.sequence = 100

    @property
    def form(self):
        return self.app.extensions["pingan_forms"][self.campaign]

    def next_id(self, birth: datetime.date | None = None, campaign: str | None = None) -> str:
        self.sequence += 1
        deployment = CAMPAIGNS[campaign or self.campaign]
        area = AREA_CODES.get(deployment, "320412")
        return compose_id_number(area, birth or datetime.date(1990, 5, 17), self.sequence % 1000)

    def answers(self, campaign: str | None = None, **overrides: Any) -> dict[str, Any]:
        """Valid answers for every field of the campaign, generated from its form definition."""
        form = self.app.extensions["pingan_forms"][campaign or self.campaign]
        texts = {
            "name": "张示例",
            "ethnicity": "汉族",
            "district": "小店区",
            "employer": "示例大学",
            "registration_address": "湖塘镇示例社区",
            "postal_address": "示例路 1 号",
            "specialty": "急救",
            "mobile": "13800138000",
            "landline": "0351-7654321",
            "qq": "12345678",
            "email": "zhang@example.com",
        }
        answers: dict[str, Any] = {}
        for field in form.fields:
            if field.name in ("sex", "birth_date"):
                continue
            if field.name == "id_number":
                answers[field.name] = self.next_id(campaign=campaign)
            elif field.name == "id_type":
                answers[field.name] = "resident_id"
            elif field.type == "boolean":
                answers[field.name] = True
            elif field.type == "list":
                answers[field.name] = field.values[:2]
            elif field.choices is not None:
                answers[field.name] = field.values[0]
            else:
                answers[field.name] = texts.get(field.name, "示例")
        answers["declarations"] = [key for key, _ in form.declarations]
        answers["consent_notice"] = True
        answers["consent_sensitive"] = True
        answers["notice_version"] = form.notice_version
        answers.update(overrides)
        return {key: value for key, value in answers.items() if value is not None}

    def csrf_token(self, campaign: str) -> str:
        if campaign not in self._csrf:
            # The token is per session: the status page has it even when a campaign is closed.
            page = BeautifulSoup(self.client.get("/status").data, "html.parser")
            self._csrf[campaign] = page.select_one("input[name=csrf_token]")["value"]
        return self._csrf[campaign]

    def submit(self, campaign: str | None = None, **overrides: Any):
        """POST the HTML form with valid answers changed by *overrides* (None drops one)."""
        campaign = campaign or self.campaign
        answers = self.answers(campaign, **overrides)
        data: list[tuple[str, str]] = [("csrf_token", self.csrf_token(campaign))]
        for key, value in answers.items():
            if value is True:
                data.append((key, "on"))
            elif value is False:
                continue
            elif isinstance(value, list):
                data.extend((key, item) for item in value)
            else:
                data.append((key, value))
        return self.client.post(f"/apply/{campaign}", data=MultiDict(data))

    def submit_json(self, campaign: str | None = None, headers=None, **overrides: Any):
        """POST the answers as JSON text a client writes (a lone surrogate as \\ud800).

        Not the test client's ``json=``: that encodes with the app's own JSON provider,
        which prints stored surrogates as U+FFFD and so would never send one.
        """
        campaign = campaign or self.campaign
        return self.client.post(
            f"/api/v1/campaigns/{campaign}/applications",
            data=json.dumps(self.answers(campaign, **overrides)),
            content_type="application/json",
            headers=headers or {},
        )


def errors_of(response) -> dict[str, str]:
    """Field → message from an HTML page's error summary (links point at the fields)."""
    page = BeautifulSoup(response.data, "html.parser")
    return {
        link["href"].removeprefix("#field-"): link.get_text(strip=True)
        for link in page.select(".error-summary a")
    }
