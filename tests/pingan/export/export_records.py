"""Invented application records in the rows.py contract, and deployments to export from.

ID numbers are invented with ``pingan.idnumber.compose_id_number`` (a correct check digit);
none belongs to anyone.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pingan.campaigns import Campaign, campaign_fields
from pingan.deployment import Deployment
from pingan.idnumber import compose_id_number

ROOT = Path(__file__).resolve().parents[3]

#: Every deployment folder the export must handle; another helper may still be writing one.
DEPLOYMENTS = ["data", "examples/shanxi-youth", "examples/chongqing"]

SUBMITTED = datetime.datetime(2026, 9, 2, 1, 30, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 10, 1)


#: The birth date of most invented applicants.
BIRTH = datetime.date(1990, 1, 1)


def id_number_ending_in_x(area: str = "140105", birth: datetime.date = BIRTH) -> str:
    """The first invented number of that area and birth date whose check digit is X."""
    for order in range(1000):
        number = compose_id_number(area, birth, order)
        if number.endswith("X"):
            return number
    raise AssertionError("no order code gives X")


def sample_answers(campaign: Campaign, deployment: Deployment) -> dict[str, Any]:
    """A valid answer for every form field of *campaign*: first choices, short texts."""
    answers: dict[str, Any] = {}
    for spec in campaign_fields(campaign, deployment):
        name, kind = spec["name"], spec["type"]
        enum = [value for value, _ in spec["choices"] or []]
        if kind == "list":
            answers[name] = enum[:2] if enum else ["甲"]
        elif kind == "boolean":
            answers[name] = True
        elif kind == "date":
            answers[name] = datetime.date(1990, 1, 1)
        elif enum:
            answers[name] = enum[0]
        elif spec.get("format") == "email":
            answers[name] = "someone@example.cn"
        elif name == "qq":
            answers[name] = "12345678"
        elif name == "via":
            answers[name] = "WG-001"
        else:
            answers[name] = f"示例{spec.get('title', name)}"[
                : spec.get("constraints", {}).get("maxLength", 30)
            ]
    answers["name"] = "张示例"
    answers["mobile"] = "13812345678"
    return answers


RecordFactory = Callable[..., dict[str, Any]]


def many_records(
    campaign: Campaign, deployment: Deployment, count: int
) -> Iterator[dict[str, Any]]:
    """*count* records made on the fly from one template, so the generator holds none."""
    answers = sample_answers(campaign, deployment)
    unit = answers.pop("unit")
    mobile = answers.pop("mobile")
    numbers = [compose_id_number("320412", BIRTH, order) for order in range(1000)]
    first_stage = campaign.data["review"]["stages"][0]["id"]
    for n in range(count):
        yield {
            "reference": f"R{n:09d}",
            "campaign": campaign.id,
            "unit": unit,
            "stage": first_stage,
            "submitted_at": SUBMITTED,
            "volunteer_number": None,
            "id_number": numbers[n % 1000],
            "mobile": mobile,
            "answers": answers,
        }
