"""The OpenAPI document and the service agree: schemathesis with all its checks.

Every operation of every reference deployment is generated from the document (examples,
coverage and fuzzing phases) and each response goes through every built-in check. One
check is tightened rather than relaxed: ``positive_data_acceptance`` would fail a body
the schema accepts but a rule beyond JSON Schema refuses (an ID number's check digit,
applying twice). It is replaced by ``accepted_or_refused_beyond_schema``: such a body is
accepted, or refused with 422 naming only fields the operation lists in
``x-checked-beyond-schema``. The custom formats get strategies that draw valid values, so
most generated applications are really stored.
"""

from __future__ import annotations

import datetime
import pathlib
import tempfile

import pytest
import schemathesis
from applicants import DEPLOYMENTS, TEST_KEYS, TODAY
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.core.failures import Failure
from schemathesis.specs.openapi.checks import positive_data_acceptance
from stdnum.cn import ric

from form_service import create_app

pytestmark = pytest.mark.slow

#: Every reference deployment with an API (the directed test deployment adds directed
#: categories, which the public may not choose).
DEPLOYMENT_NAMES = ["wujin", "shanxi-youth", "expo-town", "directed-town"]
EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def _birth_dates() -> st.SearchStrategy[datetime.date]:
    """Birth dates of people 30 to 40 years old on TODAY: inside every campaign's ages."""
    youngest = TODAY.replace(year=TODAY.year - 30)
    return st.dates(youngest.replace(year=youngest.year - 10), youngest)


@st.composite
def _resident_ids(draw) -> str:
    birth = draw(_birth_dates())
    area = draw(st.sampled_from(["320412", "140105", "310112", "500101"]))
    sequence = draw(st.integers(0, 999))
    body = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body)


schemathesis.openapi.format("cn-document-number", _resident_ids())
schemathesis.openapi.format("person-name", st.sampled_from(["张三", "欧阳修", "阿依古丽·买买提"]))
schemathesis.openapi.format("cn-mobile", st.integers(0, 99_999_999).map(lambda n: f"139{n:08d}"))
schemathesis.openapi.format(
    "cn-landline", st.integers(0, 9_999_999).map(lambda n: f"0519-8{n:07d}")
)
schemathesis.openapi.format(
    "email", st.from_regex(r"[a-z][a-z0-9._]{0,10}[a-z0-9]@example\.(com|cn)", fullmatch=True)
)
schemathesis.openapi.format("birth-date", _birth_dates().map(datetime.date.isoformat))


@schemathesis.check
def accepted_or_refused_beyond_schema(ctx, response, case):
    """A schema-valid application is stored, or refused only by a rule beyond the schema."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or case.method != "POST":
        return None
    if response.status_code != 422:
        return None
    beyond = set(case.operation.definition.raw.get("x-checked-beyond-schema", []))
    named = {error["field"] for error in response.json()["errors"]}
    if not named <= beyond:
        raise Failure(
            operation=case.operation.label,
            title="Valid data was refused by a rule the document does not declare",
            message=f"422 names {sorted(named - beyond)}; beyond the schema: {sorted(beyond)}",
        )
    return None


def _app(deployment: str):
    folder = pathlib.Path(tempfile.mkdtemp(prefix="pingan-contract-"))
    return create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(DEPLOYMENTS[deployment]),
            "DATABASE_URL": f"sqlite:///{folder / 'pingan.sqlite3'}",
            "INSTANCE_DIR": str(folder / "instance"),
            "TODAY": TODAY,
            "RATELIMIT_ENABLED": False,
            "AUTO_MIGRATE": True,
            **TEST_KEYS,
        }
    )


def _schema(deployment: str):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _app(deployment))
    return schema


SCHEMAS = {name: _schema(name) for name in DEPLOYMENT_NAMES}
CHECKS = dict(
    excluded_checks=[positive_data_acceptance],
    additional_checks=[accepted_or_refused_beyond_schema],
)
SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


def _contract_test(deployment: str):
    """The schemathesis test of one deployment's API (one parametrised test per operation)."""

    @SCHEMAS[deployment].parametrize()
    @SETTINGS
    def test(case):
        case.call_and_validate(**CHECKS)

    return test


test_wujin_api_matches_its_document = _contract_test("wujin")
test_shanxi_api_matches_its_document = _contract_test("shanxi-youth")
test_expo_town_api_matches_its_document = _contract_test("expo-town")
test_directed_town_api_matches_its_document = _contract_test("directed-town")
