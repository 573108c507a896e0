"""Friendly HTML error pages (the API blueprint answers in JSON itself).

The public pages and the office pages answer in their own layout and words: an office
clerk who opens an application outside their scope or an export after a session ended
sees the office's header and a way back to the application list, never the public text
about a recruitment that went offline. Every page is in Chinese, whatever the code.
"""

from __future__ import annotations

from flask import Flask, Response, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

PAGES = {
    400: ("请求无效", "请返回上一页重新填写后提交。"),
    403: ("无权访问", "这个页面不对外开放。"),
    404: ("没有找到这个页面", "地址可能有误，或者这项招募已经下线。"),
    405: ("不支持这种操作", "请从报名页面重新开始。"),
    413: ("提交的内容过大", "请检查填写的内容，删去多余的部分后重新提交。"),
    429: ("操作过于频繁", "为保护报名信息安全，请稍等几分钟后再试。"),
    500: ("服务暂时出现问题", "请稍后再试。问题已记录，若一直出现，请联系报名服务的管理员。"),
}
#: Any other status: a page in Chinese all the same.
OTHER_PAGE = ("请求未能完成", "请返回上一页后重试。")

#: The office pages' words for the same errors (see office/error.html).
OFFICE_PAGES = {
    400: ("请求无效", "请返回上一页重新操作。"),
    401: ("请先登录", "登录已过期或尚未登录，请重新登录后再操作。"),
    403: ("没有权限", "您的账号没有这项操作的权限；需要时请联系本单位的管理员。"),
    404: (
        "没有找到",
        "地址可能有误，或者要找的报名、单位或导出不在您的账号可以查看的范围内。",
    ),
    405: ("不支持这种操作", "请从报名列表重新开始。"),
    413: ("提交的内容过大", "请检查上传的文件或填写的内容后重新提交。"),
    429: ("操作过于频繁", "为保护账号安全，请稍等几分钟后再试。"),
    500: ("服务暂时出现问题", "请稍后再试。问题已记录，若一直出现，请联系系统管理员。"),
}
OFFICE_CSRF = ("页面已过期", "页面打开的时间较长，已失效。请返回后刷新页面，再重新操作。")

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


def _is_office() -> bool:
    return request.path == "/office" or request.path.startswith("/office/")


def _office_error(code: int, title: str, message: str):
    return (
        render_template(
            "office/error.html",
            title=title,
            message=message,
            code=code,
            office_user=g.get("office_user"),
        ),
        code,
    )


def _csrf_error(error: CSRFError):
    if _is_office():
        return _office_error(400, *OFFICE_CSRF)
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
    code = error.code or 500
    if _is_office():
        return _office_error(code, *OFFICE_PAGES.get(code, OTHER_PAGE))
    title, message = PAGES.get(code, OTHER_PAGE)
    return render_template("error.html", title=title, message=message), code
