"""Typed rules of lists.yaml: list types, their entry grounds, procedure deadlines and the measures catalog."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from .models import Dated, PeriodField, Strict, Texts

CODE = r"^[a-z][a-z0-9_]{1,40}$"


class RecordCondition(Strict):
    """Live records of the subject that match: by type or category, polarity and severity, decided within
    `within` before the day of the check (or at least `older_than` before it)."""

    types: list[str] = []
    categories: list[str] = []
    polarity: Literal["positive", "negative", "neutral"] | None = None
    severity: list[str] = []
    within: PeriodField | None = None
    older_than: PeriodField | None = None
    at_least: int = Field(default=1, ge=1)


class Condition(Strict):
    """One condition of a ground; exactly one key is set."""

    grade: list[str] | None = None              # current grade under the model in force is one of these
    records: RecordCondition | None = None      # at least `at_least` such records
    no_records: RecordCondition | None = None   # no such record
    roles: list[str] | None = None              # the subject holds one of these roles

    @model_validator(mode="after")
    def _one(self) -> "Condition":
        set_keys = [k for k in ("grade", "records", "no_records", "roles") if getattr(self, k) is not None]
        if len(set_keys) != 1:
            raise ValueError(f"a condition names exactly one of grade, records, no_records, roles (got {set_keys})")
        return self


class Ground(Strict):
    """A reason to list (or to end a listing): every condition must hold."""

    code: str = Field(pattern=CODE)
    name: Texts
    conditions: list[Condition] = Field(min_length=1)


class Procedure(Strict):
    """Working-day deadlines of the procedure: notice after the proposal, the subject's objection window after
    the notice, the decision after the window closes, publication after the decision."""

    notice_working_days: int = Field(ge=0, le=60)
    objection_working_days: int = Field(ge=1, le=60)
    decision_working_days: int = Field(ge=1, le=60)
    publication_working_days: int = Field(ge=0, le=60)
    repropose_after: PeriodField                # a subject not listed is not proposed again on the same type before


class ListTypeVersion(Dated):
    """A version of a list type: who decides, whom it may name, why (grounds), how (procedure), with what
    consequences (measures)."""

    name: Texts
    polarity: Literal["reward", "punishment"]
    record_type: str                            # the archive record written when an entry is published
    department: str                             # the department (departments.yaml code) that decides
    subject_kinds: list[Literal["organisation", "person", "shop"]] = Field(min_length=1)
    roles: list[str] = []                       # empty: any role
    procedure: Procedure
    grounds: list[Ground] = []                  # empty: entries are only proposed by people
    exit_grounds: list[Ground] = []             # while listed, any of these ends the listing (revocation)
    measures: list[str] = Field(min_length=1)


class Implementer(Strict):
    """Who carries out a measure: one department, or every active organisation of a kind (platforms, banks)."""

    department: str | None = None
    organisation_kind: Literal["platform", "bank", "logistics"] | None = None

    @model_validator(mode="after")
    def _one(self) -> "Implementer":
        if (self.department is None) == (self.organisation_kind is None):
            raise ValueError("an implementer is either a department or an organisation kind")
        return self


class MeasureVersion(Dated):
    """A version of a measure: what is done, by whom, on what legal basis, and how fast it is answered."""

    name: Texts
    kind: Literal["reward", "punishment"]
    content: str = Field(min_length=4)
    implementer: Implementer
    legal_basis: str = Field(min_length=4)      # a measure without a legal basis is refused at load
    accept_working_days: int = Field(ge=1, le=60)
    report_working_days: int = Field(ge=1, le=120)

    @field_validator("legal_basis", "content")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if len(value.strip()) < 4:
            raise ValueError("must name its basis or content, not be blank")
        return value


class ListRules(Strict):
    """All list types and measures (each a list of dated versions)."""

    list_types: dict[str, list[ListTypeVersion]]
    measures: dict[str, list[MeasureVersion]]
