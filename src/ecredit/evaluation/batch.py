"""Rescoring every subject from columns: the records, subjects and figures the models need are exported once
as arrays, every model is computed vectorised (engine.py), and what changed is written in bulk. No ORM object
is made per subject or per record."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from ecredit import policy
from ecredit.archive.models import LIVE_STATUSES
from ecredit.audit.services import Actor, ChainWriter, logged_write, state_text

from . import engine, features, services
from .models import CurrentScore, EvaluationRun

FETCH = 200_000
ACTOR = Actor("system:evaluation")


@dataclass
class Columns:
    """What the models read, as arrays: subjects (id, kind, verified, model), live records (subject row,
    type code index, decision day), figures by name."""

    subject_ids: np.ndarray
    kinds: np.ndarray
    verified: np.ndarray
    model_of: np.ndarray                # model code per subject ("" when none)
    record_ids: np.ndarray
    record_rows: np.ndarray             # index into subject_ids
    record_types: np.ndarray            # index into type_codes
    record_days: np.ndarray             # days since 1970-01-01
    type_codes: list[str]
    figures: dict[str, np.ndarray] = field(default_factory=dict)   # name -> value per subject row (NaN: none)


def _day_number(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days


def _fetch(sql: str, params: list, dtypes: list) -> list[np.ndarray]:
    """Run `sql` and return its columns as numpy arrays, fetched in blocks."""
    parts: list[list] = [[] for _ in dtypes]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(FETCH):
            for j, column in enumerate(zip(*rows)):
                parts[j].append(np.array(column, dtype=dtypes[j]))
    return [np.concatenate(p) if p else np.array([], dtype=d) for p, d in zip(parts, dtypes)]


def export(as_of: dt.date) -> Columns:
    """Export the columns the models need on `as_of`."""
    type_codes = sorted(policy.current().record_types)
    subject_ids, kinds, verified = _fetch("SELECT id, kind, verified FROM registry_subject ORDER BY id", [],
                                          [np.int64, object, np.bool_])
    role_subjects, roles = _fetch("SELECT subject_id, role FROM registry_subjectrole", [], [np.int64, object])
    roles_of: dict[int, set[str]] = {}
    for sid, role in zip(role_subjects.tolist(), roles.tolist()):
        roles_of.setdefault(sid, set()).add(role)
    cache: dict[tuple, str] = {}
    model_of = np.empty(len(subject_ids), dtype=object)
    for row, (sid, kind) in enumerate(zip(subject_ids.tolist(), kinds.tolist())):
        key = (kind, frozenset(roles_of.get(sid, ())))
        if key not in cache:
            cache[key] = features.assign(kind, set(key[1])) or ""
        model_of[row] = cache[key]
    oldest = min((i.within.before(as_of) for versions in policy.current().evaluation.models.values()
                  for v in versions for i in v.indicators if i.kind == "records"), default=as_of)
    if connection.vendor == "postgresql":
        day_sql = "(decided_on - DATE '1970-01-01')"
    else:
        day_sql = "CAST(julianday(decided_on) - 2440587.5 AS INTEGER)"
    type_case = "CASE record_type_id " + " ".join(f"WHEN '{c}' THEN {i}" for i, c in enumerate(type_codes)) + \
        " ELSE -1 END"
    marks = ", ".join(["%s"] * len(LIVE_STATUSES))
    record_ids, record_subjects, record_types, record_days = _fetch(
        f"SELECT id, subject_id, {type_case}, {day_sql} FROM archive_creditrecord"
        f" WHERE status IN ({marks}) AND decided_on >= %s AND decided_on <= %s",
        [*[str(s) for s in LIVE_STATUSES], oldest, as_of], [np.int64, np.int64, np.int16, np.int32])
    record_rows = np.searchsorted(subject_ids, record_subjects)
    columns = Columns(subject_ids, kinds, verified, model_of, record_ids, record_rows, record_types, record_days,
                      type_codes)
    names = {i.figure for versions in policy.current().evaluation.models.values() for v in versions
             for i in v.indicators if i.kind == "figure"}
    shops = subject_ids[kinds == "shop"].tolist()
    for name in names:
        values = np.full(len(subject_ids), np.nan)
        found = features.figure_values(name, shops) if shops else {}
        if found:
            keys = np.fromiter(found.keys(), dtype=np.int64, count=len(found))
            values[np.searchsorted(subject_ids, keys)] = np.fromiter(found.values(), dtype=np.float64,
                                                                     count=len(found))
        columns.figures[name] = values
    return columns


def raw_matrix(columns: Columns, model, rows: np.ndarray, as_of: dt.date,
               with_evidence: bool = True) -> tuple[np.ndarray, list[dict[str, list[int]]]]:
    """Raw indicator values for the subject rows `rows` under `model`, and each subject's evidence."""
    n, k = len(rows), len(model.indicators)
    raw = np.zeros((n, k), dtype=np.float64)
    position = np.full(len(columns.subject_ids), -1, dtype=np.int64)
    position[rows] = np.arange(n)
    record_pos = position[columns.record_rows]
    evidence: list[dict[str, list[int]]] = [{} for _ in range(n)]
    type_index = {code: i for i, code in enumerate(columns.type_codes)}
    for j, indicator in enumerate(model.indicators):
        if indicator.kind == "records":
            wanted = np.zeros(len(columns.type_codes) + 1, dtype=bool)
            for code in features.counted_types(indicator):
                wanted[type_index[code]] = True
            start = _day_number(features.window_start(indicator, as_of))
            hit = (record_pos >= 0) & wanted[columns.record_types] & (columns.record_days >= start)
            raw[:, j] = np.bincount(record_pos[hit], minlength=n)[:n]
            if with_evidence and hit.any():
                pos, ids = record_pos[hit], columns.record_ids[hit]
                order = np.lexsort((ids, pos))
                pos, ids = pos[order], ids[order]
                cuts = np.flatnonzero(np.diff(pos)) + 1
                for group_pos, group_ids in zip(pos[np.r_[0, cuts]].tolist(), np.split(ids, cuts)):
                    evidence[group_pos][indicator.code] = group_ids.tolist()
        elif indicator.kind == "figure":
            raw[:, j] = columns.figures.get(indicator.figure, np.full(len(columns.subject_ids), np.nan))[rows]
        else:
            raw[:, j] = columns.verified[rows].astype(np.float64)
    return raw, evidence


@dataclass
class BatchResult:
    """What a batch rescoring did."""

    run_id: int
    subjects: int
    changed: int
    grade_changes: int
    timings: dict[str, float]


def _current_digests() -> dict[tuple[int, str], tuple[str, str]]:
    return {(sid, version): (digest, grade) for sid, version, digest, grade in
            CurrentScore.objects.values_list("subject_id", "model_version", "digest", "grade").iterator(50_000)}


@logged_write
def _record_run(run: EvaluationRun) -> None:
    with ChainWriter() as log:
        log.append(ACTOR, "rescore", "evaluation.evaluationrun", run.pk, state_text(
            {"as_of": run.as_of.isoformat(), "policy_version": run.policy_version, "subjects": run.subjects,
             "changed": run.changed}), "batch rescoring")


def rescore_all(as_of: dt.date | None = None, *, versions: str = "in_force") -> BatchResult:
    """Rescore every subject with the model versions in force on `as_of` (default today); with
    `versions="all"` also with every other version of each model (after a model change, both stay queryable)."""
    as_of = as_of or timezone.localdate()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    run = EvaluationRun.objects.create(started_at=timezone.now(), as_of=as_of, policy_version=policy.current().version)
    columns = export(as_of)
    timings["export"] = time.perf_counter() - started
    in_force = features.models_in_force(as_of)
    plans = [(m, True) for m in in_force.values()]
    if versions == "all":
        for code, rules in policy.current().evaluation.models.items():
            for rule in rules:
                version = engine.model_version(code, rule)
                if code in in_force and version != in_force[code].version:
                    plans.append((features.ModelInForce(code, version, rule), False))
    results: list[services.Outcome] = []
    for model, is_in_force in plans:
        rows = np.flatnonzero(columns.model_of == model.code)
        if not len(rows):
            continue
        raw, evidence = raw_matrix(columns, model.rule, rows, as_of)
        results += services.outcomes(model, columns.subject_ids[rows].tolist(), raw, evidence, is_in_force)
    timings["compute"] = time.perf_counter() - started - timings["export"]
    current = _current_digests()
    with transaction.atomic():
        changed, grade_changes = services.write(results, as_of, run=run.pk, current=current)
        if versions == "in_force":
            _retire_old_versions({m.version for m in in_force.values()})
    timings["write"] = time.perf_counter() - started - timings["export"] - timings["compute"]
    run.finished_at, run.subjects, run.changed, run.timings = timezone.now(), len(results), changed, timings
    run.save()
    _record_run(run)
    return BatchResult(run.pk, len(results), changed, grade_changes, timings)


def _retire_old_versions(in_force_versions: set[str]) -> None:
    """Current rows of versions no longer in force stay queryable but are no longer the subject's grade."""
    CurrentScore.objects.filter(in_force=True).exclude(model_version__in=in_force_versions).update(in_force=False)
