"""API shapes of findings: findings with their evidence, decisions, detection runs, the review model."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field


class FindingOut(Schema):
    """A finding in a list."""

    id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    subject_id: int | None
    subject_name: str
    platform_id: int | None
    platform_name: str
    title: str
    score: float
    rank: int
    first_seen: dt.datetime
    last_seen: dt.datetime
    times_seen: int
    reviewed_at: dt.datetime | None
    record_ids: list[int]


class InvolvedOut(Schema):
    subject_id: int
    name: str
    role: str


class OutcomeOut(Schema):
    """What confirming the finding does (findings.yaml outcomes)."""

    record_type: str | None
    shield_ground: str | None
    summary: str


class FindingDetailOut(FindingOut):
    """A finding with its evidence (its format per kind: ecredit/findings/detectors.py) and its review."""

    evidence: dict[str, Any]
    involved: list[InvolvedOut]
    reviewed_by: str
    reviewer_org: str
    reason: str
    label: int | None
    fingerprint: str
    follows: int | None
    first_run: int
    last_run: int
    policy_version: str
    outcome: OutcomeOut


class FindingPage(Schema):
    count: int
    offset: int
    limit: int
    items: list[FindingOut]


class ConfirmIn(Schema):
    reason: str = Field("", max_length=2000)


class DismissIn(Schema):
    reason: str = Field(..., max_length=2000)


class RunIn(Schema):
    detectors: list[str] | None = None


class RunOut(Schema):
    id: int
    started_at: dt.datetime
    finished_at: dt.datetime | None
    window_start: dt.date
    window_end: dt.date
    detectors: list[str]
    engine: str
    status: str
    figures: dict[str, Any]
    error: str
    triggered_by: str
    policy_version: str


class GraphBuyer(Schema):
    id: str
    orders: int


class GraphShop(Schema):
    id: int
    name: str
    in_ring: bool


class GraphEdge(Schema):
    buyer: str
    shop: int
    orders: int


class RingGraphOut(Schema):
    buyers: list[GraphBuyer]
    shops: list[GraphShop]
    edges: list[GraphEdge]


class ReviewModelOut(Schema):
    id: int
    trained_at: dt.datetime
    trained_by: str
    positives: int
    negatives: int
    features: int
    params: dict[str, Any]
    cv_auc: float | None
    active: bool
    policy_version: str


class ReviewModelStatusOut(Schema):
    """The model that scores review accounts now (if any), recent models, the labels available for training
    and what findings.yaml asks before a model may score."""

    active: ReviewModelOut | None
    recent: list[ReviewModelOut]
    labelled_positives: int
    labelled_negatives: int
    min_positives: int
    min_negatives: int
    min_cv_auc: float
    labelled_positive_findings: int = 0       # reviewed findings behind the labels (a model needs enough of them)
    labelled_negative_findings: int = 0
    min_positive_findings: int = 0
    min_negative_findings: int = 0
