"""Typed rule files. Every rule value carries the date it takes effect and the article it comes from."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, model_validator

from ecredit.kit.periods import Period

class Strict(BaseModel):
    """Unknown keys are errors: a misspelt key in a rule file must fail start-up, not be ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Texts(Strict):
    """A name in Chinese (shown by default) and English."""

    zh: str
    en: str

    def __str__(self) -> str:
        """The text in the active language (English when the request is in English, else Chinese)."""
        from django.utils.translation import get_language

        return self.en if (get_language() or "").startswith("en") else self.zh


class Dated(Strict):
    """A rule value in force from `effective`, citing its legal source in `reference`."""

    effective: dt.date
    reference: str = Field(min_length=4)


def _period(value: Any) -> Period:
    return value if isinstance(value, Period) else Period.parse(value)


PeriodField = Annotated[Period, PlainValidator(_period)]


class Window(Strict):
    """Minimum (repair possible after) and maximum (leaves public view) publicity periods."""

    min: PeriodField
    max: PeriodField

    @model_validator(mode="after")
    def _ordered(self) -> "Window":
        if self.min > self.max:
            raise ValueError("min must not exceed max")
        return self


class PenaltyPublicity(Dated):
    """Publicity periods of administrative penalties (SAMR Order 45, NDRC Order 58)."""

    kind: Literal["penalty"]
    not_published_kinds: list[str]      # penalties that alone are never published (warnings)
    light_kinds: list[str]              # kinds that, alone, take the light window
    low_fine_threshold_wan: float       # a fine at or below this many 万元 counts as light
    light: Window
    general: Window
    special_fields: list[str]           # fields with a longer minimum
    special_field_min: PeriodField
    severe_kinds: list[str]             # never ended early: repair not possible before max
    ban_kinds: list[str]                # bans longer than general.max set the max to their length
    clock: Literal["decision_date", "publication_date"]


class FixedPublicity(Dated):
    """A fixed window counted from the decision date."""

    kind: Literal["fixed"]
    window: Window


class ValidityPublicity(Dated):
    """Shown while the record is valid (details.valid_until), never longer than `cap`."""

    kind: Literal["validity"]
    cap: PeriodField


class NoPublicity(Dated):
    """Never shown to the public (shared between authorised parties only)."""

    kind: Literal["none"]


PublicityVersion = Annotated[PenaltyPublicity | FixedPublicity | ValidityPublicity | NoPublicity,
                             Field(discriminator="kind")]


class RecordTypeRule(Dated):
    """One entry of the credit information catalog (信用信息目录)."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{2,48}$")
    name: Texts
    category: str
    polarity: Literal["positive", "negative", "neutral"]
    severity: Literal["none", "minor", "general", "serious"]
    disclosure: Literal["public", "authorised", "government", "internal"]
    publicity: str
    subject_kinds: list[Literal["organisation", "person", "shop"]]
    sources: list[str] = Field(min_length=1)       # organisation kinds or codes allowed to submit
    details_schema: dict[str, Any]
    legal_basis: str = Field(min_length=4)


class Catalog(Strict):
    """The record-type catalog: categories and record types."""

    categories: dict[str, Texts]
    record_types: list[RecordTypeRule]

    @model_validator(mode="after")
    def _consistent(self) -> "Catalog":
        seen: set[str] = set()
        for index, rule in enumerate(self.record_types):
            if rule.code in seen:
                raise ValueError(f"record_types[{index}].code: duplicate code {rule.code!r}")
            seen.add(rule.code)
            if rule.category not in self.categories:
                raise ValueError(f"record_types[{index}].category: unknown category {rule.category!r}")
        return self


class Deadline(Dated):
    """A deadline in working days."""

    working_days: int = Field(ge=0, le=365)


class ObjectionRules(Strict):
    """Objections (异议): marked at once, checked and decided within working-day deadlines."""

    check: list[Deadline]
    decide: list[Deadline]


class RepairRules(Strict):
    """Credit repair (信用修复): when it may be applied for and how fast it is decided."""

    decide: list[Deadline]
    conditions: list[ConditionRule]


class ConditionRule(Dated):
    """A condition an applicant must meet for repair, and whether the system can check it itself."""

    code: str
    text: Texts
    checked_by: Literal["system", "applicant_attests", "officer"]


class PeriodRule(Dated):
    """A plain calendar period."""

    period: PeriodField


class Deadlines(Strict):
    """All procedural deadlines and retention periods."""

    objection: ObjectionRules
    repair: RepairRules
    shop_report_interval: list[PeriodRule]
    seller_update: list[Deadline]
    access_log_retention: list[PeriodRule]


class Department(Strict):
    """A city department named in the plan, with the plan's tasks it leads or supports."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,31}$")
    name: Texts
    short: str
    kind: Literal["credit_office", "department"]
    leads: list[int] = []
    supports: list[int] = []
    duties: list[str] = []


class Departments(Dated):
    """The plan's departments (Nantong's plan, task table)."""

    departments: list[Department]


class HolidayYear(Strict):
    """One year's holiday schedule as the State Council announced it."""

    year: int
    notice: str
    holidays: list[dt.date]
    workdays: list[dt.date] = []


class CalendarRules(Strict):
    """Holiday schedules for years the chinese-calendar package does not know."""

    years: list[HolidayYear] = []


class MaskRule(Dated):
    """How a kind of personal data is masked for those without the right to see it."""

    keep_head: int = Field(ge=0)
    keep_tail: int = Field(ge=0)
    fill: str = "*"


class Masking(Strict):
    """Masking patterns per kind of personal data."""

    resident_id: list[MaskRule]
    person_name: list[MaskRule]
    phone: list[MaskRule]


class Region(Strict):
    """An administrative division (GB/T 2260)."""

    code: str = Field(pattern=r"^\d{6}$")
    name: str
    name_en: str


class Regions(Dated):
    """The deployment's city and its districts."""

    city: Region
    districts: list[Region]


class Role(Strict):
    """A role a principal may hold: the permissions it grants and the disclosure levels it reads."""

    name: Texts
    organisation_kinds: list[str]
    reads: list[Literal["public", "authorised", "government", "internal"]]
    permissions: list[str]


class AccessRules(Dated):
    """Rights as data: organisation kinds, roles and their permissions. Anything not granted is denied."""

    organisation_kinds: dict[str, Texts]
    permissions: dict[str, Texts]
    roles: dict[str, Role]

    @model_validator(mode="after")
    def _known(self) -> "AccessRules":
        for code, role in self.roles.items():
            for perm in role.permissions:
                if perm not in self.permissions:
                    raise ValueError(f"roles.{code}.permissions: unknown permission {perm!r}")
            for kind in role.organisation_kinds:
                if kind not in self.organisation_kinds:
                    raise ValueError(f"roles.{code}.organisation_kinds: unknown kind {kind!r}")
        return self


class SubjectRoles(Dated):
    """Roles a subject can have in e-commerce."""

    roles: dict[str, Texts]


class PortalRule(Dated):
    """What the public portal shows where (disclosure.yaml: portal)."""

    red_list_types: list[str]
    black_list_types: list[str]
    home_entries: int = Field(ge=1, le=50)
    search_results: int = Field(ge=1, le=100)
    licence_categories: list[str]
    list_categories: list[str]
    commitment_categories: list[str]


class ReportRule(Dated):
    """How credit reports are issued (disclosure.yaml: reports)."""

    purpose_required_for: list[str]
    reuse_same_day: bool


class PublicationKind(Dated):
    """A kind of notice published on the portal: who publishes it, about whom, and for how long."""

    name: Texts
    publishers: list[str]
    about: Literal["own", "own_shops", "any", "none"]
    public_for: PeriodField
    topics: list[str] = []          # if given, a notice names one of these matters


class DisclosureRules(Strict):
    """The portal's rules: sections, reports and notice kinds, each dated and cited."""

    portal: list[PortalRule]
    reports: list[ReportRule]
    publication_kinds: dict[str, list[PublicationKind]]


class Indicator(Strict):
    """One indicator of an evaluation model (evaluation.yaml explains the kinds)."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")
    name: Texts
    kind: Literal["records", "figure", "flag"]
    types: list[str] = []
    categories: list[str] = []
    within: PeriodField | None = None
    points_each: float | None = None
    cap: float | None = None
    figure: str | None = None
    from_: float | None = Field(default=None, alias="from")
    to: float | None = None
    flag: Literal["verified"] | None = None
    points: float | None = None

    @model_validator(mode="after")
    def _complete(self) -> "Indicator":
        needed = {"records": ("within", "points_each", "cap"), "figure": ("figure", "from_", "to", "points"),
                  "flag": ("flag", "points")}[self.kind]
        missing = [name.rstrip("_") for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(f"indicator {self.code}: a {self.kind} indicator needs {', '.join(missing)}")
        if self.kind == "records":
            if not (self.types or self.categories):
                raise ValueError(f"indicator {self.code}: name the record types or categories it counts")
            if (self.points_each < 0) != (self.cap < 0):
                raise ValueError(f"indicator {self.code}: points_each and cap must have the same sign")
        if self.kind == "figure" and self.from_ == self.to:
            raise ValueError(f"indicator {self.code}: from and to must differ")
        return self


class Band(Strict):
    """A grade and the lowest score that reaches it."""

    grade: str = Field(pattern=r"^[A-Z][A-Z+-]{0,3}$")
    min: float


class EvaluationModel(Dated):
    """A version of an evaluation model: base score, indicators, bounds and grade bands."""

    name: Texts
    base: float
    min_score: float
    max_score: float
    indicators: list[Indicator] = Field(min_length=1)
    bands: list[Band] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> "EvaluationModel":
        codes = [i.code for i in self.indicators]
        if len(codes) != len(set(codes)):
            raise ValueError("indicator codes must be unique within a model")
        mins = [b.min for b in self.bands]
        if mins != sorted(mins, reverse=True):
            raise ValueError("bands must run from the best grade (highest min) down")
        if mins[-1] > self.min_score:
            raise ValueError("the lowest band must start at or below min_score, so every score has a grade")
        return self


class Assignment(Strict):
    """Which model evaluates a subject: by its kind and, optionally, one of its roles."""

    model: str
    kinds: list[Literal["organisation", "person", "shop"]]
    roles: list[str] = []


class EvaluationRules(Strict):
    """All evaluation models (dated versions) and the rules that assign them to subjects."""

    assignment: list[Assignment]
    models: dict[str, list[EvaluationModel]]


RepairRules.model_rebuild()


# ------------------------------------------------------------------------------------- marketplace.yaml


class TradeCategory(Strict):
    """A product category of order items."""

    name: Texts
    key_product: bool = False


class TradeCategories(Dated):
    """The categories order items may carry (marketplace.yaml: categories)."""

    codes: dict[str, TradeCategory] = Field(min_length=1)


class RatingValues(Dated):
    """Points of one buyer-to-seller rating by its value."""

    good: int
    neutral: int
    bad: int

    @model_validator(mode="after")
    def _ordered(self) -> "RatingValues":
        if not self.good > 0 > self.bad or not self.bad <= self.neutral <= self.good:
            raise ValueError("good must be positive, bad negative and neutral between them")
        return self


class PairCap(Dated):
    """At most `cap` good and `cap` bad ratings of one buyer-shop pair count per calendar month."""

    cap: int = Field(ge=1, le=1000)
    counted: Literal["separately"]
    period: Literal["calendar_month"]
    clock: Literal["ordered_at", "rated_at"]


class RepeatWindow(Dated):
    """Ratings of the same item by the same pair within `days` count once."""

    days: int = Field(ge=1, le=366)
    clock: Literal["ordered_at", "rated_at"]


class DaysWindow(Dated):
    """A number of days after an order was completed."""

    days: int = Field(ge=1, le=3650)
    once: bool = True


class ShieldGround(Strict):
    """A ground on which a review's text may be shielded, with its own legal source."""

    name: Texts
    reference: str = Field(min_length=4)


class ShieldingRule(Dated):
    """Shielding reviews (never deleting them): grounds, and whether shielded ratings still count."""

    counts_in_points: bool
    grounds: dict[str, ShieldGround] = Field(min_length=1)


class FigureRule(Dated):
    """Windows and bases of a shop's reputation figures. The four windows are fixed: ShopReputation's
    column names carry them (good_rate_30d, refund_rate_90d …), so another window needs new columns."""

    short_days: Literal[30]
    long_days: Literal[180]
    refund_days: Literal[90]
    complaint_days: Literal[180]
    complaint_per: int = Field(ge=1, le=1_000_000)
    main_category_days: int = Field(ge=1, le=3650)
    complaint_categories: list[str] = Field(min_length=1)


class TradeAccess(Dated):
    """Organisation kinds that send trades and that may shield reviews."""

    senders: list[str] = Field(min_length=1)
    shielders: list[str] = Field(min_length=1)


class BuyerIdRule(Dated):
    """What a buyer pseudonym may be."""

    max_length: int = Field(ge=8, le=128)


class MarketplaceRules(Strict):
    """Trades and ratings: categories, points, windows, shielding, figures (marketplace.yaml)."""

    categories: list[TradeCategories] = Field(min_length=1)
    rating_values: list[RatingValues] = Field(min_length=1)
    pair_cap: list[PairCap] = Field(min_length=1)
    repeat_window: list[RepeatWindow] = Field(min_length=1)
    rating_window: list[DaysWindow] = Field(min_length=1)
    appended_window: list[DaysWindow] = Field(min_length=1)
    shielding: list[ShieldingRule] = Field(min_length=1)
    figures: list[FigureRule] = Field(min_length=1)
    access: list[TradeAccess] = Field(min_length=1)
    buyer_id: list[BuyerIdRule] = Field(min_length=1)
