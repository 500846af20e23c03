"""Scoring one subject, writing scores, and explaining a score line by line. The batch (batch.py) writes with its
own column writer but the same statements and value formatting (`_UPSERT`, `_SCORE_COLUMNS`, `_decimal`,
`_plain`), so a row stored by either path is the same; a test holds them to it."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from ecredit import policy
from ecredit.kit.canonical import canonical_json
from ecredit.kit.errors import NotFound
from ecredit.registry.models import Subject

from . import engine, features
from .models import CurrentScore, Score

HUNDRED = Decimal(100)


@dataclass
class Outcome:
    """One subject's result under one model version, ready to be written."""

    subject_id: int
    model_code: str
    model_version: str
    in_force: bool
    score: int                    # hundredths
    grade: str
    base: int                     # hundredths
    bound: int                    # hundredths
    contributions: dict[str, list]
    evidence: dict[str, list[int]]

    @property
    def digest(self) -> str:
        """What must change for a new history row: score, grade, contributions, evidence."""
        return hashlib.sha1(canonical_json([self.score, self.grade, self.bound, self.contributions,
                                            self.evidence])).hexdigest()


def outcomes(model: features.ModelInForce, subject_ids: list[int], raw: np.ndarray,
             evidence: list[dict[str, list[int]]], in_force: bool = True) -> list[Outcome]:
    """Score the rows of `raw` (one per subject) with `model` and shape them for writing."""
    scored = engine.evaluate(model.rule, raw)
    codes = [i.code for i in model.rule.indicators]
    base = round(model.rule.base * 100)
    out = []
    for row, subject_id in enumerate(subject_ids):
        parts = {code: [_plain(raw[row, j]), int(scored.contributions[row, j])] for j, code in enumerate(codes)}
        out.append(Outcome(subject_id, model.code, model.version, in_force, int(scored.scores[row]),
                           str(scored.grades[row]), base, int(scored.bound[row]), parts, evidence[row]))
    return out


def _plain(value: float) -> float | None:
    """A raw value as JSON keeps it (NaN, "no figure", becomes null)."""
    value = float(value)
    return None if value != value else round(value, 4)


def _decimal(hundredths: int) -> Decimal:
    return (Decimal(hundredths) / HUNDRED).quantize(Decimal("0.01"))


_UPSERT = ("INSERT INTO evaluation_currentscore (subject_id, model_code, model_version, score_row_id, score, grade,"
           " as_of, digest, in_force) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
           " ON CONFLICT (subject_id, model_version) DO UPDATE SET score_row_id = excluded.score_row_id,"
           " score = excluded.score, grade = excluded.grade, as_of = excluded.as_of, digest = excluded.digest,"
           " in_force = excluded.in_force")
_SCORE_COLUMNS = ("id", "subject_id", "model_code", "model_version", "as_of", "score", "grade", "base", "bound",
                  "contributions", "evidence", "digest", "policy_version", "computed_at", "run")


def write(results: Iterable[Outcome], as_of: dt.date, *, run: int | None = None,
          current: dict[tuple[int, str], tuple[str, str]] | None = None) -> tuple[int, int]:
    """Write outcomes: a history row and the current row where anything changed, and a grade change for the
    feed where the grade under the version in force moved. `current` maps (subject, version) to (digest, grade)
    when the caller already read it (the batch); otherwise it is read here. Returns (changed, grade changes)."""
    from ecredit import db
    from ecredit.audit.services import lock_chain

    # Writers of scores queue on the change log's lock like every other writer: grade changes then commit in
    # the order of their sequence numbers, so a feed reader paging by `seq` never skips one.
    lock_chain()
    results = list(results)
    if current is None:
        current = _current_of({(r.subject_id, r.model_version) for r in results})
    digests = [r.digest for r in results]            # a property that serialises: computed once each
    kept = [(r, d) for r, d in zip(results, digests)
            if current.get((r.subject_id, r.model_version), ("", ""))[0] != d]
    if not kept:
        return 0, 0
    changed = [r for r, _ in kept]
    now = timezone.now()
    now_db = connection.ops.adapt_datetimefield_value(now)
    version = policy.current().version
    ids = db.reserve_ids("evaluation_score", len(changed))
    json_cols = {"contributions", "evidence"}
    rows = [(pk, r.subject_id, r.model_code, r.model_version, as_of.isoformat(), str(_decimal(r.score)), r.grade,
             str(_decimal(r.base)), str(_decimal(r.bound)), _json(r.contributions), _json(r.evidence), digest,
             version, now_db, run) for pk, (r, digest) in zip(ids, kept)]
    db.insert_rows("evaluation_score", _SCORE_COLUMNS, rows, json_columns=json_cols)
    upserts = [(r.subject_id, r.model_code, r.model_version, pk, str(_decimal(r.score)), r.grade, as_of.isoformat(),
                digest, r.in_force) for pk, (r, digest) in zip(ids, kept)]
    grade_changes = [(r.subject_id, r.model_version, current.get((r.subject_id, r.model_version), ("", ""))[1],
                      r.grade, str(_decimal(r.score)), now_db) for r in changed
                     if r.in_force and current.get((r.subject_id, r.model_version), ("", ""))[1] != r.grade]
    with connection.cursor() as cursor:
        cursor.executemany(_UPSERT, upserts)
        cursor.executemany("INSERT INTO evaluation_gradechange (subject_id, model_version, old_grade, new_grade,"
                           " score, at) VALUES (%s, %s, %s, %s, %s, %s)", grade_changes)
        graded = sorted({r.subject_id for r in changed if r.in_force})
        for start in range(0, len(graded), 900):
            retire_other_models(cursor, graded[start:start + 900])
    return len(changed), len(grade_changes)


_RETIRE = ("UPDATE evaluation_currentscore SET in_force = %s WHERE in_force = %s{only} AND EXISTS"
           " (SELECT 1 FROM evaluation_currentscore c2 WHERE c2.subject_id = evaluation_currentscore.subject_id"
           " AND c2.in_force = %s AND c2.model_code <> evaluation_currentscore.model_code"
           " AND c2.score_row_id > evaluation_currentscore.score_row_id)")


def retire_other_models(cursor, subject_ids: list[int] | None = None) -> None:
    """A subject is graded by one model at a time: when its model changed (it gained the platform role, say),
    the row of the model it had before stays queryable but is no longer in force; the newest score wins."""
    if subject_ids is not None and not subject_ids:
        return
    only = "" if subject_ids is None else f" AND subject_id IN ({', '.join(['%s'] * len(subject_ids))})"
    cursor.execute(_RETIRE.format(only=only), [False, True, *(subject_ids or []), True])


def _json(value: Any) -> str:
    return canonical_json(value).decode("utf-8")


def _current_of(keys: set[tuple[int, str]]) -> dict[tuple[int, str], tuple[str, str]]:
    subject_ids = sorted({k[0] for k in keys})
    out = {}
    for start in range(0, len(subject_ids), 900):
        for sid, version, digest, grade in CurrentScore.objects.filter(
                subject_id__in=subject_ids[start:start + 900]).values_list("subject_id", "model_version",
                                                                           "digest", "grade"):
            out[(sid, version)] = (digest, grade)
    return out


def score_subject(subject: Subject, as_of: dt.date) -> Outcome | None:
    """The outcome for one subject under the model version in force (None if no model evaluates it)."""
    roles = set(subject.roles.values_list("role", flat=True))
    code = features.assign(subject.kind, roles)
    models = features.models_in_force(as_of)
    if code is None or code not in models:
        return None
    model = models[code]
    raw, evidence = features.raw_for_subject(subject, model.rule, as_of)
    return outcomes(model, [subject.pk], np.array([raw], dtype=np.float64), [evidence])[0]


@transaction.atomic
def rescore_subjects(subject_ids: Iterable[int], as_of: dt.date | None = None) -> int:
    """Rescore these subjects now (the incremental path, run by a background task); returns how many changed."""
    as_of = as_of or timezone.localdate()
    subjects = Subject.objects.filter(pk__in=list(subject_ids)).prefetch_related("roles")
    results = [r for r in (score_subject(s, as_of) for s in subjects) if r is not None]
    return write(results, as_of)[0]


# ------------------------------------------------------------------------------------------------ reading


@dataclass
class ExplainedLine:
    """One line of a score's explanation."""

    code: str
    name: str
    kind: str
    raw: float | None
    points: Decimal
    rule: str
    record_ids: list[int]

    @property
    def value(self) -> str:
        """The raw value as a person reads it: a count, a yes/no, a figure, or "" for no data."""
        if self.raw is None:
            return ""
        if self.kind == "records":
            return str(int(self.raw))
        if self.kind == "flag":
            return "✓" if self.raw else "✗"
        return f"{self.raw:g}"


@dataclass
class Explanation:
    """A score as a person reads it: base, one line per indicator, the bound adjustment, the total."""

    subject_id: int
    model_code: str
    model_name: str
    model_version: str
    reference: str
    as_of: dt.date
    computed_at: dt.datetime
    base: Decimal
    lines: list[ExplainedLine]
    bound: Decimal
    score: Decimal
    grade: str

    @property
    def total(self) -> Decimal:
        """base + lines + bound: equal to `score` by construction (a test holds it)."""
        return self.base + sum((line.points for line in self.lines), Decimal(0)) + self.bound


def _model_rule(version: str):
    code, _, effective = version.partition("@")
    for rule in policy.current().evaluation.models.get(code, []):
        if rule.effective.isoformat() == effective:
            return code, rule
    return code, None


def rule_text(indicator, english: bool) -> str:
    """The indicator's rule in words: how raw values become points."""
    if indicator.kind == "records":
        w = indicator.within
        span = (f"{w.years}y" if english else f"{w.years}年") if w.years else (f"{w.months}m" if english else f"{w.months}个月")
        if english:
            return f"{indicator.points_each:+g} per record decided in the last {span}, at most {indicator.cap:+g}"
        return f"近{span}内每条{indicator.points_each:+g}分，合计不超过{indicator.cap:+g}分"
    if indicator.kind == "figure":
        if english:
            return f"0 points at {indicator.from_:g}, {indicator.points:+g} at {indicator.to:g}, linear between"
        return f"{indicator.from_:g}时0分，{indicator.to:g}时{indicator.points:+g}分，其间按比例"
    return f"{indicator.points:+g}"


def explain(score: Score, english: bool = False) -> Explanation:
    """The explanation of a stored score, from the model version it was computed with."""
    code, rule = _model_rule(score.model_version)
    lines = []
    indicators = {i.code: i for i in (rule.indicators if rule else [])}
    ordered = [code for code in indicators if code in score.contributions] + \
        [code for code in score.contributions if code not in indicators]
    for key in ordered:
        raw, hundredths = score.contributions[key]
        indicator = indicators.get(key)
        name = (indicator.name.en if english else indicator.name.zh) if indicator else key
        lines.append(ExplainedLine(key, name, indicator.kind if indicator else "", raw, _decimal(hundredths),
                                   rule_text(indicator, english) if indicator else "", score.evidence.get(key, [])))
    return Explanation(score.subject_id, code, (rule.name.en if english else rule.name.zh) if rule else code,
                       score.model_version, rule.reference if rule else "", score.as_of, score.computed_at,
                       score.base, lines, score.bound, score.score, score.grade)


def current_explanation(subject_id: int, english: bool = False) -> Explanation | None:
    """The explanation of the subject's current score under the model version in force, if it has one."""
    row = (CurrentScore.objects.filter(subject_id=subject_id, in_force=True).select_related("score_row")
           .order_by("-as_of").first())
    return explain(row.score_row, english) if row else None


def history(subject_id: int, model_version: str | None = None) -> list[Score]:
    """Every score the subject has had (optionally under one model version), newest first."""
    scores = Score.objects.filter(subject_id=subject_id)
    if model_version:
        scores = scores.filter(model_version=model_version)
    return list(scores.order_by("-computed_at", "-id"))


def require_subject(subject_id: int) -> Subject:
    """The subject, or NotFound."""
    subject = Subject.objects.filter(pk=subject_id).first()
    if subject is None:
        raise NotFound("未找到该信用主体")
    return subject
