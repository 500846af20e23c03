"""Typed compensation.yaml: advance compensation (先行赔付) by platforms: claim deadlines, fund minimums, recovery."""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Literal

from pydantic import Field, model_validator

from .models import Dated, PeriodField, Strict, Texts

CODE = r"^[a-z][a-z0-9_]{1,40}$"


class Procedure(Dated):
    """Working-day deadlines of a claim: the platform decides it, pays an accepted claim, and the merchant repays
    after the platform's demand; past `recovery_limitation` after payment a receivable is shown as time-barred."""

    decide_working_days: int = Field(ge=1, le=60)
    pay_working_days: int = Field(ge=1, le=60)
    repay_working_days: int = Field(ge=1, le=120)
    recovery_limitation: PeriodField
    max_claim_fen: int = Field(ge=100)              # a larger amount is refused as a likely unit error


class FundRule(Dated):
    """The protection fund (消费者权益保证金): the minimum below which a platform is flagged, whether a payout may
    overdraw it, and where recovered money goes."""

    minimum_balance_fen: int = Field(ge=0)
    allow_overdraft: bool
    # An accepted, unpaid claim keeps its amount reserved: a withdrawal may not take the balance below
    # the agreed minimum plus what is reserved.
    reserve_accepted_claims: bool
    # "fund_first": recovered money refills the fund up to what the fund paid for that claim, the rest
    # reimburses the platform's own money; "platform_first" the other way round.
    recovery_order: Literal["fund_first", "platform_first"]


class Basis(Dated):
    """A legal basis on which a consumer claims from the platform rather than the seller."""

    name: Texts
    recoverable: bool               # whether the platform may recover what it paid from the merchant


class Harm(Dated):
    """What the consumer lost (the merits of the claim)."""

    name: Texts


class RejectionReason(Dated):
    """A reason a platform may give for rejecting a claim."""

    name: Texts


class CompensationRules(Strict):
    """The whole of compensation.yaml."""

    procedure: list[Procedure] = Field(min_length=1)
    fund: list[FundRule] = Field(min_length=1)
    bases: dict[str, list[Basis]] = Field(min_length=1)
    harms: dict[str, list[Harm]] = Field(min_length=1)
    rejection_reasons: dict[str, list[RejectionReason]] = Field(min_length=1)

    @model_validator(mode="after")
    def _codes(self) -> "CompensationRules":
        import re

        for name in ("bases", "harms", "rejection_reasons"):
            for code, versions in getattr(self, name).items():
                if not re.match(CODE, code):
                    raise ValueError(f"{name}.{code}: a code is lower-case letters, digits and _")
                if not versions:
                    raise ValueError(f"{name}.{code}: needs at least one dated version")
        return self

    def procedure_on(self, on: dt.date) -> Procedure:
        """The claim deadlines in force on `on`."""
        from .loader import in_force

        return in_force(self.procedure, on)

    def fund_on(self, on: dt.date) -> FundRule:
        """The fund rule in force on `on`."""
        from .loader import in_force

        return in_force(self.fund, on)

    def named(self, kind: Literal["bases", "harms", "rejection_reasons"], code: str, on: dt.date):
        """The version of a basis, harm or rejection reason in force on `on`; None for an unknown code."""
        from .loader import in_force

        versions = getattr(self, kind).get(code)
        return in_force(versions, on) if versions else None

    def problems(self, policy: Any) -> Iterable[tuple[str, str, str]]:
        """(file, key, reason) for each reference to another rule file that does not resolve."""
        # The roles that work these claims must exist with the rights the app checks.
        permissions = set(policy.access.permissions)
        for permission in ("compensation.pay", "compensation.view", "complaint.handle"):
            if permission not in permissions:
                yield ("compensation.yaml", "(rights)", f"access.yaml has no permission {permission!r}")
        if "platform" not in policy.access.organisation_kinds:
            yield ("compensation.yaml", "(rights)", "access.yaml has no organisation kind 'platform'")
