"""The validation table: valid and invalid applications through the HTML form.

Each row names a campaign, how the answers differ from valid ones, and the expected HTTP
status, field and message; on a reject nothing may be stored. "Today" is 2026-11-23.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from applicants import (
    CAMPAIGNS,
    TODAY,
    Applicant,
    birthday_for_age,
    errors_of,
    get_db_of,
    stored,
)
from sqlalchemy import update

from form_service.applications import submit
from form_service.models import Application
from pingan.idnumber import compose_id_number

Overrides = Callable[[Applicant], dict[str, Any]]


@dataclass
class Case:
    id: str
    campaign: str
    answers: Overrides | dict[str, Any] = field(default_factory=dict)
    status: int = 422
    field: str | None = None
    message: str | None = None


FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def make_id_ending_x() -> str:
    """A valid ID number whose check character is X."""
    return next(
        number
        for seq in range(1000)
        if (number := compose_id_number("320412", datetime.date(1985, 7, 1), seq)).endswith("X")
    )


def born(age: int, area: str = "320412", seq: int = 201) -> str:
    return compose_id_number(area, birthday_for_age(age), seq)


def duplicate(applicant: Applicant) -> dict[str, Any]:
    id_number = applicant.next_id()
    assert applicant.submit(id_number=id_number).status_code == 303
    return {"id_number": id_number}


def in_2014(unit: str, stage: str | None = None) -> Overrides:
    """Someone filed for *unit* in the 2014 round (as an office import would), its
    application now at *stage*, applies to the 2026 one for Taiyuan (the default unit)."""

    def earlier(applicant: Applicant) -> dict[str, Any]:
        app = applicant.app
        id_number = applicant.next_id()
        old_round = app.extensions["pingan_forms"]["shanxi-2014"]
        answers = applicant.answers("shanxi-2014", id_number=id_number, unit=unit)
        outcome = submit(
            get_db_of(app),
            app.extensions["pingan_cipher"],
            old_round,
            answers,
            datetime.date(2014, 11, 1),
            channel="import",
        )
        assert outcome.ok, outcome.errors
        if stage is not None:
            with get_db_of(app).write() as session:
                session.get(Application, outcome.application.id).stage = stage
        return {"id_number": id_number}

    return earlier


def rejected_then_again(applicant: Applicant) -> dict[str, Any]:
    """A rejected application does not stand in the way of a new one (退回 → apply again)."""
    id_number = applicant.next_id()
    assert applicant.submit(id_number=id_number).status_code == 303
    with get_db_of(applicant.app).write() as session:
        session.execute(update(Application).values(stage="rejected"))
    return {"id_number": id_number}


W, S, E, D = "wujin-2026", "shanxi-2026", "expo-2026", "mixed-2026"
TY, SH = "140105", "310112"

CASES = [
    # --- Wujin: the 平安江苏 fields ---------------------------------------------------------
    Case("valid", W, status=303),
    Case("full-width digits", W, lambda a: {"id_number": a.next_id().translate(FULL_WIDTH)}, 303),
    Case("spaces in the ID", W, lambda a: {"id_number": " ".join(a.next_id())}, 303),
    Case("check digit X in lower case", W, {"id_number": make_id_ending_x().lower()}, 303),
    Case(
        "unknown area code is no reason",
        W,
        {"id_number": compose_id_number("990101", TODAY.replace(1990), 123)},
        303,
    ),
    Case("exactly 18 today", W, {"id_number": born(18)}, 303),
    Case("mobile with +86 and spaces", W, {"mobile": "+86 139 1234 5678"}, 303),
    Case("interpunct in a name", W, {"name": "阿依古丽·买买提"}, 303),
    Case(
        "script tag in an address is text",
        W,
        {"registration_address": "<script>alert(1)</script>"},
        303,
    ),
    Case("optional e-mail left out", W, {"email": None}, 303),
    Case(
        "bad check digit",
        W,
        lambda a: {"id_number": a.next_id()[:17] + "0"},
        422,
        "id_number",
        "校验位不正确",
    ),
    Case(
        "17 digits",
        W,
        lambda a: {"id_number": a.next_id()[:17]},
        422,
        "id_number",
        "应为 18 位，您填写了 17 位",
    ),
    Case(
        "19 digits", W, lambda a: {"id_number": a.next_id() + "1"}, 422, "id_number", "应为 18 位"
    ),
    Case(
        "birth date in the future",
        W,
        {"id_number": compose_id_number("320412", datetime.date(2027, 1, 1), 123)},
        422,
        "id_number",
        "晚于今天",
    ),
    Case("no such day", W, {"id_number": "320412199002301234"}, 422, "id_number", "不是有效日期"),
    Case(
        "letters inside",
        W,
        {"id_number": "3204121990A5171234"},
        422,
        "id_number",
        "前 17 位应为数字",
    ),
    Case("ID left out", W, {"id_number": None}, 422, "id_number", "请填写身份证号码"),
    Case(
        "age 17",
        W,
        {
            "id_number": compose_id_number(
                "320412", birthday_for_age(18) + datetime.timedelta(days=1), 123
            )
        },
        422,
        "id_number",
        "报名须年满 18 周岁",
    ),
    Case("wrong mobile", W, {"mobile": "12345678901"}, 422, "mobile", "不是有效的手机号码"),
    Case("landline as mobile", W, {"mobile": "0519-86123456"}, 422, "mobile", "不是有效的手机号码"),
    Case("mobile left out", W, {"mobile": None}, 422, "mobile", "请填写手机号码"),
    Case(
        "unknown service type",
        W,
        {"service_type": "street-racing"},
        422,
        "service_type",
        "不在可选范围内",
    ),
    Case("service type left out", W, {"service_type": None}, 422, "service_type", "请选择服务类型"),
    Case(
        "unknown availability", W, {"availability": ["周八"]}, 422, "availability", "不在可选范围内"
    ),
    Case(
        "no availability", W, {"availability": None}, 422, "availability", "请至少选择一项服务时间"
    ),
    Case(
        "unit not taking applications",
        W,
        {"unit": "hutang-village-a"},
        422,
        "unit",
        "不接受本次招募的报名",
    ),
    Case("unknown unit", W, {"unit": "atlantis"}, 422, "unit", "请从列表中选择"),
    Case("10 kB name", W, {"name": "张" * 10240}, 422, "name", "最多 30 个字，您填写了 10240 个字"),
    Case("one-character name", W, {"name": "张"}, 422, "name", "至少 2 个字"),
    Case("script tags in a name", W, {"name": "<script>x</script>"}, 422, "name", "只能包含文字"),
    Case(
        "formula in an address",
        W,
        {"registration_address": '=HYPERLINK("x")'},
        422,
        "registration_address",
        "不能以 =、+、-、@ 开头",
    ),
    Case(
        "@ in front of an address",
        W,
        {"registration_address": "@SUM(A1)"},
        422,
        "registration_address",
        "不能以 =、+、-、@ 开头",
    ),
    Case(
        "address left out",
        W,
        {"registration_address": None},
        422,
        "registration_address",
        "请填写注册地址",
    ),
    Case("bad e-mail", W, {"email": "zhang@"}, 422, "email", "电子邮箱格式不正确"),
    Case(
        "a declaration unticked",
        W,
        {"declarations": ["law-abiding", "voluntary"]},
        422,
        "declarations",
        "尚有 1 项未确认",
    ),
    Case(
        "a volunteer of another sector cannot declare otherwise (shanxi)",
        S,
        {"declarations": ["no-criminal-record", "healthy", "has-time"]},
        422,
        "declarations",
        "本人目前未担任其他行业（系统）的志愿者",
    ),
    Case(
        "no consent to the notice",
        W,
        {"consent_notice": None},
        422,
        "consent_notice",
        "个人信息处理告知",
    ),
    Case(
        "no separate consent for sensitive data",
        W,
        {"consent_sensitive": None},
        422,
        "consent_sensitive",
        "敏感个人信息（身份证号码",
    ),
    Case(
        "an older notice",
        W,
        {"notice_version": "wujin-2025-v1"},
        422,
        "notice_version",
        "告知已更新",
    ),
    Case("honeypot filled", W, {"website": "http://spam.example"}, 422, "website", "此项应留空"),
    Case("duplicate in the campaign", W, duplicate, 422, "id_number", "报名进度查询"),
    Case("again after a rejection", W, rejected_then_again, 303),
    # --- Shanxi youth: 附件3, ages 18–45, residence, no double registration -------------------
    Case("shanxi valid", S, status=303),
    Case("shanxi age 45", S, {"id_number": born(45, TY)}, 303),
    Case(
        "shanxi age 17",
        S,
        {
            "id_number": compose_id_number(
                TY, birthday_for_age(18) + datetime.timedelta(days=1), 123
            )
        },
        422,
        "id_number",
        "报名须年满 18 周岁",
    ),
    Case(
        "shanxi age 46",
        S,
        {"id_number": born(46, TY)},
        422,
        "id_number",
        "18–45 周岁，按身份证号码您现在 46 周岁",
    ),
    Case(
        "shanxi entered sex and birth date agree",
        S,
        lambda a: {
            "id_number": compose_id_number(TY, datetime.date(2000, 3, 8), 222),
            "sex": "女",
            "birth_date": "2000-03-08",
        },
        303,
    ),
    Case(
        "shanxi sex contradicts the ID",
        S,
        {"id_number": compose_id_number(TY, datetime.date(2000, 3, 8), 222), "sex": "男"},
        422,
        "sex",
        "性别与身份证号码不符（身份证号码显示为女）",
    ),
    Case(
        "shanxi birth date contradicts the ID",
        S,
        {
            "id_number": compose_id_number(TY, datetime.date(2000, 3, 8), 222),
            "birth_date": "2000-03-09",
        },
        422,
        "birth_date",
        "出生日期与身份证号码不符（身份证号码显示为 2000 年 3 月 8 日）",
    ),
    Case(
        "shanxi residence left out",
        S,
        {"residence": None},
        422,
        "residence",
        "请选择户籍或居住情况",
    ),
    Case(
        "shanxi residence not among the rule's",
        S,
        {"residence": "tourist"},
        422,
        "residence",
        "不在可选范围内",
    ),
    Case("shanxi health not declared", S, {"health": None}, 422, "health", "请确认健康状况"),
    Case(
        "shanxi unknown political status",
        S,
        {"political_status": "无政府主义者"},
        422,
        "political_status",
        "不在可选范围内",
    ),
    Case(
        "shanxi bad QQ number", S, {"qq": "0123"}, 422, "qq", "QQ 号码应为 5–12 位数字，不以 0 开头"
    ),
    Case("shanxi bad landline", S, {"landline": "12"}, 422, "landline", "不是有效的电话号码"),
    Case(
        "shanxi formula in the specialty",
        S,
        {"specialty": "+cmd|' /C calc'!A0"},
        422,
        "specialty",
        "不能以 =、+、-、@ 开头",
    ),
    Case(
        "shanxi applied in another sector",
        S,
        in_2014("datong"),
        422,
        "id_number",
        "原则上不再招募；如有特殊情况，请联系全省青年平安志愿者工作领导小组办公室",
    ),
    Case(
        "shanxi registered in another sector",
        S,
        in_2014("datong", "registered"),
        422,
        "id_number",
        "已在本地区其他平安志愿者队伍报名或登记",
    ),
    Case("shanxi rejected in another sector", S, in_2014("datong", "rejected"), 303),
    Case("shanxi withdrawn in another sector", S, in_2014("datong", "withdrawn"), 303),
    Case(
        "shanxi registered with this unit in an earlier round",
        S,
        in_2014("taiyuan", "registered"),
        422,
        "id_number",
        "已在此前的招募中登记为本单位的平安志愿者，无需再次报名",
    ),
    Case(
        "shanxi pending with this unit in an earlier round",
        S,
        in_2014("taiyuan"),
        422,
        "id_number",
        "已在此前的招募中向本单位报名，正在审核",
    ),
    Case(
        "shanxi 2014 round is closed",
        "shanxi-2014",
        status=422,
        field="campaign",
        message="本次招募已于 2014 年 12 月 31 日截止报名",
    ),
    # --- Expo town: 18–65 in principle, other documents ---------------------------------------
    Case("expo age 65", E, {"id_number": born(65, SH)}, 303),
    Case(
        "expo age 66",
        E,
        {"id_number": born(66, SH)},
        422,
        "id_number",
        "您现在 66 周岁；如确有需要，请与招募办公室联系，由其审核决定是否放宽（联系方式：某镇"
        "世博安保志愿者服务工作办公室（示例联系方式），021-00000000）",
    ),
    Case(
        "expo passport with birth date and sex",
        E,
        {"id_type": "passport", "id_number": "E12345678", "birth_date": "1970-01-02", "sex": "男"},
        303,
    ),
    Case(
        "expo Hong Kong permit",
        E,
        {
            "id_type": "hk_macao_permit",
            "id_number": "h12345678",
            "birth_date": "1980-06-01",
            "sex": "女",
        },
        303,
    ),
    Case(
        "expo passport without birth date",
        E,
        {"id_type": "passport", "id_number": "E12345678", "sex": "男"},
        422,
        "birth_date",
        "请填写出生日期",
    ),
    Case(
        "expo passport holder aged 70",
        E,
        {"id_type": "passport", "id_number": "E12345678", "birth_date": "1956-01-02", "sex": "男"},
        422,
        "birth_date",
        "您现在 70 周岁",
    ),
    Case(
        "expo malformed passport number",
        E,
        {"id_type": "passport", "id_number": "AB", "birth_date": "1970-01-02", "sex": "男"},
        422,
        "id_number",
        "护照号码应为5–20 位字母和数字",
    ),
    Case(
        "expo malformed permit number",
        E,
        {
            "id_type": "hk_macao_permit",
            "id_number": "X1234",
            "birth_date": "1970-01-02",
            "sex": "男",
        },
        422,
        "id_number",
        "港澳居民来往内地通行证号码应为H 或 M 开头",
    ),
    Case(
        "expo unknown document type",
        E,
        {"id_type": "driving_licence"},
        422,
        "id_type",
        "不在可选范围内",
    ),
    # --- Directed recruitment categories --------------------------------------------------
    Case("open category", D, {"category": "building-guards"}, 303),
    Case(
        "directed category",
        D,
        {"category": "government-staff"},
        422,
        "category",
        "该类别为定向招募，由负责该队伍的对口政府部门统一报名",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_an_application_is_accepted_or_refused_with_a_reason(make_app, case):
    app = make_app(CAMPAIGNS[case.campaign])
    applicant = Applicant(app, case.campaign)
    overrides = case.answers(applicant) if callable(case.answers) else dict(case.answers)
    before = stored(app)

    response = applicant.submit(**overrides)

    assert response.status_code == case.status
    if case.status == 303:
        assert response.headers["Location"].endswith(f"/apply/{case.campaign}/done")
        assert stored(app) == before + 1
        return
    errors = errors_of(response)
    assert case.field in errors, errors
    assert case.message in errors[case.field]
    assert stored(app) == before


def test_every_error_is_summarised_and_shown_beside_its_field(make_app):
    app = make_app("wujin")
    response = Applicant(app).submit(name=None, mobile="1", service_type=None)
    errors = errors_of(response)
    assert list(errors) == ["name", "mobile", "service_type"]
    from bs4 import BeautifulSoup

    page = BeautifulSoup(response.data, "html.parser")
    for name, message in errors.items():
        beside = page.select_one(f"#field-{name} .error-message")
        assert beside is not None and message in beside.get_text()


def test_the_table_covers_at_least_forty_inputs():
    assert len(CASES) >= 40
    assert {case.campaign for case in CASES} >= {"wujin-2026", "shanxi-2026", "expo-2026"}
