"""The audit log: every read of an application's details, export and stage change.

An event is added to the same write transaction as the change it records (stage changes,
imports), or committed in its own transaction *before* the data is shown (detail reads,
full ID numbers, exports), so nothing personal leaves the service unrecorded.
``detail`` never holds an ID or mobile number. Events of no unit (log-in failures for
names that match no account) are shown to administrators of a tree's root.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flask import g, has_request_context
from sqlalchemy.orm import Session

from pingan.campaigns import DERIVED_FIELDS
from pingan.records import format_reference
from pingan.review import CLOSED_NAMES, Workflow
from pingan.schemas import application_fields

from ..db import get_db
from ..office_models import AuditEvent, User
from ..redaction import redact
from ..security import client_ip

if TYPE_CHECKING:
    from pingan.deployment import Deployment

#: Action → how the audit page names it.
ACTIONS = {
    "view": "查看报名详情",
    "view_full_id": "查看完整证件号码",
    "certificate": "打印志愿者证书",
    "stage_change": "变更审核阶段",
    "reopen": "恢复审核被退回的报名",
    "withdraw": "申请人撤回报名",
    "export": "导出数据",
    "export_full_id": "导出完整证件号码",
    "import": "导入定向招募名单",
    "login": "登录",
    "login_failed": "登录失败",
    "user_added": "创建账号",
    "password_reset": "重置密码",
    "password_changed": "修改本人密码",
    "password_change_failed": "修改密码时当前密码错误",
    "activity_publish": "发布志愿服务活动",
    "volunteer_view": "查看志愿者档案",
    "attendance_record": "登记服务时长",
    "attendance_correct": "更正服务时长",
    "attendance_remove": "删除服务时长记录",
    "volunteer_place": "调整志愿者所在单位",
    "volunteer_role": "设置志愿者角色",
    "points_award": "奖励积分",
    "stars_award": "评定星级",
    "honour_nominate": "提名先进志愿者（公示）",
    "honour_withdraw": "撤回表彰提名",
    "service_certificate": "出具志愿服务记录证明",
    "service_certificate_print": "打印志愿服务记录证明",
}

#: Detail key → how the audit page names it, in the order it shows them. ``to_stage`` is
#: shown with ``from_stage`` (审核阶段：A → B); ``reference`` has a column of its own.
DETAIL_LABELS = {
    "from_stage": "审核阶段",
    "reason": "理由",
    "bulk": "批量",
    "campaign": "招募",
    "campaigns": "招募",
    "columns": "导出的列",
    "rows": "报名份数",
    "excluded": "未能导出",
    "workbooks": "含 Excel 工作簿",
    "age_exceptions": "年龄放宽",
    "username": "账号",
    "role": "角色",
    "activity": "活动",
    "title": "活动名称",
    "record": "志愿者档案",
    "hours_before": "原时长（小时）",
    "hours_after": "时长（小时）",
    "points_before": "原积分",
    "points_after": "积分",
    "award": "奖励",
    "points": "积分",
    "stars": "星级",
    "nominee": "被提名人",
    "honour": "荣誉",
    "year": "年度",
    "notice": "公示期",
    "consent": "本人同意",
    "nomination": "提名编号",
    "status": "撤回前状态",
    "certificate": "证明编号",
    "hours": "服务时长（小时）",
    "activities": "参加活动（次）",
    "format": "格式",
    "content": "导出内容",
    "volunteers": "志愿者（人）",
    "activity_rows": "活动（个）",
    "attendance": "服务记录（条）",
}
ROLES = {"administrator": "管理员", "reviewer": "审核员"}


def describe(
    detail: Mapping[str, Any], deployment: Deployment, campaign: str | None = None
) -> list[tuple[str, str]]:
    """An event's detail in words: (label, text) pairs, e.g. (审核阶段, 已提交 → 已注册).

    *campaign* is the campaign of the event's application, whose stages name the stage
    ids. A key the page does not know is shown under its own name, never dropped.
    """
    shown: list[tuple[str, str]] = []
    workflow = (
        Workflow(deployment.campaigns[campaign], deployment)
        if campaign in deployment.campaigns
        else None
    )

    def stage(stage_id: Any) -> str:
        if workflow is not None:
            return workflow.name(str(stage_id))
        return CLOSED_NAMES.get(str(stage_id), str(stage_id))

    def campaign_title(campaign_id: Any) -> str:
        found = deployment.campaigns.get(str(campaign_id))
        return found.title if found is not None else str(campaign_id)

    keys = [key for key in DETAIL_LABELS if key in detail]
    keys += [key for key in detail if key not in DETAIL_LABELS and key not in _SHOWN_ELSEWHERE]
    for key in keys:
        value = detail[key]
        if value is None or value == "" or value == []:
            continue
        if key == "from_stage":
            text = stage(value)
            if detail.get("to_stage"):
                text += f" → {stage(detail['to_stage'])}"
        elif key in ("campaign", "campaigns"):
            values = value if isinstance(value, list) else [value]
            text = "、".join(campaign_title(item) for item in values)
        elif key == "columns":
            text = "、".join(_column_title(str(item)) for item in value)
        elif key == "role":
            text = ROLES.get(str(value), str(value))
        elif isinstance(value, bool):
            text = "是" if value else "否"
        elif key in ("rows", "excluded", "age_exceptions") and isinstance(value, int):
            text = f"{value} 份"
        else:
            text = str(value)
        shown.append((DETAIL_LABELS.get(key, key), text))
    if "to_stage" in detail and "from_stage" not in detail and detail["to_stage"]:
        shown.insert(0, ("审核阶段", stage(detail["to_stage"])))
    return shown


def shown_reference(detail: Mapping[str, Any]) -> str | None:
    """The event's application reference as people read it (ABCDE-23456), if it has one."""
    reference = detail.get("reference")
    return format_reference(reference) if reference else None


_SHOWN_ELSEWHERE = ("reference", "to_stage")


def _column_title(name: str) -> str:
    spec = application_fields().get(name) or DERIVED_FIELDS.get(name) or {}
    return spec.get("title", name)


def record(
    db_session: Session,
    action: str,
    *,
    user: User | None = None,
    actor: str | None = None,
    unit: str | None = None,
    application_id: int | None = None,
    ip: str | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add one event to *db_session* (committed with it).

    Free text in the event (a typed user name, a rejection reason) passes through
    ``redact``: a reviewer may write an ID or mobile number into a reason, and the audit
    log, read by every administrator above, must not hold one in clear.
    """
    if user is None and has_request_context():
        user = g.get("office_user")
    if ip is None and has_request_context():
        ip = client_ip()
    event = AuditEvent(
        user_id=user.id if user else None,
        actor=redact(actor or (user.username if user else "-"))[:80],
        action=action,
        unit=unit or (user.unit if user else None),
        application_id=application_id,
        detail={key: redact(v) if isinstance(v, str) else v for key, v in detail.items()},
        ip=ip,
    )
    db_session.add(event)
    return event


def record_now(action: str, **kwargs: Any) -> None:
    """Commit one event in its own transaction, before the data it records is served."""
    with get_db().write() as db_session:
        record(db_session, action, **kwargs)
