"""Typed complaints.yaml: the seven hotlines and their field layouts, handling deadlines, merging and escalation."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterable, Literal

from pydantic import Field, field_validator, model_validator

from .models import Dated, PeriodField, Strict, Texts

# Where a hotline's value lands in a complaint (the canonical fields every layout is read into).
CANONICAL_FIELDS = (
    "ticket", "received_at", "kind",
    "complainant_name", "complainant_phone", "complainant_address",
    "respondent_name", "respondent_uscc", "respondent_address", "shop_name", "shop_id", "platform_name",
    "platform_uscc", "order_no", "waybill_no",
    "content", "claim", "amount", "aware_on", "region",
)
TEXT_FIELDS = ("content", "claim", "complainant_address", "respondent_address")   # several sources join
REQUIRED_FIELDS = ("ticket", "received_at", "content")
KINDS = ("complaint", "report", "both")
# What a hotline is told about a case it sent, in its own words (complaints.services.channel pushes these).
EVENTS = ("received", "reassigned", "transferred", "merged", "accepted", "not_accepted", "mediating", "mediated",
          "terminated", "closed", "filed", "not_filed", "reporter_notified")
DEADLINES = ("accept", "mediation", "termination_notice", "clue_check", "report_filing", "reporter_notice")


class FieldSource(Strict):
    """Where one canonical field is in a hotline's item: the column(s) (= JSON keys) whose values, joined with a
    space, make it; how to read it; or a `pattern` whose named groups are canonical fields (a combined column)."""

    to: str | None = None
    columns: list[str] = Field(min_length=1)
    read: Literal["text", "datetime", "date", "amount", "phone", "kind", "region"] = "text"
    formats: list[str] = []                 # strptime formats tried first (datetime, date)
    values: dict[str, Literal["complaint", "report", "both"]] = {}   # read: kind — the hotline's words
    unit: Literal["yuan", "wan"] = "yuan"   # read: amount
    prefix: str = ""                        # text joined into a longer field is labelled with this
    pattern: str | None = None

    @model_validator(mode="after")
    def _target(self) -> "FieldSource":
        if (self.to is None) == (self.pattern is None):
            raise ValueError(f"{self.columns}: a field source has either `to` or `pattern`")
        if self.to is not None and self.to not in CANONICAL_FIELDS:
            raise ValueError(f"{self.columns}: unknown canonical field {self.to!r}")
        if self.pattern is not None:
            try:
                groups = set(re.compile(self.pattern).groupindex)
            except re.error as exc:
                raise ValueError(f"{self.columns}: bad pattern: {exc}") from None
            if not groups or groups - set(CANONICAL_FIELDS):
                raise ValueError(f"{self.columns}: pattern groups must be canonical fields, got {sorted(groups)}")
        if self.read == "kind" and not self.values:
            raise ValueError(f"{self.columns}: a kind column maps the hotline's words to complaint/report/both")
        for fmt in self.formats:
            try:
                text = dt.datetime(2026, 9, 30, 14, 5, 33).strftime(fmt)
                dt.datetime.strptime(text, fmt)
            except ValueError as exc:
                raise ValueError(f"{self.columns}: bad date format {fmt!r}: {exc}") from None
        return self

    @property
    def targets(self) -> tuple[str, ...]:
        """The canonical fields this source fills."""
        return (self.to,) if self.to else tuple(re.compile(self.pattern).groupindex)


class Layout(Strict):
    """A hotline's item layout: its export's column headers (= the JSON keys it posts) mapped to our fields."""

    default_kind: Literal["complaint", "report"] = "complaint"
    fields: list[FieldSource] = Field(min_length=3)

    @model_validator(mode="after")
    def _complete(self) -> "Layout":
        filled = [t for source in self.fields for t in source.targets]
        for name in REQUIRED_FIELDS:
            if name not in filled:
                raise ValueError(f"the layout has no column for {name!r}")
        for name in set(filled) - set(TEXT_FIELDS):
            if filled.count(name) > 1:
                raise ValueError(f"{name!r} is filled by more than one column")
        columns = [c for source in self.fields for c in source.columns]
        if len(columns) != len(set(columns)):
            raise ValueError("a column is named twice")
        return self


class StatusCode(Strict):
    """A status in the hotline's own vocabulary: its code and its words."""

    code: str = Field(min_length=1, max_length=20)
    label: str = Field(min_length=2, max_length=40)


class HotlineVersion(Dated):
    """A version of a hotline: who runs it, which department it belongs to, its layout and its status words."""

    name: Texts
    operator: Texts                 # the body that runs the number today
    department: str                 # departments.yaml code the hotline belongs to
    organisation: str               # access.Organisation code (kind hotline) of its API client
    layout: Layout
    statuses: dict[str, StatusCode]

    @field_validator("statuses")
    @classmethod
    def _every_event(cls, value: dict[str, StatusCode]) -> dict[str, StatusCode]:
        missing = [e for e in EVENTS if e not in value]
        unknown = [e for e in value if e not in EVENTS]
        if missing or unknown:
            raise ValueError(f"statuses must name exactly the events {EVENTS}; missing {missing}, unknown {unknown}")
        return value


class WorkingDays(Dated):
    """A deadline in working days (optionally extendable once)."""

    working_days: int = Field(ge=1, le=120)
    extension_working_days: int = Field(default=0, ge=0, le=120)


class Deadlines(Strict):
    """The handling deadlines: accept, mediation, notice of termination, clue check, report filing, reporter notice."""

    accept: list[WorkingDays] = Field(min_length=1)
    mediation: list[WorkingDays] = Field(min_length=1)
    termination_notice: list[WorkingDays] = Field(min_length=1)
    clue_check: list[WorkingDays] = Field(min_length=1)
    report_filing: list[WorkingDays] = Field(min_length=1)
    reporter_notice: list[WorkingDays] = Field(min_length=1)


class Limitation(Dated):
    """Complaints made more than `period` after the complainant knew of the harm are not accepted."""

    period: PeriodField


class MergeRule(Dated):
    """Complaints from one phone about one respondent in one category within `window_days` are one matter."""

    window_days: int = Field(ge=1, le=365)


class EscalationRule(Dated):
    """When a deadline passes: level 1 (the department's supervisor) after `level_1_after_working_days` past
    due, level 2 (the credit office) `level_2_after_working_days` later still."""

    level_1_after_working_days: int = Field(ge=0, le=30)
    level_2_after_working_days: int = Field(ge=1, le=60)


class PortalLimits(Dated):
    """The public forms' limits (no outside captcha service): submissions per network address per hour and per
    phone per day, the shortest content, the shortest time a person takes to fill the form and the form's life,
    and case lookups per address per hour on the tracking page."""

    per_ip_per_hour: int = Field(ge=1, le=1000)
    per_phone_per_day: int = Field(ge=1, le=100)
    min_content_chars: int = Field(ge=1, le=200)
    min_fill_seconds: int = Field(ge=0, le=600)
    form_max_age_minutes: int = Field(ge=5, le=24 * 60)
    track_per_ip_per_hour: int = Field(ge=1, le=1000)


class Routing(Dated):
    """Routing beyond the category: the department that takes a case whose department has no organisation."""

    fallback_department: str


class AddressMask(Dated):
    """How much of an address is shown to those who may not see it in full."""

    keep_head: int = Field(ge=0, le=20)


class Reason(Strict):
    """A reason code with its words and the article it comes from."""

    name: Texts
    reference: str = Field(min_length=4)


class UpheldRecord(Dated):
    """The archive record an upheld complaint becomes, and how our channels are named in its details."""

    type: str
    channels: dict[str, str]


class ComplaintRules(Strict):
    """The whole of complaints.yaml."""

    hotlines: dict[str, list[HotlineVersion]]
    deadlines: Deadlines
    limitation: list[Limitation] = Field(min_length=1)
    merge: list[MergeRule] = Field(min_length=1)
    escalation: list[EscalationRule] = Field(min_length=1)
    portal: list[PortalLimits] = Field(min_length=1)
    routing: list[Routing] = Field(min_length=1)
    address_mask: list[AddressMask] = Field(min_length=1)
    not_accepted_reasons: dict[str, Reason] = Field(min_length=1)
    termination_reasons: dict[str, Reason] = Field(min_length=1)
    upheld_record: list[UpheldRecord] = Field(min_length=1)

    @field_validator("hotlines")
    @classmethod
    def _numbers(cls, value: dict[str, list[HotlineVersion]]) -> dict[str, list[HotlineVersion]]:
        for number, versions in value.items():
            if not re.fullmatch(r"\d{5}", number):
                raise ValueError(f"{number!r}: a hotline is keyed by its five-digit number")
            if not versions:
                raise ValueError(f"{number}: no version")
        return value

    def problems(self, policy: Any) -> Iterable[tuple[str, str, str]]:
        """(file, key, reason) for each reference to another rule file that does not resolve."""
        departments = {d.code for d in policy.departments.departments}
        organisations: dict[str, str] = {}
        for number, versions in self.hotlines.items():
            for index, version in enumerate(versions):
                key = f"hotlines.{number}.{index}"
                if version.department not in departments:
                    yield "complaints.yaml", f"{key}.department", f"no department {version.department!r}"
                owner = organisations.setdefault(version.organisation, number)
                if owner != number:
                    yield "complaints.yaml", f"{key}.organisation", f"{version.organisation!r} is {owner}'s"
        for index, rule in enumerate(self.routing):
            if rule.fallback_department not in departments:
                yield "complaints.yaml", f"routing.{index}.fallback_department", \
                    f"no department {rule.fallback_department!r}"
        for index, rule in enumerate(self.upheld_record):
            record_type = policy.record_types.get(rule.type)
            if record_type is None:
                yield "complaints.yaml", f"upheld_record.{index}.type", f"no record type {rule.type!r}"
                continue
            allowed = ((record_type.details_schema.get("properties") or {}).get("channel") or {}).get("enum")
            for channel, value in rule.channels.items():
                if allowed is not None and value not in allowed:
                    yield "complaints.yaml", f"upheld_record.{index}.channels.{channel}", \
                        f"{value!r} is not a channel of {rule.type!r} ({allowed})"
        # The code names these reasons itself (the limitation check, the 45-day ground).
        if "time_barred" not in self.not_accepted_reasons:
            yield "complaints.yaml", "not_accepted_reasons", "the limitation needs the reason code 'time_barred'"
        if "time_limit" not in self.termination_reasons:
            yield "complaints.yaml", "termination_reasons", "the 45-day ground needs the reason code 'time_limit'"
