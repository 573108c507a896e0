"""The OpenAPI 3.1 document of the JSON API, generated from the campaigns' form fields.

The request schema of each campaign comes from the same ``CampaignForm`` the validator
uses, so the document cannot drift from what the code accepts. It promises both ways
what JSON Schema can say: a body the schema refuses is refused (schemathesis checks this
with every generated case), and a body it accepts is accepted unless a rule beyond JSON
Schema refuses it. Those rules (an ID number's check digit and the age it gives, telephone
numbers that exist, the campaign's dates, applying twice) are named per operation in
``x-checked-beyond-schema``; their refusals are 422 naming one of those fields.

The validator strips surrounding spaces and treats a blank answer as none, so optional
fields accept ``null`` and blanks, and the patterns allow the spaces it strips.
"""

from __future__ import annotations

import functools
from typing import Any

from pingan.text import text_problem

from .forms import VIA, CampaignForm, FormField

#: The spaces ``str.strip`` removes that the text rule lets through (others are refused).
SPACES = " \\u00a0\\u1680\\u2000-\\u200a\\u202f\\u205f\\u3000"
BLANK = f"[{SPACES}]*"

#: Custom formats, each a rule beyond JSON Schema, described for client authors.
FORMATS = {
    "cn-document-number": "证件号码：居民身份证须为 18 位且校验码正确，年龄符合招募条件",
    "cn-mobile": "中国大陆手机号码（11 位），或带国家码的境外手机号码",
    "cn-landline": "带区号的固定电话号码",
    "person-name": "姓名：文字、字母、空格和间隔号“·”",
    "birth-date": "出生日期 YYYY-MM-DD（或 YYYY-MM），年龄符合招募条件",
}
IDEMPOTENCY_KEY_PATTERN = "^[!-~](?:[ -~]{0,98}[!-~])?$"


@functools.cache
def _refused_class(multiline: bool) -> str:
    """A regex class of every character the text rule refuses, as ranges."""
    refused = [
        code
        for code in range(0x110000)
        if not 0xD800 <= code <= 0xDFFF and text_problem(chr(code), multiline=multiline)
    ]
    ranges: list[tuple[int, int]] = []
    for code in refused:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return "".join(
        _char(start) if start == end else f"{_char(start)}-{_char(end)}" for start, end in ranges
    )


def _char(code: int) -> str:
    # BMP as \\uXXXX (Python and ECMA-262 read it alike); astral characters literally.
    return f"\\u{code:04x}" if code <= 0xFFFF else chr(code)


def text_pattern(field: FormField) -> str:
    """What the validator accepts as free text: no refused character, no formula start."""
    refused = _refused_class(field.kind.multiline)
    first = f"[^{refused}{SPACES}=+\\-@]"
    longest = (field.max_length or 10_000) - 1
    shortest = max((field.min_length or 1) - 1, 0)
    core = f"{first}[^{refused}]{{{shortest},{longest}}}"
    return f"^{BLANK}{core}{BLANK}$"


def field_schema(field: FormField, *, required: bool | None = None) -> dict[str, Any]:
    """JSON Schema of one field's value."""
    required = field.required if required is None else required
    nullable = not required
    if field.type == "boolean":
        schema: dict[str, Any] = {"title": field.title}
        if required:
            schema["const"] = True
        else:
            schema["type"] = ["boolean", "null"]
        return schema
    if field.type == "list":
        items: dict[str, Any] = {"type": "string"}
        if field.values is not None:
            items["enum"] = field.values
        else:
            items["pattern"] = text_pattern(field)
        schema = {"type": ["array", "null"] if nullable else "array", "items": items}
        schema["title"] = field.title
        if required:
            schema["minItems"] = 1
        return schema
    schema = {"type": ["string", "null"] if nullable else "string", "title": field.title}
    if field.values is not None:
        schema["enum"] = field.values + ([None] if nullable else [])
    elif field.kind.openapi_format:
        schema["format"] = field.kind.openapi_format
        schema["pattern"] = f"^{BLANK}$|[^{SPACES}]" if nullable else f"[^{SPACES}]"
    elif field.pattern:
        schema["pattern"] = f"^{BLANK}(?:{field.pattern}){BLANK}$"
        if nullable:
            schema["pattern"] = f"^{BLANK}$|{schema['pattern']}"
    else:
        schema["pattern"] = text_pattern(field)
        if nullable:
            schema["pattern"] = f"^{BLANK}$|{schema['pattern']}"
    description = [field.description] if field.description else []
    if field.kind.openapi_format in FORMATS:
        description.append(FORMATS[field.kind.openapi_format])
    if field.max_length is not None:
        description.append(f"最多 {field.max_length} 个字")
    if description:
        schema["description"] = "；".join(description)
    return schema


def application_schema(form: CampaignForm) -> dict[str, Any]:
    """The request body a campaign accepts."""
    required = [
        field.name
        for field in form.fields
        if field.required and field.name not in ("sex", "birth_date")
    ]
    properties = {
        field.name: field_schema(field, required=field.name in required) for field in form.fields
    }
    keys = [key for key, _ in form.declarations]
    declarations: dict[str, Any] = {
        "type": "array",
        "title": "已确认的报名声明",
        "description": "；".join(text for _, text in form.declarations),
    }
    if keys:
        declarations["items"] = {"type": "string", "enum": keys}
        declarations["allOf"] = [{"contains": {"const": key}} for key in keys]
    else:
        declarations["type"] = ["array", "null"]
        declarations["maxItems"] = 0
    properties["declarations"] = declarations
    properties["consent_notice"] = {"const": True, "title": "同意个人信息处理告知"}
    properties["consent_sensitive"] = {"const": True, "title": "单独同意处理敏感个人信息"}
    properties["notice_version"] = {"type": "string", "enum": [form.notice_version]}
    properties.setdefault(VIA.name, field_schema(VIA))
    required += ["consent_notice", "notice_version"]
    if keys:
        required.append("declarations")
    if form.sensitive_titles:
        required.append("consent_sensitive")
    return {
        "type": "object",
        "title": form.campaign.title,
        "additionalProperties": False,
        "properties": properties,
        "required": required,
    }


def beyond_schema(form: CampaignForm) -> list[str]:
    """The fields (and ``campaign``) whose 422 a schema-valid body may still get."""
    # Formatted answers, and those the identity rule cross-checks with the ID number.
    names = [f.name for f in form.fields if f.kind.openapi_format or f.derived_from]
    # A key reused with another body is a 422 too (as the IETF Idempotency-Key draft has it).
    return ["campaign", *names, "Idempotency-Key"]


def _json(schema_ref: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}},
    }


COMMON_SCHEMAS: dict[str, Any] = {
    "Errors": {
        "type": "object",
        "required": ["errors"],
        "properties": {
            "errors": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["field", "message"],
                    "properties": {
                        "field": {"type": ["string", "null"]},
                        "message": {"type": "string", "minLength": 1},
                    },
                },
            }
        },
    },
    "Accepted": {
        "type": "object",
        "required": ["reference", "reference_display", "campaign", "stage", "status_url"],
        "properties": {
            "reference": {
                "type": "string",
                "pattern": "^[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}$",
                "description": "报名编号，按申请人看到的格式（ABCDE-23456）；"
                "查询进度时带不带连字符均可。",
            },
            "reference_display": {
                "type": "string",
                "pattern": "^[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}$",
                "description": "与 reference 相同，为兼容旧客户端保留。",
                "deprecated": True,
            },
            "campaign": {"type": "string"},
            "stage": {"type": "string"},
            "status_url": {"type": "string"},
        },
    },
    "Progress": {
        "type": "object",
        "required": ["campaign", "units"],
        "properties": {
            "campaign": {"type": "string"},
            "units": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "required": ["applications", "registered"],
                    "properties": {
                        "applications": {"type": "integer", "minimum": 0},
                        "registered": {"type": "integer", "minimum": 0},
                    },
                },
            },
        },
    },
    "Places": {
        "type": "object",
        "required": ["unit", "activities"],
        "properties": {
            "unit": {"type": ["string", "null"]},
            "activities": {
                "type": "object",
                "description": "活动编号 → 名额、已报名人数和剩余名额（已发布、尚未开始的活动）",
                "additionalProperties": {
                    "type": "object",
                    "required": ["places", "signed_up", "places_left"],
                    "properties": {
                        "places": {"type": "integer", "minimum": 1},
                        "signed_up": {"type": "integer", "minimum": 0},
                        "places_left": {"type": "integer", "minimum": 0},
                    },
                },
            },
        },
    },
    "Campaigns": {
        "type": "object",
        "required": ["campaigns"],
        "properties": {
            "campaigns": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "title", "status", "applications_url", "fields"],
                    "properties": {
                        "id": {"type": "string"},
                        "title": {"type": "string"},
                        "opens": {"type": "string"},
                        "closes": {"type": ["string", "null"]},
                        "status": {"enum": ["upcoming", "open", "closed"]},
                        "apply_url": {"type": "string"},
                        "applications_url": {"type": "string"},
                        "fields": {"type": "array", "items": {"type": "string"}},
                        "notice_version": {"type": "string"},
                    },
                },
            }
        },
    },
}


def _create_operation(form: CampaignForm, name: str) -> dict[str, Any]:
    beyond = beyond_schema(form)
    return {
        "summary": f"报名：{form.campaign.title}",
        "x-checked-beyond-schema": beyond,
        "parameters": [
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100,
                    "pattern": IDEMPOTENCY_KEY_PATTERN,
                },
                "description": (
                    "1–100 个可打印 ASCII 字符。"
                    "重试时带上同一个键，返回第一次的结果而不会重复报名。"
                ),
            }
        ],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
        },
        "responses": {
            "201": {
                **_json("Accepted", "已受理，返回报名编号"),
                "headers": {
                    "Idempotent-Replayed": {
                        "description": "同一个 Idempotency-Key 的重试：返回第一次的结果",
                        "schema": {"type": "string", "enum": ["true"]},
                    }
                },
            },
            "400": _json("Errors", "请求内容不是 JSON 对象，或 Idempotency-Key 无效"),
            "403": _json("Errors", "跨站请求被拒绝"),
            "413": _json("Errors", "请求内容过大"),
            "415": _json("Errors", "请求内容类型不是 application/json"),
            "422": _json(
                "Errors",
                "字段错误：不符合本文档的字段，或未通过以下字段的进一步检查：" + "、".join(beyond),
            ),
            "429": _json("Errors", "请求过于频繁"),
        },
    }


def openapi_document(forms: dict[str, CampaignForm], server: str) -> dict[str, Any]:
    schemas: dict[str, Any] = dict(COMMON_SCHEMAS)
    paths: dict[str, Any] = {
        "/api/v1/campaigns": {
            "get": {
                "summary": "招募活动列表",
                "responses": {"200": _json("Campaigns", "招募活动")},
            }
        },
        "/api/v1/openapi.json": {
            "get": {
                "summary": "本文档",
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1 文档",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    }
    paths["/api/v1/activities/places"] = {
        "get": {
            "summary": "各活动的剩余名额（全部单位）",
            "responses": {"200": _json("Places", "已发布、尚未开始的活动的名额")},
        }
    }
    paths["/api/v1/units/{unit}/activities/places"] = {
        "get": {
            "summary": "一个单位的活动的剩余名额",
            "parameters": [
                {
                    "name": "unit",
                    "in": "path",
                    "required": True,
                    "description": "单位编号（units.yaml 的 id）",
                    "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
                }
            ],
            "responses": {
                "200": _json("Places", "该单位已发布、尚未开始的活动的名额"),
                "404": _json("Errors", "没有这个单位"),
            },
        }
    }
    for campaign_id, form in forms.items():
        name = "Application_" + campaign_id.replace("-", "_")
        schemas[name] = application_schema(form)
        paths[f"/api/v1/campaigns/{campaign_id}/applications"] = {
            "post": _create_operation(form, name)
        }
        paths[f"/api/v1/campaigns/{campaign_id}/progress"] = {
            "get": {
                "summary": f"各单位报名和注册人数：{form.campaign.title}",
                "responses": {"200": _json("Progress", "各单位人数（含下级单位）")},
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": "平安志愿者报名服务", "version": "1"},
        "servers": [{"url": server.rsplit("/api/v1", 1)[0]}],
        "paths": paths,
        "components": {"schemas": schemas},
    }
