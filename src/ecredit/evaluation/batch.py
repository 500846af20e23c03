"""Rescoring every subject from columns: the records, subjects and figures the models need are exported once
as arrays, every model is computed vectorised (engine.py), and what changed is written in bulk. No ORM object
is made per subject or per record.

How it stays fast at a million subjects and twenty million records (bench/scoring.py):

- Export (columns.py): the database does the per-row work. Each query returns one text per range of ids with the numbers
  the models need already computed and packed in SQL (subject, record-type index, day number; one integer
  per record besides its id), which numpy parses in one call: no Python object per row. Only live records of
  types some indicator counts, decided inside the longest window that counts them, are read. On a SQLite
  file the id ranges are read by two connections in two threads (SQLite releases the GIL while it steps).
- Records are sorted once by (subject, id), so the records of any set of subjects are a few slices away, and
  the evidence of an indicator (the ids it counted, ascending) comes out already grouped.
- Scoring runs per chunk of subjects of one model: raw values by bincount, the engine's contributions,
  bounds, scores and grades on arrays; the JSON of the contributions (and the score, grade and bound that go
  with it) is made once per distinct row of raw values, since most subjects share one; per subject only its
  evidence is serialised and the digest is hashed. The digest is byte for byte `Outcome.digest`.
- Only scores whose digest changed are written: history rows, current rows and grade changes with one
  executemany (SQLite) or COPY (PostgreSQL) each per chunk, each chunk one transaction under the change log's
  lock like `services.write` (so intake waits seconds, not the whole run, and feed cursors never skip).
  Current rows are inserted or updated as the batch found them, not upserted (see `_write_current`).
- Subjects whose records or registry entry changed while the batch ran (change-log entries after the export
  began) are rescored once more through the single-subject path at the end, so a record that arrived during
  the run is never overwritten by a score computed before it.

Tried and not kept (1M subjects, 20M records, SQLite): scoring the next chunk in a thread while this one is
written (the GIL slowed the writer by what it saved); a larger page cache, and checkpoints deferred to the end
of the run (no gain beyond noise); memory-mapped reads (mapped pages count in the process's RSS).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import time
from dataclasses import dataclass

import numpy as np
import orjson
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ecredit import db, policy
from ecredit.audit.services import Actor, ChainWriter, lock_chain, logged_write, state_text

from . import engine, features, services
from .models import EvaluationRun

CHUNK = 100_000            # subjects scored and written per step (one transaction each)
ACTOR = Actor("system:evaluation")
_SORT_KEYS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS

from .columns import Columns, _day_number, _index, export


def _gather(columns: Columns, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(local subject position, record index) of every record of the subjects `rows`, in that order and by id."""
    starts = columns.record_start[rows]
    lengths = columns.record_start[rows + 1] - starts
    total = int(lengths.sum())
    position = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
    offsets = np.cumsum(lengths) - lengths
    index = np.arange(total, dtype=np.int64) - np.repeat(offsets - starts, lengths)
    return position, index


def _wanted(columns: Columns, indicator) -> np.ndarray:
    wanted = np.zeros(len(columns.type_codes) + 1, dtype=bool)
    type_index = {code: i for i, code in enumerate(columns.type_codes)}
    for code in features.counted_types(indicator):
        if code in type_index:
            wanted[type_index[code]] = True
    return wanted


def _raw_and_hits(columns: Columns, rule, rows: np.ndarray, as_of: dt.date
                  ) -> tuple[np.ndarray, list[tuple[str, np.ndarray, np.ndarray]]]:
    """Raw values (rows × indicators) and, per records indicator, the positions and ids of the records it
    counted (grouped by position, ids ascending within each)."""
    _index(columns)
    rows = np.asarray(rows, dtype=np.int64)
    n = len(rows)
    raw = np.zeros((n, len(rule.indicators)), dtype=np.float64)
    hits = []
    position, index = _gather(columns, rows)
    types, days = columns.record_types[index], columns.record_days[index]
    for j, indicator in enumerate(rule.indicators):
        if indicator.kind == "records":
            start = _day_number(features.window_start(indicator, as_of))
            hit = _wanted(columns, indicator)[types] & (days >= start)
            counted = position[hit]
            raw[:, j] = np.bincount(counted, minlength=n)[:n]
            hits.append((indicator.code, counted, columns.record_ids[index[hit]]))
        elif indicator.kind == "figure":
            raw[:, j] = columns.figures.get(indicator.figure, np.full(len(columns.subject_ids), np.nan))[rows]
        else:
            raw[:, j] = columns.verified[rows].astype(np.float64)
    return raw, hits


def _groups(position: np.ndarray) -> tuple[list[int], list[int]]:
    """For positions grouped in runs: each run's position and the bounds of the runs."""
    cuts = np.flatnonzero(position[1:] != position[:-1]) + 1
    return position[np.r_[0, cuts]].tolist(), np.r_[0, cuts, len(position)].tolist()


def raw_matrix(columns: Columns, model, rows: np.ndarray, as_of: dt.date,
               with_evidence: bool = True) -> tuple[np.ndarray, list[dict[str, list[int]]]]:
    """Raw indicator values for the subject rows `rows` under `model`, and each subject's evidence."""
    raw, hits = _raw_and_hits(columns, model, rows, as_of)
    evidence: list[dict[str, list[int]]] = [{} for _ in range(len(raw))]
    if with_evidence:
        for code, position, ids in hits:
            if len(ids):
                at, bounds = _groups(position)
                ids_list = ids.tolist()
                for k, pos in enumerate(at):
                    evidence[pos][code] = ids_list[bounds[k]:bounds[k + 1]]
    return raw, evidence


def _distinct_rows(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(a row of each distinct row of `raw`, the distinct row of every row), equal meaning bit for bit."""
    n = len(raw)
    if not n:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    bits = np.ascontiguousarray(raw).view(np.int64)
    order = np.lexsort(bits.T)
    ordered = bits[order]
    starts = np.ones(n, dtype=bool)
    starts[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    pattern = np.empty(n, dtype=np.int64)
    pattern[order] = np.cumsum(starts) - 1
    return order[starts], pattern


@dataclass
class _Block:
    """One chunk of subjects scored under one model version, ready to compare and write."""

    subject_ids: list[int]
    digests: list[str]
    scores: np.ndarray            # hundredths
    bounds: np.ndarray
    grades: list[str]
    pattern: np.ndarray           # index into contributions (one JSON per distinct row of raw values)
    contributions: list[str]
    evidence: list[bytes]


def _score_block(columns: Columns, model: features.ModelInForce, rows: np.ndarray, as_of: dt.date) -> _Block:
    """Score the subject rows `rows` with `model`: the same numbers, JSON and digest as `services.outcomes`
    gives for each subject alone."""
    rule = model.rule
    raw, hits = _raw_and_hits(columns, rule, rows, as_of)
    n = len(raw)
    scored = engine.evaluate(rule, raw)
    codes = [i.code for i in rule.indicators]
    # one JSON (and digest prefix) per distinct row of raw values: the rest of the outcome follows from it
    first, pattern = _distinct_rows(raw)
    prefixes, contributions = [], []
    grade_json: dict[str, bytes] = {}
    for row in first.tolist():
        parts = {code: [services._plain(raw[row, j]), int(scored.contributions[row, j])]
                 for j, code in enumerate(codes)}
        text = orjson.dumps(parts, option=_SORT_KEYS)
        grade = str(scored.grades[row])
        if grade not in grade_json:
            grade_json[grade] = orjson.dumps(grade)
        prefixes.append(b"[%d,%s,%d,%s," % (int(scored.scores[row]), grade_json[grade], int(scored.bound[row]),
                                            text))
        contributions.append(text.decode())
    evidence: list[bytes] = [b"{}"] * n
    nonempty: dict[int, dict[str, list[int]]] = {}
    for code, position, ids in sorted(hits, key=lambda h: h[0]):
        if len(ids):
            at, bounds = _groups(position)
            ids_list = ids.tolist()
            for k, pos in enumerate(at):
                found = nonempty.get(pos)
                if found is None:
                    nonempty[pos] = found = {}
                found[code] = ids_list[bounds[k]:bounds[k + 1]]
    for pos, found in nonempty.items():
        evidence[pos] = orjson.dumps(found, option=_SORT_KEYS)
    prefix_of = [prefixes[p] for p in pattern.tolist()]
    sha1 = hashlib.sha1
    digests = [sha1(b"%s%s]" % (p, e)).hexdigest() for p, e in zip(prefix_of, evidence)]
    grades = np.asarray(scored.grades, dtype=object).tolist()
    return _Block(columns.subject_ids[rows].tolist(), digests, scored.scores, scored.bound, grades, pattern,
                  contributions, evidence)


# ------------------------------------------------------------------------------------------------ write


class _Writer:
    """Writes the changed outcomes of blocks: history rows, current rows, grade changes (services.write's rows)."""

    def __init__(self, as_of: dt.date, run: int) -> None:
        self.as_of = as_of.isoformat()
        self.run = run
        self.now_db = connection.ops.adapt_datetimefield_value(timezone.now())
        self.policy_version = policy.current().version
        self._decimal: dict[int, str] = {}

    def decimal(self, hundredths: int) -> str:
        text = self._decimal.get(hundredths)
        if text is None:
            text = self._decimal[hundredths] = str(services._decimal(hundredths))
        return text

    def write(self, model: features.ModelInForce, in_force: bool, block: _Block,
              current: dict[int, tuple[str, str]]) -> tuple[int, int]:
        missing = ("", "")
        olds = [current.get(sid, missing) for sid in block.subject_ids]
        changed = [i for i, (old, digest) in enumerate(zip(olds, block.digests)) if old[0] != digest]
        if not changed:
            return 0, 0
        dec = self.decimal
        scores = block.scores[changed].tolist()
        bounds = block.bounds[changed].tolist()
        patterns = block.pattern[changed].tolist()
        sids = [block.subject_ids[i] for i in changed]
        grades = [block.grades[i] for i in changed]
        digests = [block.digests[i] for i in changed]
        score_text = [dec(s) for s in scores]
        base = dec(round(model.rule.base * 100))
        with transaction.atomic():
            # like services.write: scores are written under the change log's lock, so grade changes commit in
            # the order of their sequence numbers and a feed reader paging by `seq` never skips one
            lock_chain()
            ids = db.reserve_ids("evaluation_score", len(changed))
            rows = list(zip(ids, sids, itertools.repeat(model.code), itertools.repeat(model.version),
                            itertools.repeat(self.as_of), score_text, grades, itertools.repeat(base),
                            [dec(b) for b in bounds], [block.contributions[p] for p in patterns],
                            [block.evidence[i].decode() for i in changed], digests,
                            itertools.repeat(self.policy_version), itertools.repeat(self.now_db),
                            itertools.repeat(self.run)))
            with connection.cursor() as cursor:
                _insert(cursor, "evaluation_score", services._SCORE_COLUMNS, rows)
            del rows
            current_rows = list(zip(sids, itertools.repeat(model.code), itertools.repeat(model.version), ids,
                                    score_text, grades, itertools.repeat(self.as_of), digests,
                                    itertools.repeat(in_force)))
            known = [olds[i] is not missing for i in changed]
            grade_changes = []
            if in_force:
                grade_changes = [(sid, model.version, olds[i][1], grade, text, self.now_db)
                                 for i, sid, grade, text in zip(changed, sids, grades, score_text)
                                 if olds[i][1] != grade]
            with connection.cursor() as cursor:
                _write_current(cursor, [r for r, k in zip(current_rows, known) if not k],
                               [r for r, k in zip(current_rows, known) if k])
                _insert(cursor, "evaluation_gradechange",
                        ("subject_id", "model_version", "old_grade", "new_grade", "score", "at"), grade_changes)
        return len(changed), len(grade_changes)


def _insert(cursor, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Plain rows into `table`: COPY on PostgreSQL (JSON columns as text, which the server parses; an order of
    magnitude faster than executemany there), one executemany on SQLite."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        with connection.wrap_database_errors, cursor.cursor.copy(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",
                           rows)


_CURRENT_COLUMNS = ("subject_id", "model_code", "model_version", "score_row_id", "score", "grade", "as_of", "digest",
                    "in_force")
_UPDATE_CURRENT = ("UPDATE evaluation_currentscore SET model_code = %s, score_row_id = %s, score = %s, grade = %s,"
                   " as_of = %s, digest = %s, in_force = %s WHERE subject_id = %s AND model_version = %s")


def _write_current(cursor, new: list[tuple], known: list[tuple]) -> None:
    """Current rows (in `services._UPSERT`'s order): inserted where the subject had none under the version when
    the batch read them, updated where it had one. Both are several times cheaper than the upsert on SQLite (with
    foreign keys on, an upsert is ~3x an insert); should the incremental path have added or changed a row in
    between, the upsert does it."""
    if new:
        try:
            with transaction.atomic():
                _insert(cursor, "evaluation_currentscore", _CURRENT_COLUMNS, new)
        except IntegrityError:
            cursor.executemany(services._UPSERT, new)
    if known:
        cursor.executemany(_UPDATE_CURRENT, [(code, pk, score, grade, as_of, digest, in_force, sid, version)
                                             for sid, code, version, pk, score, grade, as_of, digest, in_force
                                             in known])
        if cursor.rowcount != len(known):
            cursor.executemany(services._UPSERT, known)


def _current_of(version: str) -> dict[int, tuple[str, str]]:
    """subject id -> (digest, grade) of the current scores under `version`."""
    out: dict[int, tuple[str, str]] = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT subject_id, digest, grade FROM evaluation_currentscore WHERE model_version = %s",
                       [version])
        while rows := cursor.fetchmany(100_000):
            out.update((sid, (digest, grade)) for sid, digest, grade in rows)
    return out


# ------------------------------------------------------------------------------------------------ the run


@dataclass
class BatchResult:
    """What a batch rescoring did."""

    run_id: int
    subjects: int
    changed: int
    grade_changes: int
    timings: dict[str, float]


class _Clock:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, stage: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings[stage] = self.timings.get(stage, 0.0) + time.perf_counter() - started


def _log_mark() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(seq), 0) FROM audit_changelogentry")
        return cursor.fetchone()[0]


def _changed_since(mark: int) -> list[int]:
    """Subjects whose records or registry entry changed after change-log entry `mark`."""
    from ecredit.archive.services import MODEL as RECORD
    from ecredit.registry.services import MODEL as SUBJECT

    with connection.cursor() as cursor:
        cursor.execute("SELECT r.subject_id FROM audit_changelogentry e JOIN archive_creditrecord r"
                       " ON r.id = e.object_id WHERE e.seq > %s AND e.model = %s"
                       " UNION SELECT e.object_id FROM audit_changelogentry e WHERE e.seq > %s AND e.model = %s",
                       [mark, RECORD, mark, SUBJECT])
        return sorted(row[0] for row in cursor.fetchall())


@logged_write
def _record_run(run: EvaluationRun) -> None:
    with ChainWriter() as log:
        log.append(ACTOR, "rescore", "evaluation.evaluationrun", run.pk, state_text(
            {"as_of": run.as_of.isoformat(), "policy_version": run.policy_version, "subjects": run.subjects,
             "changed": run.changed}), "batch rescoring")


def _plans(as_of: dt.date, versions: str) -> tuple[dict[str, features.ModelInForce],
                                                    list[tuple[features.ModelInForce, bool]]]:
    in_force = features.models_in_force(as_of)
    plans = [(m, True) for m in in_force.values()]
    if versions == "all":
        for code, rules in policy.current().evaluation.models.items():
            for rule in rules:
                version = engine.model_version(code, rule)
                if code in in_force and version != in_force[code].version:
                    plans.append((features.ModelInForce(code, version, rule), False))
    return in_force, plans


def rescore_all(as_of: dt.date | None = None, *, versions: str = "in_force") -> BatchResult:
    """Rescore every subject with the model versions in force on `as_of` (default today); with
    `versions="all"` also with every other version of each model (after a model change, both stay queryable)."""
    as_of = as_of or timezone.localdate()
    clock = _Clock()
    started = time.perf_counter()
    run = EvaluationRun.objects.create(started_at=timezone.now(), as_of=as_of, policy_version=policy.current().version)
    mark = _log_mark()
    subjects = changed = grade_changes = 0
    with clock("export"):
        columns = export(as_of)
    in_force, plans = _plans(as_of, versions)
    writer = _Writer(as_of, run.pk)
    for model, is_in_force in plans:
        rows = np.flatnonzero(columns.model_of == model.code)
        if not len(rows):
            continue
        subjects += len(rows)
        with clock("current"):
            current = _current_of(model.version)
        for start in range(0, len(rows), CHUNK):
            with clock("compute"):
                block = _score_block(columns, model, rows[start:start + CHUNK], as_of)
            with clock("write"):
                c, g = writer.write(model, is_in_force, block, current)
            changed, grade_changes = changed + c, grade_changes + g
            del block
        del current
    del columns
    with clock("write"):
        _mark_in_force({m.version for m in in_force.values()})
    with clock("catch_up"):
        late = _changed_since(mark)
        if late:
            changed += services.rescore_subjects(late, as_of)
    clock.timings["total"] = time.perf_counter() - started
    timings = {k: round(v, 3) for k, v in clock.timings.items()}
    run.finished_at, run.subjects, run.changed, run.timings = timezone.now(), subjects, changed, timings
    run.save()
    _record_run(run)
    return BatchResult(run.pk, subjects, changed, grade_changes, timings)


def _mark_in_force(in_force_versions: set[str]) -> None:
    """Current rows of versions no longer in force stay queryable but are no longer the subject's grade; rows of
    versions in force (computed earlier, before their version took effect) become it."""
    versions = sorted(in_force_versions)
    if not versions:
        return
    marks = ", ".join(["%s"] * len(versions))
    with transaction.atomic(), connection.cursor() as cursor:
        lock_chain()
        cursor.execute(f"UPDATE evaluation_currentscore SET in_force = (model_version IN ({marks}))"
                       f" WHERE in_force <> (model_version IN ({marks}))", [*versions, *versions])
        services.retire_other_models(cursor)
