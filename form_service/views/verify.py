"""``/verify``: anyone checks a certificate of service record (志愿服务记录证明) by the code
printed on it.

The code is sent by POST (never in the address, so not in access logs or history), with
the CSRF token, and the form is rate-limited per client address like the status look-up.
A known code shows only what confirms the paper: the masked name (张*明), the issuing unit,
the hours, the number of activities and the issue date, as issued. An unknown or altered
code gets one answer.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from pingan.points import hours_text
from pingan.zhtext import zh_date

from ..context import current_deployment
from ..dates import local_date
from ..db import read_session
from ..extensions import limiter
from ..forms import CsrfForm
from ..service_certificates import find
from .volunteer import masked_name

bp = Blueprint("verify", __name__, url_prefix="/verify")

NOT_FOUND = "没有找到这个验证码对应的证明：请核对验证码。验证码不符的证明不能作为服务记录的依据"
MISSING = "请填写证明上的验证码"


def _rate_limit() -> str:
    return current_app.config["STATUS_RATE_LIMIT"]


@bp.get("")
def form():
    return _page(None, None, 200)


@bp.post("")
@limiter.limit(_rate_limit, methods=["POST"])
def check():
    typed = request.form.get("code", "")
    if not typed.strip():
        return _page(None, MISSING, 422)
    certificate = find(read_session(), typed)
    if certificate is None:
        return _page(None, NOT_FOUND, 404)
    tree = current_deployment().tree
    return _page(
        {
            "name": masked_name(certificate.name),
            "issuer": tree[certificate.unit].name if certificate.unit in tree else certificate.unit,
            "hours": hours_text(certificate.minutes),
            "activities": certificate.activities,
            "issued_on": local_date(certificate.issued_at),
            "period": f"{zh_date(certificate.period_start)}至{zh_date(certificate.period_end)}",
        },
        None,
        200,
    )


def _page(result, error, status):
    response = current_app.make_response(
        (
            render_template("verify.html", csrf_form=CsrfForm(), result=result, error=error),
            status,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response
