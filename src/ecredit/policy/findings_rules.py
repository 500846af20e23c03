"""Typed findings.yaml: how the detectors run over platform data, who sees their findings, and what a confirmed
finding becomes.

Every section is a list of dated versions (the one in force on the day of the run or the decision applies).
Values that are this project's proposal, not a rule of law, say so with `proposal: true`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Literal

from pydantic import Field, model_validator

from .models import Dated, PeriodField, Strict, Texts

FILE = "findings.yaml"
KINDS = ("order_ring", "review_accounts", "empty_parcel", "borrowed_name", "missing_licence", "unlicensed_channel")
PARCEL_RULES = ("no_hub_scan", "too_fast", "light_weight", "reused_waybill", "created_before_payment",
                "origin_mismatch")


# Columns of the account table ecredit.detection.review_features builds from ratings with times.
_REVIEW_COLUMNS = ("product_log_degree", "product_one_off_share", "product_reviewer_log_degree", "rating_deviation",
                   "rating_extreme", "burst", "early_in_product", "account_reviews_that_day")
ACCOUNT_COLUMNS = frozenset(("log_degree", "one_off")
                            + tuple(f"{agg}:{c}" for agg in ("mean", "max") for c in _REVIEW_COLUMNS)
                            + tuple(f"{agg}:{c}" for agg in ("hop2_mean", "hop2_max") for c in ("log_degree", "one_off")))


class Proposal(Dated):
    """A dated rule value that may be this project's proposal for the city to confirm."""

    proposal: bool = False


class Windows(Proposal):
    """How far back each detector reads, ending on the run's day (inclusive)."""

    order_ring: PeriodField
    review_accounts: PeriodField
    empty_parcel: PeriodField
    missing_licence: PeriodField
    unlicensed_channel: PeriodField


class Peeling(Strict):
    """`find_rings` (greedy peeling of the densest blocks, FRAUDAR / D-Cube): `blocks_per_platform` blocks, kept
    when their density is at least `min_lift` times the platform's and at least `min_fill` of their buyer x shop
    cells hold an order (a ring is a near-complete block; a platform's natural core of heavy buyers is not).
    The engine that runs on PySpark too."""

    blocks_per_platform: int = Field(ge=1, le=50)
    time_bucket: PeriodField | None = None       # None: buyer x shop; a period: buyer x shop x time bucket
    weighting: Literal["surprise", "fraudar", "count"] = "surprise"
    margin: float = Field(ge=0)
    min_lift: float = Field(gt=0)
    min_fill: float = Field(gt=0, le=1)


class Significance(Strict):
    """`find_ring_candidates` (seeded local search for significant blocks of any shape): a block is kept when
    its Bonferroni-corrected surprise reaches `threshold` nats, with a lift of e^`margin` asked over the
    degree-preserving null, its window at most `max_window` time buckets, at most `max_blocks` per platform."""

    time_bucket: PeriodField
    threshold: float = Field(gt=0)
    margin: float = Field(ge=0)
    max_window: int = Field(ge=1)
    min_lift: float = Field(ge=0)
    max_blocks: int = Field(ge=1)


class RingRules(Proposal):
    """Fake-order rings per platform. `method` names the search (`significance`, or `peeling`, the one with a
    PySpark engine: a deployment that runs rings on Spark peels). Either way a block becomes a finding only
    with at least `min_buyers` buyers and `min_orders` orders."""

    method: Literal["significance", "peeling"]
    engine: Literal["numpy", "spark"] = "numpy"
    statuses: list[Literal["paid", "shipped", "completed", "refunded", "cancelled"]] = Field(min_length=1)
    min_buyers: int = Field(ge=2)
    min_orders: int = Field(ge=2)
    min_platform_orders: int = Field(ge=1)       # a platform with fewer orders in the window is not searched
    significance: Significance
    peeling: Peeling


class SupervisedRules(Strict):
    """When a trained review classifier may score accounts, and how it is trained."""

    min_positives: int = Field(ge=2)
    min_negatives: int = Field(ge=2)
    min_cv_auc: float = Field(gt=0.5, le=1)
    folds: int = Field(ge=2, le=10)
    threshold: float = Field(gt=0, lt=1)          # an account is suspicious when the model's probability >= this
    grid: list[dict[str, float | int]] = Field(min_length=1)
    # Reviewed findings (confirmed, dismissed) with accounts in the window; None (versions before 2026-11-29):
    # only what grouped folds need, one finding of each label per fold.
    min_positive_findings: int | None = Field(default=None, ge=2)
    min_negative_findings: int | None = Field(default=None, ge=2)

    def findings_needed(self) -> tuple[int, int]:
        """The confirmed and dismissed findings a model needs (never fewer than the folds)."""
        return (max(self.min_positive_findings or 0, self.folds), max(self.min_negative_findings or 0, self.folds))

    @model_validator(mode="after")
    def _grid(self) -> "SupervisedRules":
        need = {"learning_rate", "n_estimators", "num_leaves", "min_child_samples"}
        for params in self.grid:
            if set(params) != need:
                raise ValueError(f"each grid entry names exactly {sorted(need)}")
        if self.folds > min(self.min_positives, self.min_negatives):
            raise ValueError("folds must not exceed the minimum number of labels of either class")
        for name in ("min_positive_findings", "min_negative_findings"):
            value = getattr(self, name)
            if value is not None and self.folds > value:
                raise ValueError(f"folds must not exceed {name}: folds keep each finding whole")
        return self


class ReviewRules(Proposal):
    """Fake and malicious reviews from the review graph (ecredit.detection.review_features).

    An account is suspicious in a direction (good reviews lifting a shop, bad ones attacking it) when its
    unsupervised score over that direction's `signals` is at least `min_score` and among the top `top_share`
    of all accounts (or, with an active trained model, its probability reaches the model's
    threshold). A shop gets a finding per direction (good reviews lifting it, bad reviews attacking it) when
    at least `min_accounts` suspicious accounts gave it such reviews and they make at least `min_share` of its
    reviews in the window."""

    values: dict[Literal["good", "neutral", "bad"], float]
    burst_window: PeriodField
    signals: dict[Literal["positive", "negative"], list[str]]   # account columns voting in each direction's score
    min_score: float = Field(ge=0, le=1)
    top_share: float = Field(gt=0, le=1)
    min_accounts: int = Field(ge=1)
    min_share: float = Field(ge=0, le=1)
    max_accounts_shown: int = Field(ge=1)
    supervised: SupervisedRules

    @model_validator(mode="after")
    def _signals(self) -> "ReviewRules":
        for direction in ("positive", "negative"):
            columns = self.signals.get(direction)
            if not columns:
                raise ValueError(f"signals.{direction}: name the account columns that vote")
            for column in columns:
                if column not in ACCOUNT_COLUMNS:
                    raise ValueError(f"signals.{direction}: {column!r} is not an account column "
                                     f"(one of {sorted(ACCOUNT_COLUMNS)})")
        return self


class ParcelRules(Proposal):
    """Empty-parcel rules over tracking data (ecredit.detection.find_empty_parcels), with their figures."""

    rules: list[Literal[PARCEL_RULES]] = Field(min_length=1)  # type: ignore[valid-type]
    hub_kinds: list[str] = Field(min_length=1)
    signed_kinds: list[str] = Field(min_length=1)
    quantile: float = Field(gt=0, lt=1)
    median_floor: float = Field(ge=0, lt=1)
    fast_ratio: float = Field(gt=0, lt=1)
    min_history: int = Field(ge=1)
    weight_ratio: float = Field(gt=0, lt=1)
    min_goods_weight_kg: float = Field(ge=0)
    merge_window: PeriodField
    grace_hours: float = Field(ge=0)
    dominant_share: float = Field(gt=0.5, le=1)
    min_shop_waybills: int = Field(ge=1)
    min_hits: int = Field(ge=1)                   # a shop's finding needs at least this many orders hit
    max_hits_shown: int = Field(ge=1)


class NameRules(Proposal):
    """Borrowed names (ecredit.detection.borrowed_names)."""

    threshold: float = Field(gt=0, le=1)
    max_candidates: int = Field(ge=1)
    check_operators: bool = True


class LicenceType(Strict):
    """A licence type: the names its records carry (details.licence_name contains one of them)."""

    name: Texts
    names: list[str] = Field(min_length=1)
    reference: str = Field(min_length=4)


class KeyCategory(Strict):
    """A marketplace category of key goods and the licence types any one of which allows selling it."""

    licences: list[str] = Field(min_length=1)
    reference: str = Field(min_length=4)


class LicenceRules(Proposal):
    """Key goods that need a licence (R1.3): which marketplace categories, which licences, where they are kept."""

    record_types: list[str] = Field(min_length=1)       # archive types holding licences (details.licence_name)
    licence_types: dict[str, LicenceType]
    categories: dict[str, KeyCategory]
    not_required: dict[str, str] = {}                   # category -> why no licence is asked (the law's words)
    min_orders: int = Field(ge=1)                       # orders of the category in the window before a finding

    @model_validator(mode="after")
    def _known(self) -> "LicenceRules":
        for code, category in self.categories.items():
            for lic in category.licences:
                if lic not in self.licence_types:
                    raise ValueError(f"categories.{code}: unknown licence type {lic!r}")
            if code in self.not_required:
                raise ValueError(f"{code} is both required and not required")
        return self


class PaymentRules(Proposal):
    """Payment channels (R3.3): which channel codes name which institution, which need no payment licence, and
    where licences are kept. A channel operated by the platform itself is licensed only if the platform holds
    a payment licence."""

    record_types: list[str] = Field(min_length=1)       # archive types whose subjects are licensed institutions
    institutions: dict[str, str]                        # channel code as platforms send it -> institution name
    known_licensed: list[str] = []                      # institutions licensed by the central bank (its public list)
    exempt: dict[str, str] = {}                         # channel code -> why it needs no payment licence
    platform_operated: list[str] = []                   # channel codes meaning "the platform's own wallet"
    similarity: float = Field(gt=0, le=1)
    min_orders: int = Field(ge=1)
    max_shops_shown: int = Field(ge=1)


class Routing(Dated):
    """Which departments (departments.yaml codes) see and decide each kind of finding; the credit office sees
    every kind."""

    kinds: dict[Literal[KINDS], list[str]]  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _all(self) -> "Routing":
        missing = set(KINDS) - set(self.kinds)
        if missing:
            raise ValueError(f"routing must name departments for {sorted(missing)}")
        return self


class Outcome(Strict):
    """What confirming a finding of one kind does: the record type written and on whom, or shielding."""

    record_type: str | None = None
    subjects: Literal["subject", "ring_shops"] = "subject"
    pattern: str | None = None                          # malicious_review details.pattern
    empty_parcel: bool | None = None                    # fake_order details.empty_parcel
    shield_ground: str | None = None                    # marketplace.yaml shielding ground (victims' reviews)
    summary: Texts


class Outcomes(Dated):
    """Per kind (review findings per direction: `review_accounts.positive` / `.negative`)."""

    outcomes: dict[str, Outcome]

    @model_validator(mode="after")
    def _all(self) -> "Outcomes":
        wanted = {k for k in KINDS if k != "review_accounts"} | {"review_accounts.positive",
                                                                 "review_accounts.negative"}
        missing = wanted - set(self.outcomes)
        if missing:
            raise ValueError(f"outcomes must say what {sorted(missing)} become")
        for key, outcome in self.outcomes.items():
            if (outcome.record_type is None) == (outcome.shield_ground is None):
                raise ValueError(f"{key}: name exactly one of record_type, shield_ground")
        return self


class Reopening(Proposal):
    """When a finding found again after a decision becomes a question again: a dismissed finding reopens, and a
    confirmed one gets a follow-up finding, when the new evidence holds at least `min_new` items (orders,
    reviews, shops) not in the evidence decided on, and at least `min_new_share` of that evidence's count. A ring
    found with shops joined or gone is the ring kept before when they share `same_ring_share` of the smaller
    one's orders."""

    min_new: int = Field(ge=1)
    min_new_share: float = Field(ge=0)
    same_ring_share: float = Field(gt=0, le=1)    # a ring re-found with other shops is the same when sharing this


class Staleness(Proposal):
    """An open finding that no run has found for `after` (counted back from the run's day) becomes stale; a
    run only stales findings of the detectors it ran (and did not skip)."""

    after: PeriodField


class FindingRules(Strict):
    """The root of findings.yaml."""

    windows: list[Windows] = Field(min_length=1)
    rings: list[RingRules] = Field(min_length=1)
    reviews: list[ReviewRules] = Field(min_length=1)
    parcels: list[ParcelRules] = Field(min_length=1)
    names: list[NameRules] = Field(min_length=1)
    licences: list[LicenceRules] = Field(min_length=1)
    payments: list[PaymentRules] = Field(min_length=1)
    routing: list[Routing] = Field(min_length=1)
    outcomes: list[Outcomes] = Field(min_length=1)
    reopening: list[Reopening] = Field(min_length=1)
    staleness: list[Staleness] = Field(min_length=1)

    def on(self, section: str, day: dt.date | None = None) -> Any:
        """The version of `section` in force on `day` (default today)."""
        from .loader import in_force

        return in_force(getattr(self, section), day or dt.date.today())

    def kinds_for(self, org_code: str, day: dt.date | None = None) -> list[str]:
        """The kinds of finding a department sees and decides (the credit office: every kind)."""
        routing = self.on("routing", day)
        if org_code == "credit_office":
            return list(KINDS)
        return [kind for kind in KINDS if org_code in routing.kinds.get(kind, [])]

    def departments_for(self, kind: str, day: dt.date | None = None) -> list[str]:
        """The departments a kind of finding goes to."""
        return list(self.on("routing", day).kinds.get(kind, []))

    def problems(self, policy: Any) -> Iterable[tuple[str, str, str]]:
        """(file, key, reason) for every reference to another rule file that does not resolve."""
        departments = {d.code for d in policy.departments.departments}
        record_types = policy.record_types
        kinds_of = {d.code: d.kind for d in policy.departments.departments}
        for i, version in enumerate(self.routing):
            for kind, codes in version.kinds.items():
                for code in codes:
                    if code not in departments:
                        yield FILE, f"routing.{i}.kinds.{kind}", f"no department {code!r}"
        deciders = {kind: {c for v in self.routing for c in v.kinds.get(kind, [])} | {"credit_office"}
                    for kind in KINDS}
        grounds = {g for v in policy.marketplace.shielding for g in v.grounds}
        for i, version in enumerate(self.outcomes):
            for key, outcome in version.outcomes.items():
                where = f"outcomes.{i}.outcomes.{key}"
                if outcome.shield_ground is not None and outcome.shield_ground not in grounds:
                    yield FILE, where, f"no shielding ground {outcome.shield_ground!r} in marketplace.yaml"
                if outcome.record_type is None:
                    continue
                rule = record_types.get(outcome.record_type)
                if rule is None:
                    yield FILE, where, f"no record type {outcome.record_type!r}"
                    continue
                if rule.polarity != "negative":
                    yield FILE, where, f"{outcome.record_type!r} is not a negative record type"
                for code in sorted(deciders.get(key.split(".")[0], set())):
                    if not ({code, kinds_of.get(code, "")} & set(rule.sources)):
                        yield FILE, where, f"{code!r} decides these findings but may not submit {outcome.record_type!r}"
                props = rule.details_schema.get("properties") or {}
                for name, value in (("pattern", outcome.pattern), ("empty_parcel", outcome.empty_parcel)):
                    if value is None:
                        continue
                    if name not in props:
                        yield FILE, where, f"{outcome.record_type!r} has no details.{name}"
                    elif "enum" in props[name] and value not in props[name]["enum"]:
                        yield FILE, where, f"{value!r} is not a value of {outcome.record_type}.details.{name}"
        categories = {c for v in policy.marketplace.categories for c in v.codes}
        for i, version in enumerate(self.licences):
            for code in [*version.categories, *version.not_required]:
                if code not in categories:
                    yield FILE, f"licences.{i}.categories.{code}", f"no marketplace category {code!r}"
            for code in version.record_types:
                if code not in record_types:
                    yield FILE, f"licences.{i}.record_types", f"no record type {code!r}"
                elif "licence_name" not in (record_types[code].details_schema.get("properties") or {}):
                    yield FILE, f"licences.{i}.record_types", f"{code!r} has no details.licence_name"
        for i, version in enumerate(self.payments):
            for code in version.record_types:
                if code not in record_types:
                    yield FILE, f"payments.{i}.record_types", f"no record type {code!r}"
