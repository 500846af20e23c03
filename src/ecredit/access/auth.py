"""Turning a request into a Principal: bearer token for systems, session for console users."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import APIKeyHeader

from .models import ApiClient
from .principal import Principal, anonymous, for_client, for_user


def principal_of(request: HttpRequest) -> Principal:
    """The request's principal; an invalid token is None (the API answers 401)."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        client = ApiClient.objects.by_token(token.strip())
        return for_client(client) if client else None
    return for_user(request.user) if getattr(request, "user", None) else anonymous()


class PrincipalAuth(APIKeyHeader):
    """`Authorization: Bearer <token>`; without the header the console session (or the public) applies."""

    param_name = "Authorization"
    openapi_description = "Bearer token of an API client (ecredit tokens start with ec_)"

    def __call__(self, request: HttpRequest):
        principal = principal_of(request)
        if principal is not None and principal.label.startswith("user:") and request.method not in (
                "GET", "HEAD", "OPTIONS"):
            # Session callers of unsafe methods must pass Django's CSRF check, as in the console.
            from django.middleware.csrf import CsrfViewMiddleware

            reason = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
            if reason is not None:
                return None
        return principal

    def authenticate(self, request, key):  # pragma: no cover - __call__ does the work
        return principal_of(request)
