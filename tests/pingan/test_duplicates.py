"""The rule on applying twice: earlier applications of one person → the refusal, or None."""

from __future__ import annotations

import pytest

from pingan.duplicates import Earlier, duplicate_problem
from pingan.review import PENDING, REGISTERED, REJECTED, WITHDRAWN

CONTACT = "全省青年平安志愿者工作领导小组办公室"


def earlier(campaign: str, unit: str, state: str) -> Earlier:
    return Earlier(campaign=campaign, unit=unit, state=state)


# (what the person has, the rule of the campaign applied to, expected phrase or None);
# every row applies to campaign "2026" for unit "taiyuan".
CASES = [
    ("nothing", [], "allowed", None),
    ("pending in this round", [earlier("2026", "taiyuan", PENDING)], "allowed", "请勿重复报名"),
    ("pending, another unit", [earlier("2026", "datong", PENDING)], "allowed", "已报名本次招募"),
    (
        "registered in this round",
        [earlier("2026", "taiyuan", REGISTERED)],
        "allowed",
        "无需再次报名",
    ),
    ("rejected in this round", [earlier("2026", "taiyuan", REJECTED)], "allowed", None),
    ("withdrawn in this round", [earlier("2026", "taiyuan", WITHDRAWN)], "allowed", None),
    (
        "rejected, then pending again",
        [earlier("2026", "taiyuan", REJECTED), earlier("2026", "taiyuan", PENDING)],
        "allowed",
        "请勿重复报名",
    ),
    ("another round, rule allowed", [earlier("2014", "datong", REGISTERED)], "allowed", None),
    # Shanxi: 已担任其他行业志愿者的，原则上不再招募为青年平安志愿者
    (
        "registered in another unit",
        [earlier("2014", "datong", REGISTERED)],
        "refused_in_principle",
        "已担任其他行业志愿者的原则上不再招募",
    ),
    (
        "pending in another unit",
        [earlier("2014", "datong", PENDING)],
        "refused_in_principle",
        "其他平安志愿者队伍报名或登记",
    ),
    ("rejected in another unit", [earlier("2014", "datong", REJECTED)], "refused", None),
    ("withdrawn in another unit", [earlier("2014", "datong", WITHDRAWN)], "refused", None),
    (
        "registered here in an earlier round: told so",
        [earlier("2014", "taiyuan", REGISTERED)],
        "refused_in_principle",
        "已在此前的招募中登记为本单位的平安志愿者，无需再次报名",
    ),
    (
        "pending here in an earlier round",
        [earlier("2014", "taiyuan", PENDING)],
        "refused_in_principle",
        "已在此前的招募中向本单位报名",
    ),
    (
        "registered elsewhere (strict rule)",
        [earlier("2014", "datong", REGISTERED)],
        "refused",
        "已担任其他行业志愿者的不再招募",
    ),
]


@pytest.mark.parametrize(
    ("rows", "rule", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_applying_twice(rows, rule, expected):
    problem = duplicate_problem(rows, campaign="2026", unit="taiyuan", rule=rule, contact=CONTACT)
    if expected is None:
        assert problem is None
    else:
        assert problem is not None and expected in problem, problem


def test_the_refusal_names_whom_to_ask_only_where_an_exception_is_possible():
    elsewhere = [earlier("2014", "datong", REGISTERED)]
    problem = duplicate_problem(
        elsewhere, campaign="2026", unit="taiyuan", rule="refused_in_principle", contact=CONTACT
    )
    assert problem.endswith(f"如有特殊情况，请联系{CONTACT}")
    assert "请联系" not in duplicate_problem(
        [earlier("2026", "taiyuan", PENDING)], campaign="2026", unit="taiyuan", contact=CONTACT
    )
