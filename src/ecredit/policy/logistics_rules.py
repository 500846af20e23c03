"""Typed logistics.yaml: carriers' state vocabularies mapped to ours, station types, carriers' file layouts, the
service standards and thresholds courier firms' monthly figures are judged by, the record a failing month
becomes, the consumer feedback form and the public query's limits."""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Literal

from pydantic import Field, field_validator, model_validator

from .models import Dated, PeriodField, Strict, Texts

FILE = "logistics.yaml"
# Our scan states (logistics.models.ScanState mirrors them; a test holds the two together).
STATES = ("accepted", "in_transit", "arrived", "departed", "out_for_delivery", "signed", "refused", "returned",
          "problem")
State = Literal["accepted", "in_transit", "arrived", "departed", "out_for_delivery", "signed", "refused",
                "returned", "problem"]
SCAN_FIELDS = ("waybill_no", "time", "state", "station", "station_type", "region", "region_name", "next_station",
               "courier_name", "courier_phone", "text")
WAYBILL_FIELDS = ("waybill_no", "created_at", "platform_uscc", "order_no", "shop_id", "origin", "destination",
                  "weight_kg", "scanned_weight_kg", "consignee_name", "consignee_phone", "consignee_address")
ROUTES = ("same_city", "inter_city")


def _latest(versions: list, on: dt.date | None):
    from .loader import in_force

    return in_force(versions, on or dt.date.today())


class Code(Strict):
    """One code of a carrier's vocabulary: our state it means and the carrier's own word for it."""

    state: State
    label: str = Field(min_length=1, max_length=20)


class Vocabulary(Dated):
    """A version of a carrier vocabulary: code (as sent, matched without regard to case) -> our state."""

    name: Texts
    proposal: bool = False
    codes: dict[str, Code] = Field(min_length=1)

    @field_validator("codes")
    @classmethod
    def _distinct(cls, codes: dict[str, Code]) -> dict[str, Code]:
        folded = [c.strip().upper() for c in codes]
        if len(folded) != len(set(folded)):
            raise ValueError("codes must differ other than in case")
        return codes

    def state_of(self, code: str) -> str | None:
        """Our state for a code as a carrier sends it (None: not a code of this vocabulary)."""
        # The folded table is built once per loaded policy and kept on the (frozen) model itself.
        table = self.__dict__.get("_folded")
        if table is None:
            table = {k.strip().upper(): v.state for k, v in self.codes.items()}
            self.__dict__["_folded"] = table
        return table.get(str(code).strip().upper())


class StationType(Strict):
    """A kind of station: its name, whether it is a sorting hub, and the words that give it away in a name."""

    name: Texts
    hub: bool = False
    words: list[str] = []


class StationTypes(Dated):
    """A version of the station types."""

    proposal: bool = False
    types: dict[str, StationType] = Field(min_length=1)

    @field_validator("types")
    @classmethod
    def _codes(cls, types: dict[str, StationType]) -> dict[str, StationType]:
        for code in types:
            if not code.replace("_", "").isalpha() or code != code.lower() or len(code) > 20:
                raise ValueError(f"station type {code!r}: lower-case letters and _ only, at most 20")
        return types

    def hub_types(self) -> list[str]:
        """The station types that are sorting hubs."""
        return [code for code, t in self.types.items() if t.hub]

    def guess(self, station: str) -> str:
        """The station type a station's name gives away ("" when none does)."""
        for code, kind in self.types.items():
            if any(word in station for word in kind.words):
                return code
        return ""


class Layout(Dated):
    """A version of a file layout: what it carries, in which vocabulary, and the headers of each field."""

    name: Texts
    kind: Literal["scans", "waybills"]
    vocabulary: str
    columns: dict[str, list[str]] = Field(min_length=2)

    @model_validator(mode="after")
    def _fields(self) -> "Layout":
        known = SCAN_FIELDS if self.kind == "scans" else WAYBILL_FIELDS
        unknown = [f for f in self.columns if f not in known]
        if unknown:
            raise ValueError(f"unknown {self.kind} fields {unknown}: choose from {list(known)}")
        needed = ("waybill_no", "time", "state") if self.kind == "scans" else ("waybill_no",)
        missing = [f for f in needed if f not in self.columns]
        if missing:
            raise ValueError(f"a {self.kind} layout needs the columns {missing}")
        return self


class ByRoute(Strict):
    """A value for parcels within one city and for parcels between cities."""

    same_city: float = Field(gt=0)
    inter_city: float = Field(gt=0)

    def of(self, route: str) -> float:
        """The value for a route (same_city or inter_city)."""
        return getattr(self, route)


class ServiceStandards(Dated):
    """Time limits (hours from pick-up to signature), complete delay (days, then lost) and the loss words."""

    proposal: bool = False
    time_limit_hours: ByRoute
    complete_delay_days: ByRoute
    loss_words: list[str] = []


class FigureRules(Dated):
    """When a carrier's month is judged, when it is final, and the thresholds it must meet."""

    proposal: bool = False
    min_waybills: int = Field(ge=1)
    settle_days: int = Field(ge=0, le=60)
    min_on_time_rate: float = Field(ge=0, le=1)
    max_loss_rate: float = Field(ge=0, le=1)
    max_complaints_per_million: float = Field(ge=0)


class QualityRecord(Dated):
    """The credit record a carrier's failing month becomes, and who submits it."""

    proposal: bool = False
    record_type: str
    source_department: str
    grade: str = Field(min_length=1, max_length=20)
    valid_for: PeriodField


class Feedback(Dated):
    """The consumer feedback form: how long it stays open, its text limit, its tags."""

    proposal: bool = False
    window: PeriodField
    max_text_chars: int = Field(ge=10, le=2000)
    tags: dict[str, Texts] = Field(min_length=1)


class PublicQuery(Dated):
    """Limits of the public parcel query and of consignee verification."""

    proposal: bool = False
    lookups_per_ip_per_hour: int = Field(ge=1)
    verify_failures_per_waybill_per_day: int = Field(ge=1)
    verify_failures_per_ip_per_hour: int = Field(ge=1)
    verified_minutes: int = Field(ge=1, le=24 * 60)
    address_keep_head: int = Field(ge=0, le=20)


class LogisticsRules(Strict):
    """The root of logistics.yaml."""

    vocabularies: dict[str, list[Vocabulary]] = Field(min_length=1)
    station_types: list[StationTypes] = Field(min_length=1)
    layouts: dict[str, list[Layout]] = Field(min_length=1)
    service_standards: list[ServiceStandards] = Field(min_length=1)
    figures: list[FigureRules] = Field(min_length=1)
    quality_record: list[QualityRecord] = Field(min_length=1)
    feedback: list[Feedback] = Field(min_length=1)
    public_query: list[PublicQuery] = Field(min_length=1)

    @model_validator(mode="after")
    def _ours(self) -> "LogisticsRules":
        if "ecredit" not in self.vocabularies:
            raise ValueError("the vocabulary `ecredit` (our own state codes) is required")
        for version in self.vocabularies["ecredit"]:
            missing = [s for s in STATES if version.state_of(s) != s]
            if missing:
                raise ValueError(f"vocabulary ecredit must map every state code to itself: {missing}")
        return self

    def vocabulary(self, code: str, on: dt.date | None = None) -> Vocabulary:
        """The version of vocabulary `code` in force (KeyError for an unknown vocabulary)."""
        return _latest(self.vocabularies[code], on)

    def stations(self, on: dt.date | None = None) -> StationTypes:
        """The station types in force."""
        return _latest(self.station_types, on)

    def layout(self, code: str, on: dt.date | None = None) -> Layout:
        """The version of layout `code` in force (KeyError for an unknown layout)."""
        return _latest(self.layouts[code], on)

    def standards(self, on: dt.date | None = None) -> ServiceStandards:
        """The service standards in force."""
        return _latest(self.service_standards, on)

    def figure_rules(self, on: dt.date | None = None) -> FigureRules:
        """The figures' thresholds in force."""
        return _latest(self.figures, on)

    def record_rule(self, on: dt.date | None = None) -> QualityRecord:
        """The quality record's rule in force."""
        return _latest(self.quality_record, on)

    def feedback_rule(self, on: dt.date | None = None) -> Feedback:
        """The feedback form's rule in force."""
        return _latest(self.feedback, on)

    def query_limits(self, on: dt.date | None = None) -> PublicQuery:
        """The public query's limits in force."""
        return _latest(self.public_query, on)

    def problems(self, policy: Any) -> Iterable[tuple[str, str, str]]:
        """(file, key, reason) for every reference to another rule file that does not resolve."""
        for code, versions in self.layouts.items():
            for index, layout in enumerate(versions):
                if layout.vocabulary not in self.vocabularies:
                    yield FILE, f"layouts.{code}.{index}.vocabulary", f"no vocabulary {layout.vocabulary!r}"
        departments = {d.code: d for d in policy.departments.departments}
        for index, rule in enumerate(self.quality_record):
            key = f"quality_record.{index}"
            record_type = policy.record_types.get(rule.record_type)
            if record_type is None:
                yield FILE, f"{key}.record_type", f"no record type {rule.record_type!r}"
            department = departments.get(rule.source_department)
            if department is None:
                yield FILE, f"{key}.source_department", f"no department {rule.source_department!r}"
            elif record_type is not None and not ({department.code, department.kind} & set(record_type.sources)):
                yield FILE, f"{key}.source_department", \
                    f"{department.code!r} may not submit {record_type.code!r} records (catalog sources)"
            if record_type is not None:
                props = record_type.details_schema.get("properties") or {}
                for name in ("evaluation_period", "grade", "on_time_rate", "complaint_rate", "evaluated_by"):
                    if name not in props:
                        yield FILE, f"{key}.record_type", f"{rule.record_type!r} has no details field {name!r}"
