"""The error answers every API operation may give, written into the OpenAPI document so that integrators (and
schemathesis) see them: the single domain-error handler (api.py) answers `{code, message, field?, details?}`,
request validation `{code, message, errors: [{field, message}]}`. A request over a public limit
(ecredit.throttle) answers 429 `rate_limited` with a Retry-After header."""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "string", "description": "machine-readable reason, e.g. forbidden, not_found, invalid"},
        "message": {"type": "string", "description": "for a person, in the language asked (Accept-Language)"},
        "field": {"type": "string"},
        "details": {},
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string"}, "message": {"type": "string"}}}},
    },
}

RETRY_AFTER = {"Retry-After": {"description": "秒数：多久之后可再请求 / seconds until a request is accepted again",
                               "schema": {"type": "integer", "minimum": 1}}}

# status -> description; every operation may answer these besides what it declares.
ERROR_STATUSES = {
    "400": "请求不能处理 / the request cannot be processed",
    "401": "未登录或令牌无效 / no valid credentials",
    "403": "无权执行此操作 / not allowed",
    "404": "未找到 / not found (or not visible to you)",
    "409": "与现有数据冲突 / conflicts with existing data",
    "413": "请求过大 / request too large",
    "422": "请求格式不正确 / the request does not match its schema",
    "429": "请求过于频繁 / too many requests",
}


PROBLEM_SCHEMA = {
    "title": "Problem",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "code": {"type": "string"}, "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}


def document_errors(schema: dict[str, Any], *, name: str = "Error", body: dict[str, Any] | None = None,
                    media_type: str = "application/json", extra: dict[str, str] | None = None) -> dict[str, Any]:
    """Add the shared error answers (and `extra` statuses) to every operation of an OpenAPI document, in place."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault(name, body or ERROR_SCHEMA)
    ref = {"$ref": f"#/components/schemas/{name}"}
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"} or not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            for status, description in {**ERROR_STATUSES, **(extra or {})}.items():
                answer = responses.setdefault(status, {"description": description,
                                                       "content": {media_type: {"schema": ref}}})
                if status == "429":
                    answer.setdefault("headers", RETRY_AFTER)
    return schema
