"""Fixtures for the offices: apps per scheme, office accounts, applicants.

``office_app(name)`` builds an app for wujin, shanxi-youth, expo-town, directed-town or
chongqing; ``office(app, unit, role)`` gives a logged-in office client.
"""

from __future__ import annotations

import pytest
from offices import OFFICE_DEPLOYMENTS, Office, OfficeApplicant


@pytest.fixture
def office_app(make_app):
    def build(name: str = "wujin", **config):
        if name in OFFICE_DEPLOYMENTS:
            config.setdefault("DATA_DIR", str(OFFICE_DEPLOYMENTS[name]))
            name = "wujin"
        config.setdefault("SMTP", None)
        return make_app(name, **config)

    return build


@pytest.fixture
def app(office_app):
    return office_app("wujin")


@pytest.fixture
def office():
    def login(app, unit: str, role: str = "reviewer", username: str | None = None) -> Office:
        account = Office(app, unit, role, username)
        response = account.login()
        assert response.status_code == 303, response.data.decode()[:500]
        return account

    return login


@pytest.fixture
def applicant(app):
    return OfficeApplicant(app)


@pytest.fixture
def applicant_of():
    def make(app, campaign: str) -> OfficeApplicant:
        return OfficeApplicant(app, campaign)

    return make
