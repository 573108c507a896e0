"""Fixtures for the export tests: deployments and a record factory (see export_records)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from export_records import (
    BIRTH,
    DEPLOYMENTS,
    ROOT,
    SUBMITTED,
    RecordFactory,
    sample_answers,
)

from pingan.campaigns import Campaign
from pingan.deployment import Deployment, load_deployment
from pingan.idnumber import compose_id_number


@pytest.fixture(scope="session", params=DEPLOYMENTS)
def deployment(request: pytest.FixtureRequest) -> Deployment:
    return load_deployment(ROOT / request.param)


@pytest.fixture(scope="session")
def wujin() -> Deployment:
    return load_deployment(ROOT / "data")


@pytest.fixture
def make_record() -> RecordFactory:
    """``make_record(campaign, deployment, n, **overrides)`` → one record as rows.py reads it."""
    references = itertools.count(1)

    def make(campaign: Campaign, deployment: Deployment, n: int = 0, **overrides: Any):
        answers = sample_answers(campaign, deployment)
        answers.update(overrides.pop("answers", {}))
        record = {
            "reference": f"R{next(references):07d}",
            "campaign": campaign.id,
            "unit": answers.pop("unit"),
            "stage": campaign.data["review"]["stages"][0]["id"],
            "submitted_at": SUBMITTED,
            "volunteer_number": None,
            "id_number": compose_id_number("320412", BIRTH, n % 1000),
            "mobile": answers.pop("mobile"),
            "answers": answers,
        }
        record.update(overrides)
        return record

    return make
