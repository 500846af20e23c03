"""Turning a request into a Principal: bearer token for systems, session for console users."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import APIKeyHeader

from ecredit.kit.errors import Forbidden

from .models import ApiClient
from .principal import Principal, anonymous, for_client, for_user


def principal_of(request: HttpRequest) -> Principal:
    """The request's principal; an invalid, expired or revoked token is None (the API answers 401)."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        client = ApiClient.objects.by_token(token.strip())
        if client is None:
            return None
        client.mark_used()
        return for_client(client)
    return for_user(request.user) if getattr(request, "user", None) else anonymous()


class PrincipalAuth(APIKeyHeader):
    """`Authorization: Bearer <token>`; without the header the console session (or the public) applies.
    A session caller of an unsafe method without a valid CSRF token gets 403 `csrf_failed`."""

    param_name = "Authorization"
    openapi_description = "Bearer token of an API client (ecredit tokens start with ec_)"

    def __call__(self, request: HttpRequest):
        principal = principal_of(request)
        if principal is not None and principal.label.startswith("user:") and request.method not in (
                "GET", "HEAD", "OPTIONS"):
            # Session callers of unsafe methods must pass Django's CSRF check, as in the console.
            from django.middleware.csrf import CsrfViewMiddleware

            refused = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
            if refused is not None:
                # The session is valid, the request is not: say what is missing instead of "bad token" (401).
                raise Forbidden(_("CSRF校验失败：以登录会话调用接口提交数据时，须在 X-CSRFToken 请求头中附上"
                                  "CSRF令牌（取自 csrftoken Cookie）；系统对接请改用 Authorization: Bearer 令牌。"),
                                code="csrf_failed")
        return principal

    def authenticate(self, request, key):  # pragma: no cover - __call__ does the work
        return principal_of(request)
