"""Log-in, log-out and the user's own password."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from ...security import client_ip
from .. import auth
from ..auth import login_required
from .common import safe_next

bp = Blueprint("account", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """A wrong password answers 401; a try refused by a lock 429; both with ``Retry-After``
    while a lock holds (see ``auth``), so a script knows when to come back."""
    error = None
    status = 200
    headers: dict[str, str] = {}
    next_url = safe_next(request.values.get("next"))
    if request.method == "POST":
        result = auth.log_in(
            request.form.get("username", ""), request.form.get("password", ""), client_ip()
        )
        if result.user is not None:
            return redirect(next_url or url_for("office.applications.list"), 303)
        error, status = result.error, 429 if result.refused else 401
        if result.retry_after is not None:
            headers["Retry-After"] = str(result.retry_after)
    return (
        render_template(
            "office/login.html",
            error=error,
            next_url=next_url,
            username=request.form.get("username", "")[:60],
        ),
        status,
        headers,
    )


@bp.post("/logout")
def logout():
    auth.log_out()
    flash("您已退出登录。")
    return redirect(url_for("office.account.login"), 303)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    """The user's own password: the current one, the new one twice."""
    problems: list[str] = []
    if request.method == "POST":
        problems = auth.change_password(
            g.office_user,
            request.form.get("current_password", ""),
            request.form.get("new_password", ""),
            request.form.get("repeat_password", ""),
            client_ip(),
        )
        if not problems:
            flash("密码已修改。其他设备上的登录已全部退出。")
            return redirect(url_for("office.applications.list"), 303)
    return (
        render_template(
            "office/password.html", problems=problems, min_length=auth.MIN_PASSWORD_LENGTH
        ),
        422 if problems else 200,
    )
