"""Uploaded rosters: headers by title or name, values as the form sends them, template."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from export_records import BIRTH, ROOT, id_number_ending_in_x
from openpyxl import Workbook, load_workbook

from pingan.deployment import Deployment, load_deployment
from pingan.export.roster_import import RosterError, read_roster, template_fields, write_template
from pingan.idnumber import compose_id_number

WUJIN_TITLES = [
    "姓名",
    "身份证号",
    "手机号码",
    "镇（开发区、街道）",
    "注册地址",
    "服务类型",
    "服务时间",
    "电子邮箱",
]
ID_NUMBER = compose_id_number("320412", BIRTH, 123)


def filled_template(
    deployment: Deployment, campaign_id: str, rows: list[list], tmp_path: Path
) -> Path:
    """The campaign's template with *rows* typed under the header, as an office would."""
    path = tmp_path / "template.xlsx"
    write_template(deployment.campaigns[campaign_id], deployment, path)
    workbook = load_workbook(path)
    sheet = workbook["名单"]
    for number, row in enumerate(rows, start=2):  # append() would go below the formatted rows
        for column, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(row=number, column=column, value=value)
    workbook.save(path)
    return path


def test_template_has_the_input_columns_and_a_hidden_guide(wujin: Deployment, tmp_path: Path):
    path = tmp_path / "template.xlsx"
    write_template(wujin.campaigns["wujin-2026"], wujin, path)

    workbook = load_workbook(path)
    sheet, guide = workbook["名单"], workbook["填写说明"]
    assert [cell.value for cell in sheet[1]] == WUJIN_TITLES
    assert sheet["B2"].number_format == "@"  # typed ID numbers stay text
    assert guide.sheet_state == "hidden"
    rows = {row[0]: row for row in guide.iter_rows(min_row=2, values_only=True)}
    assert rows["镇（开发区、街道）"][2] == "必填"
    assert "湖塘平安志愿者工作站" in rows["镇（开发区、街道）"][4]
    assert rows["服务时间"][4].startswith("周一、周二")
    assert rows["电子邮箱"][2] == "选填"


def test_shanxi_template_starts_with_the_attachment_4_columns():
    deployment = load_deployment(ROOT / "examples/shanxi-youth")
    titles = [
        title for title, _ in template_fields(deployment.campaigns["shanxi-2014"], deployment)
    ]
    # 附件4 without 年龄, which the ID number gives
    assert titles[:9] == [
        "姓名",
        "性别",
        "单位",
        "专业或特长",
        "身份证号",
        "健康状况",
        "服务时间",
        "服务项目",
        "联系方式",
    ]


def test_a_filled_template_reads_as_form_values(wujin: Deployment, tmp_path: Path):
    x_number = id_number_ending_in_x()
    path = filled_template(
        wujin,
        "wujin-2026",
        [
            [
                "张三",
                ID_NUMBER,
                "13812345678",
                "湖塘平安志愿者工作站",
                "东村",
                "参与治安防范",
                "周六、周日",
                None,
            ],
            [None] * 8,  # an empty row in between is skipped
            [
                "李四",
                x_number,
                "051988888888",
                "not-a-town",
                "西村",
                "patrol",
                "周一，随时都可以",
                "a@b.cn",
            ],
        ],
        tmp_path,
    )
    roster = read_roster(path, wujin.campaigns["wujin-2026"], wujin)
    items = list(roster)

    assert [number for number, _, _ in items] == [2, 4]
    _, first, refs = items[0]
    assert first == {
        "name": "张三",
        "id_number": ID_NUMBER,
        "mobile": "13812345678",
        "unit": "hutang",
        "registration_address": "东村",
        "service_type": "patrol",
        "availability": ["周六", "周日"],
        "email": None,
    }
    assert refs["unit"] == "D2" and refs["id_number"] == "B2"
    _, second, refs = items[1]
    assert second["id_number"] == x_number and second["mobile"] == "051988888888"
    assert second["unit"] == "not-a-town"  # left for the validator to refuse
    assert second["availability"] == ["周一", "随时都可以"]
    assert refs["email"] == "H4"
    assert roster.problems == []


def test_headers_may_be_titles_or_field_names_in_any_order(wujin: Deployment):
    text = "unit,* 姓 名,id_number,mobile,registration_address,服务类型,availability\r\n"
    text += f"湖塘平安志愿者工作站,张三,{ID_NUMBER},13812345678,东村,参与平安创建,周一\r\n"
    roster = read_roster(text.encode("utf-8"), wujin.campaigns["wujin-2026"], wujin)
    [(number, values, refs)] = list(roster)
    assert values["name"] == "张三" and values["unit"] == "hutang"
    assert refs["name"] == "B2"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk", "utf-16"])
def test_csv_encodings_excel_produces(encoding: str, wujin: Deployment):
    delimiter = "\t" if encoding == "utf-16" else ","  # Excel's "Unicode text" is tab-separated
    lines = [
        delimiter.join(WUJIN_TITLES[:7]),
        delimiter.join(
            [
                "张三",
                ID_NUMBER,
                "13812345678",
                "湖塘平安志愿者工作站",
                "东村",
                "参与平安创建",
                "周一",
            ]
        ),
    ]
    data = "\r\n".join(lines).encode(encoding)
    [(_, values, _)] = list(read_roster(data, wujin.campaigns["wujin-2026"], wujin))
    assert values["name"] == "张三" and values["unit"] == "hutang"


def test_title_rows_above_the_header_are_skipped(wujin: Deployment):
    text = "平安志愿者注册登记台账\r\n\r\n" + ",".join(WUJIN_TITLES) + "\r\n"
    text += f"张三,{ID_NUMBER},13812345678,湖塘平安志愿者工作站,东村,参与平安创建,周一,\r\n"
    [(number, values, _)] = list(read_roster(text.encode(), wujin.campaigns["wujin-2026"], wujin))
    assert number == 4 and values["name"] == "张三"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            "姓名,身份证号,手机号码,镇（开发区、街道）,注册地址,服务类型,服务时间,鞋码",
            "H 列的列名“鞋码”不是这份名单的列",
        ),
        (
            "姓名,身份证号,手机号码,镇（开发区、街道）,注册地址,服务类型,服务时间,姓名",
            "A 列和 H 列都是“姓名”",
        ),
        ("姓名,身份证号,手机号码,镇（开发区、街道）,注册地址,服务类型", "缺少必填的列“服务时间”"),
        (
            "申请编号,姓名,身份证号,手机号码,镇（开发区、街道）,注册地址,服务类型,服务时间",
            "A 列“申请编号”由系统生成",
        ),
    ],
)
def test_header_problems_are_named_in_chinese(header: str, message: str, wujin: Deployment):
    with pytest.raises(RosterError) as caught:
        read_roster((header + "\r\n").encode(), wujin.campaigns["wujin-2026"], wujin)
    assert any(message in problem for problem in caught.value.problems), caught.value.problems
    assert caught.value.problems[-1].startswith("可用的列名：姓名、身份证号")


def test_attachment_4_alone_lacks_the_shanxi_forms_required_columns():
    deployment = load_deployment(ROOT / "examples/shanxi-youth")
    header = (
        "全省青年平安志愿者名单汇总表\r\n"
        "姓名,性别,年龄,单位,专业或特长,身份证号,健康状况,服务时间,服务项目,联系方式\r\n"
    )
    with pytest.raises(RosterError) as caught:
        read_roster(header.encode("gbk"), deployment.campaigns["shanxi-2014"], deployment)
    problems = caught.value.problems
    assert "缺少必填的列“所在地区（县/区）”" in problems
    assert not any("年龄" in p or "性别" in p for p in problems[:-1])


def test_an_id_number_excel_stored_as_a_number_is_reported(wujin: Deployment, tmp_path: Path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(WUJIN_TITLES[:7])
    sheet.append(
        [
            "张三",
            320412199001011000,
            13812345678,
            "湖塘平安志愿者工作站",
            "东村",
            "参与平安创建",
            "周一",
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)

    roster = read_roster(buffer.getvalue(), wujin.campaigns["wujin-2026"], wujin)
    [(_, values, _)] = list(roster)

    assert values["mobile"] == "13812345678"
    assert [(p.cell, p.field) for p in roster.problems] == [("B2", "id_number")]
    assert "文本格式" in roster.problems[0].message


def test_old_xls_files_are_refused_with_advice(wujin: Deployment):
    with pytest.raises(RosterError, match="另存为 .xlsx"):
        read_roster(b"\xd0\xcf\x11\xe0" + b"\0" * 100, wujin.campaigns["wujin-2026"], wujin)
