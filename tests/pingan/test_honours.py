"""Honours: nobody is named without recorded consent; the roll the site shows on a day."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
import yaml
from tiny_deployment import HONOURS, edit

from pingan.cli import main
from pingan.deployment import check_deployment, load_deployment
from pingan.honours import (
    AWARDED,
    CONSENT_METHODS,
    UNDER_NOTICE,
    DecisionsError,
    honour_roll,
    load_decisions,
)

ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENTS = [ROOT / "data", *sorted((ROOT / "examples").iterdir())]
CONSENT = "consent: {date: 2025-11-15, method: 书面}, "


def report(root: Path) -> list[str]:
    return [str(problem) for problem in check_deployment(root)]


def test_a_named_person_without_consent_is_a_data_error(data_dir):
    root = data_dir(honours=edit(HONOURS, CONSENT, ""))
    assert report(root) == [
        "data/honours.yaml:2: volunteers[0].consent: “张示例”没有记录本人同意公开姓名和照片："
        "请写明 consent 的日期（date）和方式（method：书面、当面、电话、短信、微信、电子邮件）"
    ]


@pytest.mark.parametrize(
    "consent, problem",
    [
        ("{date: 2025-11-15}", "volunteers[0].consent.method: 缺少必填项"),
        ("{method: 当面}", "volunteers[0].consent.date: 缺少必填项"),
        ("{date: 2025-11-15, method: 口头}", "volunteers[0].consent.method: “口头”不是允许的取值"),
        ("{date: 2025-02-30, method: 电话}", "volunteers[0].consent.date:"),
    ],
    ids=["no-method", "no-date", "unknown-method", "no-such-day"],
)
def test_a_consent_needs_its_date_and_how_it_was_given(data_dir, consent, problem):
    written = "consent: {date: 2025-11-15, method: 书面}"
    root = data_dir(honours=edit(HONOURS, written, f"consent: {consent}"))
    found = report(root)
    assert len(found) == 1 and found[0].startswith(f"data/honours.yaml:2: {problem}")


def test_only_an_invented_person_may_carry_an_example_consent(data_dir):
    example_consent = "consent: {date: 2025-11-15, method: 书面, example: true}, "
    root = data_dir(honours=edit(HONOURS, CONSENT, example_consent))
    assert report(root) == [
        "data/honours.yaml:2: volunteers[0].consent.example: “张示例”不是示例人物"
        "（没有 example: true），其同意记录不能标为示例"
    ]
    root = data_dir(honours=edit(HONOURS, CONSENT, example_consent + "example: true, "))
    assert report(root) == []


@pytest.mark.parametrize("root", DEPLOYMENTS, ids=lambda path: path.name)
def test_every_invented_sample_person_carries_an_example_consent(root):
    deployment = load_deployment(root)
    assert deployment.volunteers, "each deployment shows some honours"
    for person in deployment.volunteers:
        assert person["example"] is True, person["id"]
        assert person["consent"]["example"] is True, person["id"]
        assert person["consent"]["method"] in CONSENT_METHODS


def test_the_schema_offers_the_consent_methods_the_code_knows():
    schema = yaml.safe_load((ROOT / "pingan/schemas/honours.schema.yaml").read_text("utf-8"))
    assert tuple(schema["$defs"]["consent"]["properties"]["method"]["enum"]) == CONSENT_METHODS


# --- the roll a site shows: YAML merged with the offices' decisions --------------------------


def decision(nomination: int = 1, **changes) -> dict:
    """A nomination as ``pingan honours export`` writes it, for 张示例 of the fixture."""
    entry = {
        "nomination": nomination,
        "name": "张示例",
        "unit": "dong",
        "honour": "先进个人",
        "year": 2025,
        "withdrawn": False,
        "deeds": "办公室写的事迹",
        "consent": {"date": "2026-03-01", "method": "当面"},
        "notice": {"starts": "2026-03-10", "ends": "2026-03-16", "objections": "请致电综治办"},
    }
    entry.update(changes)
    if entry["withdrawn"]:
        for key in ("deeds", "consent", "notice"):
            entry.pop(key)
    return entry


def write_decisions(folder: Path, honours: list[dict], deployment: str = "demo") -> Path:
    path = folder / "honours.json"
    document = {"format": "pingan-honour-decisions/1", "deployment": deployment}
    path.write_text(json.dumps({**document, "honours": honours}, ensure_ascii=False), "utf-8")
    return path


def roll_on(deployment, day: str, decisions: list[dict]):
    return honour_roll(deployment, datetime.date.fromisoformat(day), decisions)


@pytest.fixture
def tiny(data_dir):
    story = "story: 巡逻六年, "
    return load_deployment(data_dir(honours=edit(HONOURS, CONSENT, CONSENT + story)))


def test_a_yaml_honour_alone_is_awarded_whatever_the_day(tiny):
    roll = roll_on(tiny, "2020-01-01", [])
    assert roll.under_notice == []
    (honour,) = roll.awarded
    assert (honour.id, honour.status, honour.story, honour.notice_ends) == (
        "zhang",
        AWARDED,
        "巡逻六年",
        None,
    )


def test_the_office_decides_the_status_and_the_yaml_adds_the_story(tiny):
    decisions = [decision()]
    for day, status in [
        ("2026-03-09", None),  # before the notice: not on the site at all
        ("2026-03-10", UNDER_NOTICE),
        ("2026-03-16", UNDER_NOTICE),
        ("2026-03-17", AWARDED),
    ]:
        roll = roll_on(tiny, day, decisions)
        shown = roll.under_notice + roll.awarded
        assert [h.status for h in shown] == ([status] if status else []), day
        assert roll.hidden_people == (frozenset() if status else {"zhang"})
    (honour,) = roll_on(tiny, "2026-03-12", decisions).under_notice
    assert honour.id == "zhang" and honour.story == "巡逻六年"  # the YAML's person and story
    assert (honour.notice_starts, honour.notice_ends, honour.objections) == (
        datetime.date(2026, 3, 10),
        datetime.date(2026, 3, 16),
        "请致电综治办",
    )


def test_a_withdrawn_honour_never_appears_nor_its_yaml_twin(tiny):
    decisions = [decision(withdrawn=True)]
    for day in ("2026-03-01", "2026-03-12", "2030-01-01"):
        roll = roll_on(tiny, day, decisions)
        assert roll.under_notice == roll.awarded == []
        assert roll.hidden_people == {"zhang"}


def test_nominated_again_after_a_withdrawal_the_new_nomination_decides(tiny):
    later = decision(2, notice={"starts": "2026-04-01", "ends": "2026-04-07", "objections": "x"})
    for decisions in ([decision(1, withdrawn=True), later], [later, decision(1, withdrawn=True)]):
        assert [h.nomination for h in roll_on(tiny, "2026-04-02", decisions).under_notice] == [2]


def test_a_nomination_made_only_in_the_office_is_shown_with_its_deeds(tiny):
    other = decision(7, name=" 李  示例", honour="优秀网格员", unit="xi")
    roll = roll_on(tiny, "2026-03-11", [other])
    (honour,) = roll.under_notice
    assert (honour.id, honour.name, honour.unit, honour.story, honour.photo) == (
        "nominated-7",
        " 李  示例",
        "xi",
        "办公室写的事迹",
        None,
    )
    assert [h.id for h in roll.awarded] == ["zhang"]
    assert list(roll_on(tiny, "2026-03-20", [other]).by_year()) == [2025]
    assert list(roll_on(tiny, "2026-03-20", [other]).by_honour()) == ["优秀网格员", "先进个人"]


def test_same_person_honour_and_year_ignore_spacing(tiny):
    twin = decision(name="张 示例", honour=" 先进个人")
    roll = roll_on(tiny, "2026-03-11", [twin])
    assert [h.id for h in roll.under_notice] == ["zhang"] and roll.awarded == []


def test_the_decisions_file_is_checked_before_the_build_uses_it(tiny, tmp_path):
    good = write_decisions(tmp_path, [decision(), decision(2, name="钱示例", withdrawn=True)])
    assert len(load_decisions(good, tiny)) == 2
    cases = [
        ([{**decision(), "unit": "nan"}], "demo", "honours[0].unit: 单位“nan”不存在"),
        ([decision()], "other", "deployment: 这是部署“other”的表彰决定，不是“demo”的"),
        ([{**decision(), "notice": {"starts": "2026-03-10"}}], "demo", "honours[0].notice.ends"),
        ([{k: v for k, v in decision().items() if k != "consent"}], "demo", "honours[0].consent"),
    ]
    for honours, deployment, message in cases:
        path = write_decisions(tmp_path, honours, deployment)
        with pytest.raises(DecisionsError) as raised:
            load_decisions(path, tiny)
        assert message in raised.value.problems.report(), message
    (tmp_path / "broken.json").write_text("{", "utf-8")
    with pytest.raises(DecisionsError, match="broken.json:1: \\(文件\\): 不是有效的 JSON 文件"):
        load_decisions(tmp_path / "broken.json")


def test_pingan_check_reads_the_decisions_file_with_the_data(tiny, tmp_path, capsys):
    good = write_decisions(tmp_path, [decision()])
    assert main(["check", "data", "--honours", str(good)]) == 0
    bad = write_decisions(tmp_path, [{**decision(), "unit": "nan"}])
    assert main(["check", "data", "--honours", str(bad)]) == 1
    assert f"{bad}:1: honours[0].unit: 单位“nan”不存在（见 units.yaml）" in capsys.readouterr().err
