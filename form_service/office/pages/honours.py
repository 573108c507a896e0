"""Honour nominations (表彰提名): an office nominates a volunteer of its scope for an honour
and year, records the person's consent, sets the public notice (公示) and how to object,
and may withdraw the nomination with a reason. Where the deployment keeps volunteers'
records, the office finds the nominee among its records (by volunteer number or name, the
ID number masked) and the nomination links the record, whose name and unit it takes; it
may still type a nominee by hand.

The rules are ``pingan.honours``, the storage ``form_service/honours.py``; these routes turn
forms into its calls. The status follows from the notice dates and the service's "today"
(``form_service.context.today``): under notice between them, awarded after. A nomination
outside the user's scope is a 404, as everywhere.
"""

from __future__ import annotations

import datetime

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from pingan.honours import (
    CONSENT_METHODS,
    DEEDS_LENGTH,
    HONOUR_LENGTH,
    NAME_LENGTH,
    OBJECTIONS_LENGTH,
    STATUS_NAMES,
    NominationInput,
    nomination_problems,
)

from ...context import current_deployment, today
from ...db import get_db, read_session
from ...honour_models import HonourNomination
from ...honours import Refused, nominate, status_of, withdraw
from ...site_rebuild import queue_site_rebuild
from ...volunteer_models import VolunteerRecord
from ..auth import login_required
from .common import row_in_scope

bp = Blueprint("honours", __name__)

PAGE_SIZE = 200
#: Records a search for a nominee lists at most (a number finds one; a name, a few).
PICK_SIZE = 20


@bp.get("/honours", endpoint="index")
@login_required
def index():
    """The scope's nominations, newest first, each with its status today."""
    rows = (
        read_session()
        .scalars(
            select(HonourNomination)
            .where(
                HonourNomination.deployment == current_deployment().id,
                HonourNomination.unit.in_(g.office_scope),
            )
            .order_by(HonourNomination.year.desc(), HonourNomination.id.desc())
            .limit(PAGE_SIZE)
        )
        .all()
    )
    day = today()
    return render_template(
        "office/honours.html",
        nominations=[(row, status_of(row, day)) for row in rows],
        status_names=STATUS_NAMES,
    )


@bp.route("/honours/new", methods=["GET", "POST"], endpoint="new")
@login_required
def new():
    form = request.form if request.method == "POST" else {}
    errors: dict[str, str] = {}
    day = today()
    record = _picked_record(form if request.method == "POST" else request.args)
    if record is not None:
        form = {**form, "name": record.name, "unit": record.unit}
    if request.method == "POST":
        data, errors = _nomination_input(form)
        if data is not None:
            errors = nomination_problems(data, day)
        if data is not None and not errors:
            try:
                with get_db().write() as session:
                    nomination = nominate(
                        session,
                        g.office_user,
                        g.office_scope,
                        current_deployment().id,
                        data,
                        day,
                        record_id=record.id if record is not None else None,
                    )
            except Refused as refused:
                if refused.status == 404:
                    abort(404)
                errors["form"] = refused.message
            else:
                queue_site_rebuild()  # the notice shows on the site from its first day
                flash(f"已提名{nomination.name}（{nomination.honour}）。", "success")
                return redirect(url_for("office.honours.show", nomination_id=nomination.id), 303)
    deployment = current_deployment()
    units = [unit for unit, _ in deployment.tree.walk() if unit.id in g.office_scope]
    wanted = request.args.get("q", "").strip()[:40]
    return (
        render_template(
            "office/honour_new.html",
            form=form,
            errors=errors,
            units=units,
            keeps_records=deployment.records is not None,
            record=record,
            wanted=wanted,
            found=_records_found(wanted) if wanted and record is None else [],
            masked_id=_masked_id,
            methods=CONSENT_METHODS,
            year=day.year,
            limits={
                "name": NAME_LENGTH,
                "honour": HONOUR_LENGTH,
                "deeds": DEEDS_LENGTH,
                "objections": OBJECTIONS_LENGTH,
            },
        ),
        422 if errors else 200,
    )


@bp.get("/honours/<int:nomination_id>", endpoint="show")
@login_required
def show(nomination_id: int):
    nomination = _in_scope(nomination_id)
    return render_template(
        "office/honour.html",
        nomination=nomination,
        status=status_of(nomination, today()),
        status_names=STATUS_NAMES,
    )


@bp.post("/honours/<int:nomination_id>/withdraw", endpoint="withdraw")
@login_required
def withdraw_nomination(nomination_id: int):
    nomination = _in_scope(nomination_id)
    try:
        with get_db().write() as session:
            withdraw(
                session,
                g.office_user,
                g.office_scope,
                nomination.id,
                request.form.get("reason", ""),
                today(),
            )
    except Refused as refused:
        flash(refused.message, "error")
    else:
        queue_site_rebuild()  # off the site at once, not at the next scheduled build
        flash(f"已撤回对{nomination.name}的提名。", "success")
    return redirect(url_for("office.honours.show", nomination_id=nomination.id), 303)


def _in_scope(nomination_id: int) -> HonourNomination:
    return row_in_scope(HonourNomination, nomination_id)


def _picked_record(values) -> VolunteerRecord | None:
    """The volunteer record picked as nominee (``record``), 404 outside the scope."""
    picked = values.get("record", "").strip()
    if not picked:
        return None
    if not (picked.isascii() and picked.isdigit() and len(picked) <= 9):
        abort(404)
    return row_in_scope(VolunteerRecord, int(picked))


def _records_found(wanted: str) -> list[VolunteerRecord]:
    """The scope's record with the volunteer number *wanted* (through its unique index),
    else the scope's records whose name holds it."""
    session = read_session()
    scoped = select(VolunteerRecord).where(
        VolunteerRecord.deployment == current_deployment().id,
        VolunteerRecord.unit.in_(g.office_scope),
    )
    by_number = session.scalar(scoped.where(VolunteerRecord.volunteer_number == wanted))
    if by_number is not None:
        return [by_number]
    by_name = VolunteerRecord.name.contains(wanted, autoescape=True)
    return list(
        session.scalars(
            scoped.where(by_name).order_by(VolunteerRecord.volunteer_number).limit(PICK_SIZE)
        )
    )


def _masked_id(record: VolunteerRecord) -> str:
    """The ID number as the pick list shows it: its last four characters only."""
    return "*" * 14 + record.id_last4


def _date(form, name: str, title: str, errors: dict[str, str]) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(form.get(name, "").strip())
    except ValueError:
        errors[name] = f"请填写{title}，格式 YYYY-MM-DD"
        return None


def _nomination_input(form) -> tuple[NominationInput | None, dict[str, str]]:
    """The form as a NominationInput, or the fields it could not read."""
    errors: dict[str, str] = {}
    year = form.get("year", "").strip()
    if not (year.isdigit() and len(year) == 4):
        errors["year"] = "请填写年度，如 2026"
    consent_date = _date(form, "consent_date", "本人同意的日期", errors)
    starts = _date(form, "notice_starts", "公示开始日期", errors)
    ends = _date(form, "notice_ends", "公示结束日期", errors)
    unit = form.get("unit", "")
    if unit not in g.office_scope:
        errors["unit"] = "请选择本单位或下级单位"
    if errors:
        return None, errors
    return (
        NominationInput(
            name=form.get("name", ""),
            unit=unit,
            honour=form.get("honour", ""),
            year=int(year),
            deeds=form.get("deeds", ""),
            consent_date=consent_date,
            consent_method=form.get("consent_method", ""),
            notice_starts=starts,
            notice_ends=ends,
            objections=form.get("objections", ""),
        ),
        {},
    )
