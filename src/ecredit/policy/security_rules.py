"""Typed security.yaml: login failures and lockout, passwords, the second factor, sessions, API tokens and the
public site's request limits (GB/T 22239-2019, level 3: identification and authentication, access control)."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, model_validator

from .models import Dated, Strict


def _latest(versions: list, on: dt.date | None):
    from .loader import in_force

    return in_force(versions, on or dt.date.today())


class Lockout(Dated):
    """How many failed logins lock an account (per user name and per address) and for how long."""

    proposal: bool = False
    failure_limit: int = Field(ge=3, le=20)
    cooloff_minutes: int = Field(ge=5, le=24 * 60)


class Passwords(Dated):
    """What a password must be: its length, how many kinds of character, and how long it lasts."""

    proposal: bool = False
    min_length: int = Field(ge=8, le=64)
    # Kinds: lower-case letters, upper-case letters, digits, other characters.
    min_classes: int = Field(ge=1, le=4)
    max_age_days: int = Field(ge=0, le=3650)   # 0: passwords do not expire


class SecondFactor(Dated):
    """Who must give a one-time password after the password: roles, and staff of the admin site."""

    proposal: bool = False
    roles: list[str] = Field(min_length=1)
    staff: bool = True
    issuer: str = Field(min_length=1, max_length=60)
    # Steps of 30 s either side of now a code may come from (clocks of phones drift).
    tolerance_steps: int = Field(ge=0, le=3)
    # Wrong codes in one login before the session is ended (the authenticator's growing delay applies too).
    max_wrong_codes: int = Field(ge=1, le=20)
    # Single-use codes handed out at setup, for a lost phone.
    backup_codes: int = Field(ge=0, le=20)


class Sessions(Dated):
    """How long a console session lasts: idle, and at most, whatever the activity."""

    proposal: bool = False
    idle_minutes: int = Field(ge=1, le=24 * 60)
    absolute_hours: int = Field(ge=1, le=7 * 24)

    @model_validator(mode="after")
    def _ordered(self) -> "Sessions":
        if self.idle_minutes > self.absolute_hours * 60:
            raise ValueError("idle_minutes must not exceed absolute_hours")
        return self


class ApiTokens(Dated):
    """API tokens: how long one may live, and how long the old one still works after a rotation."""

    proposal: bool = False
    max_lifetime_days: int = Field(ge=1, le=3 * 365)
    rotation_overlap_hours: int = Field(ge=0, le=7 * 24)


class Bucket(Strict):
    """At most `requests` requests from one address in `per_seconds` seconds."""

    requests: int = Field(ge=1)
    per_seconds: int = Field(ge=1, le=24 * 3600)


class RateLimits(Dated):
    """Limits per address on the public site's costly requests, by kind of request."""

    proposal: bool = False
    buckets: dict[str, Bucket] = Field(min_length=1)


class SecurityRules(Strict):
    """The root of security.yaml."""

    lockout: list[Lockout] = Field(min_length=1)
    passwords: list[Passwords] = Field(min_length=1)
    second_factor: list[SecondFactor] = Field(min_length=1)
    sessions: list[Sessions] = Field(min_length=1)
    api_tokens: list[ApiTokens] = Field(min_length=1)
    rate_limits: list[RateLimits] = Field(min_length=1)

    def lockout_rule(self, on: dt.date | None = None) -> Lockout:
        """The lockout rule in force."""
        return _latest(self.lockout, on)

    def password_rule(self, on: dt.date | None = None) -> Passwords:
        """The password rule in force."""
        return _latest(self.passwords, on)

    def second_factor_rule(self, on: dt.date | None = None) -> SecondFactor:
        """The second-factor rule in force."""
        return _latest(self.second_factor, on)

    def session_rule(self, on: dt.date | None = None) -> Sessions:
        """The session rule in force."""
        return _latest(self.sessions, on)

    def token_rule(self, on: dt.date | None = None) -> ApiTokens:
        """The API token rule in force."""
        return _latest(self.api_tokens, on)

    def rate_limit(self, kind: str, on: dt.date | None = None) -> Bucket | None:
        """The request limit in force for `kind` (None: not limited)."""
        return _latest(self.rate_limits, on).buckets.get(kind)

    def problems(self, policy) -> list[tuple[str, str, str]]:
        """(file, key, reason) for a second-factor role that access.yaml does not define."""
        found = []
        for index, version in enumerate(self.second_factor):
            for role in version.roles:
                if role not in policy.access.roles:
                    found.append(("security.yaml", f"second_factor.{index}.roles", f"no role {role!r}"))
        return found
