"""The review workflow of each scheme, as its document has it: one table per scheme.

Each row: the application's unit, the offices that passed the stages so far (in order),
the acting office and how it stands to the application (the applicant's unit, the
receiving office that passed 初审, an office above, another branch), and the verdict:
None where it may pass the next stage, else a phrase of the refusal.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from pingan.deployment import load_deployment
from pingan.review import (
    PENDING,
    REGISTERED,
    REJECTED,
    WITHDRAWN,
    Decision,
    Workflow,
    passed_by,
    rejected_at,
    state_of,
    workflows,
)

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = {
    "wujin": ROOT / "data",
    "chongqing": ROOT / "examples" / "chongqing",
    "shanxi-youth": ROOT / "examples" / "shanxi-youth",
    "expo-town": ROOT / "examples" / "expo-town",
    "county-alliance": ROOT / "examples" / "county-alliance",
}
CAMPAIGNS = {
    "wujin": "wujin-2026",
    "chongqing": "chongqing-2026",
    "shanxi-youth": "shanxi-2026",
    "expo-town": "expo-2026",
    "county-alliance": "county-2026",
}


@cache
def workflow(scheme: str) -> Workflow:
    deployment = load_deployment(FOLDERS[scheme])
    return workflows(deployment)[CAMPAIGNS[scheme]]


def history(flow: Workflow, offices: list[str]) -> list[Decision]:
    """Submitted, then stage after stage passed by *offices* in turn."""
    ids = [stage.id for stage in flow.stages]
    events = [Decision(None, ids[0], None)]
    for i, office in enumerate(offices):
        events.append(Decision(ids[i], ids[i + 1], office))
    return events


def verdict(scheme: str, unit: str, passed: list[str], office: str, action="approve"):
    flow = workflow(scheme)
    stage = flow.stages[len(passed)].id
    return flow.refusal(stage, action, office, unit, history(flow, passed))


def check(scheme, unit, passed, office, expected):
    refusal = verdict(scheme, unit, passed, office)
    if expected is None:
        assert refusal is None
    else:
        assert refusal is not None and expected in refusal, refusal
    # Rejecting at a step takes the same right as passing it.
    assert (verdict(scheme, unit, passed, office, "reject") is None) == (expected is None)


# Chongqing (意见 四、1): 初审 by the receiving office, 审核 by the office one level above
# it, 登记 by the district, 身份核查、颁发证书 by the city; one office does not pass two
# consecutive stages unless the document gives both to it.
VILLAGE, TOWN, DISTRICT, CITY = (
    "district-a-community",
    "district-a-street",
    "district-a",
    "chongqing",
)
CHONGQING = [
    # 资料初审 of a village applicant
    ("applicant's unit receives", VILLAGE, [], VILLAGE, None),
    ("the town above receives for it", VILLAGE, [], TOWN, None),
    ("the district above receives for it", VILLAGE, [], DISTRICT, None),
    ("the city has no office above it to send to", VILLAGE, [], CITY, "没有上一级"),
    ("another district's office", VILLAGE, [], "county-b", "管辖范围"),
    ("a unit beside the applicant's", VILLAGE, [], "district-a-school", "管辖范围"),
    # 上一级审核 after the village received it
    ("the receiving office itself", VILLAGE, [VILLAGE], VILLAGE, "上一级办公室"),
    ("the office one level above the receiving one", VILLAGE, [VILLAGE], TOWN, None),
    ("the district, which must register next", VILLAGE, [VILLAGE], DISTRICT, "连续通过"),
    ("the city, above the office above", VILLAGE, [VILLAGE], CITY, None),
    # 上一级审核 after the town received a village's application: the defect of issue 9
    ("the town that passed 初审 (receiving office)", VILLAGE, [TOWN], TOWN, "上一级办公室"),
    ("the applicant's unit, below the receiving one", VILLAGE, [TOWN], VILLAGE, "上一级办公室"),
    ("the district above the receiving town", VILLAGE, [TOWN], DISTRICT, None),
    # a town's own applicant
    ("the town receives its own applicant", TOWN, [], TOWN, None),
    ("the town again, for 上一级审核", TOWN, [TOWN], TOWN, "上一级办公室"),
    ("the district above the town", TOWN, [TOWN], DISTRICT, None),
    # 登记注册
    ("a town office registers", VILLAGE, [VILLAGE, TOWN], TOWN, "区县（自治县）一级"),
    ("the district registers", VILLAGE, [VILLAGE, TOWN], DISTRICT, None),
    ("the city registers for the district", VILLAGE, [VILLAGE, TOWN], CITY, "连续通过"),
    ("the district, above the town, registers", TOWN, [TOWN, DISTRICT], DISTRICT, None),
    ("a district's own: the city above, the district", DISTRICT, [DISTRICT, CITY], DISTRICT, None),
    # 身份核查，颁发证书
    ("the district that registered", VILLAGE, [VILLAGE, TOWN, DISTRICT], DISTRICT, "市一级"),
    ("the city's office", VILLAGE, [VILLAGE, TOWN, DISTRICT], CITY, None),
    ("nothing after the certificate", VILLAGE, [VILLAGE, TOWN, DISTRICT, CITY], CITY, "已完成"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("unit", "passed", "office", "expected"),
    [row[1:] for row in CHONGQING],
    ids=[row[0] for row in CHONGQING],
)
def test_chongqing(unit, passed, office, expected):
    check("chongqing", unit, passed, office, expected)


# Wujin (六（四）2): one 审核 by the 综治 office of any level, and the applicant "即成为注册的
# 平安志愿者"; no rule on consecutive stages (there is one decision).
WUJIN = [
    ("the applicant's town office", "hutang", [], "hutang", None),
    ("the district above", "hutang", [], "wujin", None),
    ("another town", "hutang", [], "niutang", "管辖范围"),
    ("registered: nothing left", "hutang", ["hutang"], "wujin", "已完成"),
]


@pytest.mark.parametrize(
    ("unit", "passed", "office", "expected"),
    [row[1:] for row in WUJIN],
    ids=[row[0] for row in WUJIN],
)
def test_wujin(unit, passed, office, expected):
    check("wujin", unit, passed, office, expected)


def test_wujin_registers_on_one_approval():
    flow = workflow("wujin")
    assert [stage.id for stage in flow.stages] == ["submitted", "registered"]
    assert flow.next_stage(flow.first).id == flow.numbering_stage == flow.final == "registered"
    assert flow.state("registered") == REGISTERED


# Shanxi (实施方案 四): 由各市、各高校、各单位团委汇总审核合格后可成为青年平安志愿者.
SHANXI = [
    ("the recruiting unit's league committee", "taiyuan", [], "taiyuan", None),
    ("the province above", "taiyuan", [], "shanxi", None),
    ("another city", "taiyuan", [], "datong", "管辖范围"),
]


@pytest.mark.parametrize(
    ("unit", "passed", "office", "expected"),
    [row[1:] for row in SHANXI],
    ids=[row[0] for row in SHANXI],
)
def test_shanxi(unit, passed, office, expected):
    check("shanxi-youth", unit, passed, office, expected)


# The expo town (三、2（2）): 个人需至所在社区的居委会报名，由居委会统一上报至镇综治办. The town
# office may act for a committee, and pass both stages: the document separates no offices
# by a rule on consecutive stages.
EXPO = [
    ("the committee forwards", "committee-1", [], "committee-1", None),
    ("the town forwards for it", "committee-1", [], "expo-town", None),
    ("another committee", "committee-1", [], "committee-2", "管辖范围"),
    ("the committee registers", "committee-1", ["committee-1"], "committee-1", "镇一级"),
    ("the town registers", "committee-1", ["committee-1"], "expo-town", None),
    ("the town registers what it forwarded", "committee-1", ["expo-town"], "expo-town", None),
]


@pytest.mark.parametrize(
    ("unit", "passed", "office", "expected"),
    [row[1:] for row in EXPO],
    ids=[row[0] for row in EXPO],
)
def test_expo_town(unit, passed, office, expected):
    check("expo-town", unit, passed, office, expected)


# The county alliance: 实名登记 checked by the town alliance or industry branch, then the
# county alliance's 统一志愿注册 (4 统).
COUNTY = [
    ("the town alliance checks", "qutang", [], "qutang", None),
    ("the county checks for it", "qutang", [], "county", None),
    ("a branch beside it", "qutang", [], "legal-services", "管辖范围"),
    ("the town alliance registers", "qutang", ["qutang"], "qutang", "县一级"),
    ("the county registers", "qutang", ["qutang"], "county", None),
    ("the county registers what it checked", "qutang", ["county"], "county", None),
]


@pytest.mark.parametrize(
    ("unit", "passed", "office", "expected"),
    [row[1:] for row in COUNTY],
    ids=[row[0] for row in COUNTY],
)
def test_county_alliance(unit, passed, office, expected):
    check("county-alliance", unit, passed, office, expected)


# --- states, what a rejection allows, certificates ----------------------------------------

STATES = [
    ("wujin", "submitted", PENDING),
    ("wujin", "registered", REGISTERED),
    ("chongqing", "upper-review", PENDING),
    ("chongqing", "registered", REGISTERED),
    ("chongqing", "certified", REGISTERED),
    ("expo-town", "forwarded", PENDING),
    ("shanxi-youth", REJECTED, REJECTED),
    ("county-alliance", WITHDRAWN, WITHDRAWN),
]


@pytest.mark.parametrize(("scheme", "stage", "state"), STATES)
def test_each_stage_has_one_state(scheme, stage, state):
    assert workflow(scheme).state(stage) == state


def test_a_stage_of_a_campaign_that_is_gone_is_pending_unless_closed():
    assert state_of("reviewed", None) == PENDING
    assert state_of(REJECTED, None) == REJECTED


@pytest.mark.parametrize(
    ("scheme", "first", "final", "number"),
    [
        ("wujin", "submitted", "registered", "registered"),
        ("chongqing", "submitted", "certified", "registered"),
        ("shanxi-youth", "submitted", "registered", "registered"),
        ("expo-town", "submitted", "registered", "registered"),
        ("county-alliance", "submitted", "registered", "registered"),
    ],
)
def test_first_last_and_numbering_stage(scheme, first, final, number):
    flow = workflow(scheme)
    assert (flow.first, flow.final, flow.numbering_stage) == (first, final, number)


def test_a_rejected_or_withdrawn_application_moves_no_further():
    flow = workflow("wujin")
    assert "已被退回" in flow.refusal(REJECTED, "approve", "wujin", "hutang")
    assert "撤回" in flow.refusal(WITHDRAWN, "approve", "wujin", "hutang")


def rejected(flow: Workflow, offices: list[str], by: str) -> list[Decision]:
    """*offices* passed stages in turn, then *by* rejected the application."""
    events = history(flow, offices)
    return [*events, Decision(events[-1].to_stage, REJECTED, by)]


REOPEN = [
    # Chongqing: the district refused 上一级审核 after the town's 初审.
    ("chongqing", VILLAGE, [TOWN], DISTRICT, "the office that rejected it", DISTRICT, None),
    ("chongqing", VILLAGE, [TOWN], DISTRICT, "the receiving office", TOWN, "上一级办公室"),
    ("chongqing", VILLAGE, [TOWN], DISTRICT, "the city above", CITY, None),
    # Chongqing: the city refused the certificate; only the city decides that step.
    ("chongqing", VILLAGE, [VILLAGE, TOWN, DISTRICT], CITY, "the city", CITY, None),
    ("chongqing", VILLAGE, [VILLAGE, TOWN, DISTRICT], CITY, "the district", DISTRICT, "市一级"),
    # Wujin: any 综治 office whose scope holds it.
    ("wujin", "hutang", [], "hutang", "the town that rejected it", "hutang", None),
    ("wujin", "hutang", [], "hutang", "the district above", "wujin", None),
    ("wujin", "hutang", [], "hutang", "another town", "niutang", "管辖范围"),
    # The expo town: the committee cannot reopen what the town refused to register.
    ("expo-town", "committee-1", ["committee-1"], "expo-town", "committee", "committee-1", "镇"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("scheme", "unit", "passed", "by", "office", "expected"),
    [(r[0], r[1], r[2], r[3], r[5], r[6]) for r in REOPEN],
    ids=[f"{r[0]}: {r[4]}" for r in REOPEN],
)
def test_reopening_goes_back_to_the_stage_of_the_rejection_by_who_may_decide_there(
    scheme, unit, passed, by, office, expected
):
    flow = workflow(scheme)
    events = rejected(flow, passed, by)
    assert rejected_at(events) == flow.stages[len(passed)].id
    refusal = flow.reopen_refusal(REJECTED, office, unit, events)
    if expected is None:
        assert refusal is None
    else:
        assert expected in refusal


def test_only_a_rejected_application_can_be_reopened():
    flow = workflow("wujin")
    assert "只有被退回" in flow.reopen_refusal("submitted", "wujin", "hutang")
    assert "只有被退回" in flow.reopen_refusal(WITHDRAWN, "wujin", "hutang")


def test_a_reopened_stage_counts_the_office_that_first_passed_it():
    """Reopening passes no stage: the receiving office stays the one that did 初审."""
    flow = workflow("chongqing")
    events = [
        *rejected(flow, [TOWN], DISTRICT),
        Decision(REJECTED, "initial-review", DISTRICT),
    ]
    assert passed_by(events) == {"initial-review": TOWN}
    assert flow.refusal("initial-review", "approve", TOWN, VILLAGE, events) is not None
    assert flow.refusal("initial-review", "approve", DISTRICT, VILLAGE, events) is None


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        ("submitted", None),
        ("registered", "已登记"),
        (REJECTED, "已经结束"),
        (WITHDRAWN, "已经结束"),
    ],
)
def test_the_applicant_may_withdraw_only_a_pending_application(stage, expected):
    refusal = workflow("wujin").withdrawal_refusal(stage)
    assert refusal is None if expected is None else expected in refusal


@pytest.mark.parametrize(
    ("scheme", "stage", "allowed"),
    [
        ("chongqing", "registered", False),  # the district registered; the city has not checked
        ("chongqing", "certified", True),
        ("wujin", "submitted", False),
        ("wujin", "registered", True),
        ("shanxi-youth", "registered", True),
    ],
)
def test_a_certificate_only_after_the_last_stage(scheme, stage, allowed):
    assert (workflow(scheme).certificate_refusal(stage) is None) == allowed


def test_chongqing_certificates_are_issued_in_the_city_offices_name():
    assert workflow("chongqing").certificate_issuer == "重庆市平安建设志愿服务领导小组办公室"
    assert workflow("wujin").certificate_issuer == load_deployment(FOLDERS["wujin"]).campaigns[
        "wujin-2026"
    ].data.get("issuer", load_deployment(FOLDERS["wujin"]).name)


def test_only_chongqing_keeps_consecutive_stages_apart():
    assert {scheme for scheme in FOLDERS if workflow(scheme).distinct_offices} == {"chongqing"}


def test_every_value_a_stage_can_take_has_a_name():
    assert workflow("wujin").choices() == [
        ("submitted", "已提交"),
        ("registered", "综治办审核通过，成为注册的平安志愿者"),
        (REJECTED, "未通过审核"),
        (WITHDRAWN, "已撤回"),
    ]
