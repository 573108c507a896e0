"""The OpenAPI 3.1 document of the JSON API, generated from the campaigns' form fields.

The request schema of each campaign comes from the same ``CampaignForm`` the validator
uses, so the document cannot drift from what the code accepts (tests check both ways).
"""

from __future__ import annotations

from typing import Any

from .forms import VIA, CampaignForm, FormField


def field_schema(field: FormField) -> dict[str, Any]:
    """JSON Schema of one field's value."""
    if field.type == "boolean":
        return {"type": "boolean", "title": field.title}
    if field.type == "list":
        items: dict[str, Any] = {"type": "string"}
        if field.values is not None:
            items["enum"] = field.values
        return {"type": "array", "title": field.title, "items": items, "uniqueItems": True}
    schema: dict[str, Any] = {"type": "string", "title": field.title}
    if field.type == "date":
        schema["description"] = "YYYY-MM-DD"
    if field.values is not None:
        schema["enum"] = field.values
    if field.max_length is not None:
        schema["maxLength"] = field.max_length
    if field.min_length is not None:
        schema["minLength"] = field.min_length
    if field.pattern:
        schema["pattern"] = f"^(?:{field.pattern})$"
    if field.description:
        schema["description"] = field.description
    return schema


def application_schema(form: CampaignForm) -> dict[str, Any]:
    """The request body a campaign accepts."""
    properties = {field.name: field_schema(field) for field in form.fields}
    properties["declarations"] = {
        "type": "array",
        "title": "已确认的报名声明",
        "items": {"type": "string", "enum": [key for key, _ in form.declarations]},
        "description": "；".join(text for _, text in form.declarations),
    }
    properties["consent_notice"] = {
        "type": "boolean",
        "const": True,
        "title": "同意个人信息处理告知",
    }
    properties["consent_sensitive"] = {
        "type": "boolean",
        "const": True,
        "title": "单独同意处理敏感个人信息",
    }
    properties["notice_version"] = {"type": "string", "enum": [form.notice_version]}
    properties.setdefault(VIA.name, field_schema(VIA))
    required = [
        field.name
        for field in form.fields
        if field.required and field.name not in ("sex", "birth_date")
    ]
    required += ["consent_notice", "notice_version"]
    if form.declarations:
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


def openapi_document(forms: dict[str, CampaignForm], server: str) -> dict[str, Any]:
    errors = {
        "type": "object",
        "properties": {
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "field": {"type": ["string", "null"]},
                        "message": {"type": "string"},
                    },
                },
            }
        },
    }
    schemas: dict[str, Any] = {"Errors": errors}
    paths: dict[str, Any] = {
        "/api/v1/campaigns": {
            "get": {"summary": "招募活动列表", "responses": {"200": {"description": "OK"}}}
        },
        "/api/v1/openapi.json": {
            "get": {"summary": "本文档", "responses": {"200": {"description": "OK"}}}
        },
    }
    for campaign_id, form in forms.items():
        name = "Application_" + campaign_id.replace("-", "_")
        schemas[name] = application_schema(form)
        paths[f"/api/v1/campaigns/{campaign_id}/applications"] = {
            "post": {
                "summary": f"报名：{form.campaign.title}",
                "parameters": [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string", "maxLength": 100},
                        "description": "重试时带上同一个键，返回第一次的结果而不会重复报名。",
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
                    },
                },
                "responses": {
                    "201": {"description": "已受理，返回报名编号"},
                    "403": {"description": "跨站请求被拒绝"},
                    "422": {
                        "description": "字段错误",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}
                        },
                    },
                    "429": {"description": "请求过于频繁"},
                },
            }
        }
        paths[f"/api/v1/campaigns/{campaign_id}/progress"] = {
            "get": {
                "summary": f"各单位报名和注册人数：{form.campaign.title}",
                "responses": {"200": {"description": "OK"}},
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": "平安志愿者报名服务", "version": "1"},
        "servers": [{"url": server.rsplit("/api/v1", 1)[0]}],
        "paths": paths,
        "components": {"schemas": schemas},
    }
