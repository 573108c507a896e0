"""The audit log as an administrator reads it: every detail in words, the reference in the
one form people read it (ABCDE-23456), never code such as ``from_stage=registered``."""

from __future__ import annotations

import pytest
from offices import OfficeApplicant, get_db_of, page

from form_service.office_models import AuditEvent
from pingan.records import format_reference


def audit_rows(account) -> list[dict[str, str]]:
    """Each row of the audit page: action, reference and detail as shown."""
    table = page(account.get("/office/audit")).select_one("table.audit")
    rows = []
    for row in table.select("tr.audit-event"):
        cells = row.select("td")
        rows.append(
            {
                "action": row["data-action"],
                "reference": cells[4].get_text(strip=True),
                "detail": cells[5].get_text(strip=True),
            }
        )
    return rows


def test_a_decision_and_an_export_are_written_in_words(app, office):
    application = OfficeApplicant(app, "wujin-2026").stored(unit="hutang")
    admin = office(app, "wujin", "administrator")
    assert admin.decide(application, "approve").status_code == 303
    assert admin.get("/office/units/wujin/export.zip?campaign=wujin-2026").status_code == 200

    rows = {row["action"]: row for row in audit_rows(admin)}

    decision = rows["stage_change"]
    assert decision["reference"] == format_reference(application.reference)
    assert "-" in decision["reference"]
    assert decision["detail"] == "审核阶段：已提交 → 综治办审核通过，成为注册的平安志愿者；批量：否"
    export = rows["export"]["detail"]
    assert export.startswith("招募：武进区平安志愿者招募公告（2026 年）；报名份数：1 份")
    assert "未能导出：0 份" in export
    for row in rows.values():
        assert "=" not in row["detail"] and "_" not in row["detail"], row


@pytest.mark.parametrize(
    ("detail", "shown"),
    [
        (
            {"campaigns": ["wujin-2026"], "columns": ["name", "age"], "rows": 3, "excluded": 0},
            "招募：武进区平安志愿者招募公告（2026 年）；导出的列：姓名、年龄；报名份数：3 份；"
            "未能导出：0 份",
        ),
        (
            {"campaigns": ["wujin-2026"], "rows": 3, "excluded": 0, "workbooks": False},
            "招募：武进区平安志愿者招募公告（2026 年）；报名份数：3 份；未能导出：0 份；"
            "含 Excel 工作簿：否",
        ),
        ({"username": "hutang-2", "role": "reviewer"}, "账号：hutang-2；角色：审核员"),
        (
            {"campaign": "wujin-2026", "rows": 2, "age_exceptions": 1},
            "招募：武进区平安志愿者招募公告（2026 年）；报名份数：2 份；年龄放宽：1 份",
        ),
        ({"from_stage": "rejected", "to_stage": "submitted", "reason": "已补正"}, None),
        ({"note": "未知的键照样列出"}, "note：未知的键照样列出"),
    ],
)
def test_each_kind_of_detail_reads_in_words(app, office, detail, shown):
    with get_db_of(app).write() as session:
        session.add(AuditEvent(actor="x", action="import", unit="wujin", detail=detail))
    admin = office(app, "wujin", "administrator")
    row = next(row for row in audit_rows(admin) if row["action"] == "import")
    if shown is None:  # a stage change of no known application: the closed stages by name
        assert row["detail"].startswith("审核阶段：未通过审核 → submitted；理由：已补正")
    else:
        assert row["detail"] == shown
