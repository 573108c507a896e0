"""Review stages per scheme through the office pages: allowed and refused moves, reasons,
numbers, bulk decisions. The rules themselves are tabled in tests/pingan/test_review.py."""

from __future__ import annotations

import re

import pytest
from offices import OfficeApplicant, audit_actions, csrf_of, page, reload
from sqlalchemy import select

from form_service.models import StageEvent
from form_service.office.review import ReviewRefused, change_stages

# (deployment, campaign, applicant's unit, [(office unit, action, expected stage or refusal)])
SCHEMES = {
    # One 审核 by the 综治 office registers (审核通过之后该申请人即成为注册的平安志愿者).
    "wujin": (
        "wujin-2026",
        "hutang",
        [("hutang", "approve", "registered"), ("wujin", "approve", "该报名已完成全部审核阶段")],
    ),
    "shanxi-youth": ("shanxi-2026", "taiyuan", [("taiyuan", "approve", "registered")]),
    "chongqing": (
        "chongqing-2026",
        "district-a-community",
        [
            ("district-a-community", "approve", "initial-review"),
            ("district-a-community", "approve", "示例社区平安建设志愿服务分队）的上一级办公室审核"),
            ("district-a-street", "approve", "upper-review"),
            ("district-a-street", "approve", "须由区县（自治县）一级或更高一级的办公室审核"),
            ("district-a", "approve", "registered"),
            ("district-a", "approve", "须由市一级或更高一级的办公室审核"),
            ("chongqing", "approve", "certified"),
            ("chongqing", "approve", "该报名已完成全部审核阶段"),
        ],
    ),
    "expo-town": (
        "expo-2026",
        "committee-1",
        [
            ("committee-1", "approve", "forwarded"),
            ("committee-1", "approve", "须由镇一级或更高一级的办公室审核"),
            ("expo-town", "approve", "registered"),
        ],
    ),
}


@pytest.mark.parametrize("scheme", SCHEMES)
def test_each_scheme_moves_forward_stage_by_stage_at_the_right_level(office_app, office, scheme):
    campaign, unit, steps = SCHEMES[scheme]
    app = office_app(scheme)
    application = OfficeApplicant(app, campaign).stored(unit=unit)
    offices = {}
    for office_unit, action, expected in steps:
        account = offices.get(office_unit) or office(app, office_unit)
        offices[office_unit] = account
        before = reload(app, application.id).stage
        response = account.decide(application, action)
        assert response.status_code == 303
        flashes = page(account.get(f"/office/applications/{application.id}")).select(".flash")
        now = reload(app, application.id).stage
        if re.fullmatch(r"[a-z-]+", expected):
            assert now == expected, [f.get_text() for f in flashes]
        else:
            assert now == before
            assert expected in flashes[0].get_text()


#: Offices that pass an application stage after stage until it is registered.
REGISTRARS = {
    "wujin": ["wujin"],
    "shanxi-youth": ["shanxi"],
    "chongqing": ["district-a-community", "district-a-street", "district-a"],
}


@pytest.mark.parametrize(
    ("scheme", "number"),
    [("wujin", r"WJ2026\d{6}"), ("shanxi-youth", r"SX2026\d{6}"), ("chongqing", r"CQ2026\d{7}")],
)
def test_registration_assigns_a_number_in_the_schemes_format(office_app, office, scheme, number):
    campaign, unit, _ = SCHEMES[scheme]
    app = office_app(scheme)
    offices = [office(app, unit_id) for unit_id in REGISTRARS[scheme]]
    applicant = OfficeApplicant(app, campaign)
    first, second = applicant.stored(unit=unit), applicant.stored(unit=unit)
    for application in (first, second):
        for account in offices:
            assert not reload(app, application.id).volunteer_number
            assert account.decide(application, "approve").status_code == 303
    numbers = [reload(app, a.id).volunteer_number for a in (first, second)]
    assert all(re.fullmatch(number, n) for n in numbers)
    assert int(numbers[1][-6:]) == int(numbers[0][-6:]) + 1


def test_a_rejection_needs_a_reason_and_the_applicant_sees_it(app, office, applicant):
    application = applicant.stored(unit="hutang")
    account = office(app, "hutang")
    account.decide(application, "reject", reason="  ")
    assert reload(app, application.id).stage == "submitted"
    account.decide(application, "reject", reason="服务时间与本站排班不符，请改选周末后重新报名。")
    assert reload(app, application.id).stage == "rejected"

    client = app.test_client()
    token = csrf_of(client.get("/status").data)
    last4 = _last4(app, application.id)
    status = page(
        client.post(
            "/status",
            data={"csrf_token": token, "reference": application.reference, "last4": last4},
        )
    )
    assert (
        status.select_one(".reason").get_text() == "服务时间与本站排班不符，请改选周末后重新报名。"
    )
    assert status.select_one("#stage").get_text() == "未通过审核"


def _last4(app, application_id: int) -> str:
    return reload(app, application_id).id_last4


def test_a_rejected_application_cannot_move_again(app, office, applicant):
    application = applicant.stored(unit="hutang")
    account = office(app, "hutang")
    account.decide(application, "reject", reason="资料不全")
    account.decide(application, "approve", stage="rejected")
    assert reload(app, application.id).stage == "rejected"


def test_each_change_records_who_when_why_and_an_audit_event(app, office, applicant):
    application = applicant.stored(unit="hutang")
    account = office(app, "hutang")
    account.decide(application, "approve", reason="资料齐全")
    with app.app_context():
        from form_service.db import get_db

        with get_db().sessions() as session:
            event = session.scalars(
                select(StageEvent)
                .where(StageEvent.application_id == application.id)
                .order_by(StageEvent.id.desc())
            ).first()
    assert (event.from_stage, event.to_stage, event.reason) == (
        "submitted",
        "registered",
        "资料齐全",
    )
    assert (event.actor, event.unit) == (f"user:{account.user_id}", "hutang")
    assert "stage_change" in audit_actions(app, application_id=application.id)


def test_a_decision_on_a_stage_someone_else_changed_is_refused(app, office, applicant):
    application = applicant.stored(unit="hutang")
    first, second = office(app, "hutang"), office(app, "wujin")
    first.decide(application, "approve")
    response = second.decide(application, "approve", stage="submitted")
    assert response.status_code == 303
    assert reload(app, application.id).stage == "registered"
    flash = page(second.get(f"/office/applications/{application.id}")).select_one(".flash-error")
    assert "已被他人处理" in flash.get_text()


def test_bulk_approval_changes_every_selected_row_and_audits_each(app, office, applicant):
    rows = [applicant.stored(unit="hutang") for _ in range(3)]
    account = office(app, "hutang")
    data = [("action", "approve")]
    for row in rows:
        data += [("selected", str(row.id)), (f"stage-{row.id}", "submitted")]
    assert account.post("/office/applications/bulk", data).status_code == 303
    assert [reload(app, row.id).stage for row in rows] == ["registered"] * 3
    assert audit_actions(app, action="stage_change") == ["stage_change"] * 3


def test_bulk_decisions_are_all_or_nothing(app, office, applicant):
    ready = applicant.stored(unit="hutang")
    rejected = applicant.stored(unit="hutang")
    account = office(app, "hutang")
    account.decide(rejected, "reject", reason="重复报名")
    data = [("action", "approve"), ("selected", str(ready.id)), ("selected", str(rejected.id))]
    response = account.post("/office/applications/bulk", data)
    assert response.status_code == 303
    assert reload(app, ready.id).stage == "submitted"
    listing = page(account.get("/office/applications"))
    assert "已被退回" in listing.select_one(".flash-error").get_text()


def test_bulk_rejection_gives_every_row_the_reason(app, office, applicant):
    rows = [applicant.stored(unit="hutang") for _ in range(2)]
    account = office(app, "hutang")
    data = [("action", "reject"), ("reason", "名额已满")] + [("selected", str(r.id)) for r in rows]
    account.post("/office/applications/bulk", data)
    assert {reload(app, r.id).stage for r in rows} == {"rejected"}


def test_a_bulk_selection_outside_the_scope_is_not_found(app, office, applicant):
    mine, theirs = applicant.stored(unit="hutang"), applicant.stored(unit="niutang")
    account = office(app, "hutang")
    data = [("action", "approve"), ("selected", str(mine.id)), ("selected", str(theirs.id))]
    assert account.post("/office/applications/bulk", data).status_code == 404
    assert reload(app, mine.id).stage == "submitted"


def test_volunteer_numbers_stay_unique_when_registered_concurrently(office_app):
    """Threads register at once through the service's own transaction: no number twice."""
    import threading

    from offices import add_user

    from form_service.office_models import User

    app = office_app("shanxi-youth")
    applicant = OfficeApplicant(app, "shanxi-2026")
    rows = [applicant.stored(unit="taiyuan") for _ in range(8)]
    user_id = add_user(app, "shanxi-admin", "shanxi", "administrator")
    scope = frozenset(u.id for u in app.extensions["pingan_deployment"].tree.units)
    errors = []

    def register(application_id: int) -> None:
        with app.test_request_context():
            from form_service.db import get_db

            with get_db().sessions() as session:
                user = session.get(User, user_id)
            try:
                change_stages(user, scope, [application_id], "approve")
            except ReviewRefused as refused:  # pragma: no cover - would be the failure
                errors.append(refused)

    threads = [threading.Thread(target=register, args=(row.id,)) for row in rows]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    numbers = [reload(app, row.id).volunteer_number for row in rows]
    assert not errors
    assert sorted(numbers) == [f"SX2026{seq:06d}" for seq in range(1, 9)]
