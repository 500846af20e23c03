"""Domain exceptions. Services raise them; one handler per face turns them into responses."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request the domain refuses, with a message a person can act on."""

    code = "domain_error"
    http_status = 400

    def __init__(self, message: Any, *, field: str | None = None, code: str | None = None,
                 details: Any = None) -> None:
        super().__init__(str(message))
        self.message = message  # may be a lazy translation: rendered in the caller's language
        self.field = field
        if code:
            self.code = code
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        """The error as the API and reports show it."""
        out: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.field:
            out["field"] = self.field
        if self.details is not None:
            out["details"] = self.details
        return out


class ValidationFailed(DomainError):
    """Input that breaks a rule of its format or of the domain."""

    code = "invalid"
    http_status = 422


class NotFound(DomainError):
    """The thing asked for does not exist, or the caller may not know it exists."""

    code = "not_found"
    http_status = 404


class Forbidden(DomainError):
    """The caller is known but lacks the right."""

    code = "forbidden"
    http_status = 403


class Conflict(DomainError):
    """The request contradicts the current state (a decided objection, a duplicate)."""

    code = "conflict"
    http_status = 409


class TooManyRequests(DomainError):
    """More requests from one client than its limit allows; `retry_after` seconds until the next is accepted.
    kit translates nothing, so the caller passes the message (请求过于频繁，请{n}秒后再试)."""

    code = "rate_limited"
    http_status = 429

    def __init__(self, message: Any, *, retry_after: int) -> None:
        super().__init__(message, details={"retry_after": retry_after})
        self.retry_after = retry_after


class IdentifierError(ValueError):
    """An identifier that fails its standard; `reason` is one of IdentifierError.REASONS."""

    REASONS = ("empty", "bad_length", "bad_character", "bad_check_digit", "bad_birth_date", "bad_region")

    def __init__(self, scheme: str, reason: str, value: str = "") -> None:
        assert reason in self.REASONS, reason
        super().__init__(f"{scheme}: {reason}")
        self.scheme = scheme
        self.reason = reason
        self.value = value
