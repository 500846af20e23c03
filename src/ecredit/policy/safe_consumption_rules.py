"""Typed safe_consumption.yaml: the criteria a 放心消费 (safe consumption) merchant meets, and how long its title lasts.

A scheme version names the title, who reviews and awards it, how long it is valid, and its criteria. Each
criterion is a sentence a policy officer reads (`text`) and one machine check (`check`) over the archive's
records, the lists' entries, the evaluation's grades or the registry's verification; `while_held` says what
the daily re-check does to a title whose holder no longer meets it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Literal

from pydantic import Field, model_validator

from .models import Dated, PeriodField, Strict, Texts

FILE = "safe_consumption.yaml"
CODE = r"^[a-z][a-z0-9_]{1,40}$"


class RecordTest(Strict):
    """Counts the subject's live records that match (by type or category, polarity, severity, decided within
    `within` before the day of the check, with details fields among the values given, and, with `in_force`,
    whose details.valid_until has not passed). Passes when the count is at most `at_most` / at least
    `at_least` (exactly one of them)."""

    types: list[str] = []
    categories: list[str] = []
    polarity: Literal["positive", "negative", "neutral"] | None = None
    severity: list[Literal["none", "minor", "general", "serious"]] = []
    details: dict[str, list[str]] = {}
    details_not: dict[str, list[str]] = {}
    within: PeriodField | None = None
    in_force: bool = False
    at_most: int | None = Field(default=None, ge=0)
    at_least: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _bounded(self) -> "RecordTest":
        if (self.at_most is None) == (self.at_least is None):
            raise ValueError("a record test names exactly one of at_most, at_least")
        if not (self.types or self.categories or self.polarity):
            raise ValueError("a record test names the record types, categories or polarity it counts")
        return self


class ListTest(Strict):
    """No entry in force (published) on a list of these types, or of this polarity."""

    list_types: list[str] = []
    polarity: Literal["reward", "punishment"] | None = None

    @model_validator(mode="after")
    def _named(self) -> "ListTest":
        if not self.list_types and self.polarity is None:
            raise ValueError("a list test names list types or a polarity")
        return self


class GradeTest(Strict):
    """The current grade under the model in force is one of `grades`; an ungraded subject fails."""

    grades: list[str] = Field(min_length=1)


class VerifiedTest(Strict):
    """The subject is verified by a registry source (a shop: reported by its platform with matching real-name
    data); with `operator_too`, a shop's operator must be verified as well."""

    operator_too: bool = True


class Check(Strict):
    """The machine check of a criterion; exactly one key is set."""

    verified: VerifiedTest | None = None
    records: RecordTest | None = None
    no_list_entry: ListTest | None = None
    grade: GradeTest | None = None

    @model_validator(mode="after")
    def _one(self) -> "Check":
        keys = [k for k in ("verified", "records", "no_list_entry", "grade") if getattr(self, k) is not None]
        if len(keys) != 1:
            raise ValueError(f"a check names exactly one of verified, records, no_list_entry, grade (got {keys})")
        return self

    @property
    def kind(self) -> str:
        """Which test this is: verified, records, no_list_entry or grade."""
        return next(k for k in ("verified", "records", "no_list_entry", "grade") if getattr(self, k) is not None)


class Criterion(Strict):
    """One criterion: what a policy officer reads, how the system checks it, and its basis.

    `scope: related` also counts the records and list entries of the subject's operator (a shop) or of the
    shops it runs (an organisation): a merchant is judged with the shops it trades through."""

    code: str = Field(pattern=CODE)
    name: Texts
    text: Texts
    reference: str = Field(min_length=4)
    proposal: bool = False                       # the threshold is this project's proposal, for the city to confirm
    scope: Literal["subject", "related"] = "related"
    check: Check
    while_held: Literal["suspend", "revoke", "none"]


class Scheme(Dated):
    """A version of the 放心消费 scheme: the title, who reviews and awards it, its validity, its criteria."""

    name: Texts
    honour_record_type: str                      # written on approval (catalog.yaml), ended on suspension/revocation
    honour_level: str                            # details.level of the honour record
    awarded_by: Texts                            # details.awarded_by (the campaign office named in the plan)
    source_department: str                       # the department whose archive source the honour record carries
    reviewers: list[str] = Field(min_length=1)   # department codes (departments.yaml) that review enrolments
    subject_kinds: list[Literal["organisation", "shop"]] = Field(min_length=1)
    valid_for: PeriodField
    renewal_window: PeriodField                  # a holder may apply again this long before its title ends
    suspension_limit: PeriodField                # a suspended title not reinstated within this is revoked
    reapply_after_refusal: PeriodField
    reapply_after_revocation: PeriodField
    criteria: list[Criterion] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> "Scheme":
        codes = [c.code for c in self.criteria]
        if len(codes) != len(set(codes)):
            raise ValueError("criterion codes must be unique within a scheme")
        return self

    def criterion(self, code: str) -> Criterion | None:
        """The criterion with this code, or None."""
        return next((c for c in self.criteria if c.code == code), None)


class SafeConsumptionRules(Strict):
    """The whole of safe_consumption.yaml: dated versions of the scheme."""

    schemes: list[Scheme] = Field(min_length=1)

    def scheme(self, on: dt.date | None = None) -> Scheme:
        """The scheme in force on `on` (default today)."""
        from .loader import in_force

        return in_force(self.schemes, on or dt.date.today())

    def problems(self, policy: Any) -> Iterable[tuple[str, str, str]]:
        """(file, key, reason) for each reference to another rule file that does not resolve."""
        departments = {d.code: d for d in policy.departments.departments}
        grades = {band.grade for versions in policy.evaluation.models.values() for v in versions for band in v.bands}
        for index, scheme in enumerate(self.schemes):
            key = f"schemes.{index}"
            honour = policy.record_types.get(scheme.honour_record_type)
            if honour is None or honour.polarity != "positive":
                yield FILE, f"{key}.honour_record_type", f"no positive record type {scheme.honour_record_type!r}"
            department = departments.get(scheme.source_department)
            if department is None:
                yield FILE, f"{key}.source_department", f"no department {scheme.source_department!r}"
            elif honour is not None and not ({department.code, department.kind} & set(honour.sources)):
                yield FILE, f"{key}.source_department", \
                    f"{department.code!r} may not submit {honour.code!r} records (catalog sources)"
            if honour is not None:
                levels = (honour.details_schema.get("properties", {}).get("level") or {}).get("enum")
                if levels is not None and scheme.honour_level not in levels:
                    yield FILE, f"{key}.honour_level", f"{scheme.honour_level!r} is not a level of {honour.code!r}"
            for code in scheme.reviewers:
                if code not in departments:
                    yield FILE, f"{key}.reviewers", f"no department {code!r}"
            for criterion in scheme.criteria:
                where = f"{key}.criteria.{criterion.code}"
                yield from ((FILE, where, reason) for reason in _check_problems(criterion.check, policy, grades))


def _check_problems(check: Check, policy: Any, grades: set[str]) -> Iterable[str]:
    """Why a check does not resolve against the other rule files (record types, categories, details fields,
    list types, grades)."""
    if check.records is not None:
        test = check.records
        for code in test.types:
            if code not in policy.record_types:
                yield f"no record type {code!r}"
        for category in test.categories:
            if category not in policy.catalog.categories:
                yield f"no category {category!r}"
        schemas = [policy.record_types[c].details_schema for c in test.types if c in policy.record_types]
        for name, values in {**test.details, **test.details_not}.items():
            if not schemas:
                yield f"details.{name}: name the record types whose details it reads"
                continue
            for schema in schemas:
                prop = (schema.get("properties") or {}).get(name)
                if prop is None:
                    yield f"details.{name}: not a field of the record type's details"
                elif "enum" in prop:
                    for value in values:
                        if value not in prop["enum"]:
                            yield f"details.{name}: {value!r} is not one of its values"
        if test.in_force:
            for code, schema in zip([c for c in test.types if c in policy.record_types], schemas):
                if "valid_until" not in (schema.get("properties") or {}):
                    yield f"in_force: {code!r} has no valid_until"
    if check.no_list_entry is not None:
        for code in check.no_list_entry.list_types:
            if code not in policy.lists.list_types:
                yield f"no list type {code!r}"
    if check.grade is not None:
        for grade in check.grade.grades:
            if grade not in grades:
                yield f"no grade {grade!r}"
