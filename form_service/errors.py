"""Friendly HTML error pages (the API blueprint answers in JSON itself)."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

PAGES = {
    400: ("请求无效", "请返回上一页重新填写后提交。"),
    404: ("没有找到这个页面", "地址可能有误，或者这项招募已经下线。"),
    405: ("不支持这种操作", "请从报名页面重新开始。"),
    413: ("提交的内容过大", "请检查填写的内容，删去多余的部分后重新提交。"),
    429: ("操作过于频繁", "为保护报名信息安全，请稍等几分钟后再试。"),
}

#: The JSON API's words for the same errors.
API_MESSAGES = {
    400: "请求无效",
    404: "没有这个地址或招募活动",
    405: "不支持这种请求方法",
    413: "请求内容过大",
    415: "请以 application/json 提交",
    429: "请求过于频繁，请稍后再试",
}


def api_error(error: HTTPException) -> tuple[Response, int]:
    """An HTTP error as the API's JSON body, keeping the headers it needs (Allow, Retry-After)."""
    code = error.code or 500
    response = jsonify({"errors": [{"field": None, "message": API_MESSAGES.get(code, "请求失败")}]})
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return response, code


def init_errors(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)


def _csrf_error(error: CSRFError):
    return (
        render_template(
            "error.html",
            title="页面已过期",
            message="为保护您的信息，表单在打开较长时间后会失效。请返回报名页面，刷新后重新提交。",
        ),
        400,
    )


def _http_error(error: HTTPException):
    if request.path.startswith("/api/"):
        return api_error(error)
    title, message = PAGES.get(error.code or 500, (error.name, ""))
    return render_template("error.html", title=title, message=message), error.code
