"""The audit log: every read of an application's details, export and stage change.

An event is added to the same write transaction as the change it records (stage changes,
imports), or committed in its own transaction *before* the data is shown (detail reads,
full ID numbers, exports), so nothing personal leaves the service unrecorded.
``detail`` never holds an ID or mobile number. Events of no unit (log-in failures for
names that match no account) are shown to administrators of a tree's root.
"""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context
from sqlalchemy.orm import Session

from ..db import get_db
from ..office_models import AuditEvent, User
from ..redaction import redact
from ..security import client_ip

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
}


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
