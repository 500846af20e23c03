#!/usr/bin/env python
"""Batch rescoring of every subject against a plain numpy pass over the same columns (the floor).

    .venv/bin/python bench/scoring.py                                   # 1,000,000 subjects, 20,000,000 records
    .venv/bin/python bench/scoring.py --subjects 20000 --records 400000 # quick check (~15 s)
    .venv/bin/python bench/scoring.py --keep                            # keep the generated database
    .venv/bin/python bench/scoring.py --db /path/bench.sqlite3          # reuse (or create and keep) a database
    .venv/bin/python bench/scoring.py --pg-url postgresql://postgres@127.0.0.1:5432/bench_scoring

What it does:

1. Data (not timed; its time goes to stderr and to the `load_*` fields), in a child process: a temp
   ECREDIT_HOME with a SQLite file (or the PostgreSQL database named by --pg-url, created beforehand),
   `ecredit migrate`, then raw inserts in large transactions as a bulk load into a fresh database would do it:
   SQLite with journal and synchronous off during the load (WAL again afterwards); PostgreSQL with
   `session_replication_role = replica` (no foreign-key triggers) and COPY for subjects, sequences set and
   ANALYZE afterwards; on both the secondary indexes of `registry_subject` and `archive_creditrecord` dropped
   before the load and created again after it (primary keys and unique constraints stay throughout).
   Subjects: a few platforms, organisations (merchants, logistics firms, payment institutions, plain
   enterprises), shops of the platforms (each run by an organisation or a person), persons (couriers and
   others). Keys are unique but not check-digit valid (nothing here validates them). Records: types by class
   of subject among those the catalog allows for the subject's kind (`subject_kinds`), from a source the
   catalog allows for the type (a shop's platform for platform reports), spread over subjects with a skewed
   weight (lognormal, tail cut: most subjects have a few records, a quarter none, the busiest ~10,000; each
   platform 0.05 % of all), decision dates uniform over the last 6 years with ids in order of decision,
   statuses mostly active (some expired, revoked, repaired, objected, corrected), ~750 bytes a row on disk
   (details, summary, legal basis, content hash, dates). Records are drawn in numpy and inserted by the
   database itself from packed integers (json_each / unnest) joined with small lookup tables, so no Python
   object is made per record. No change-log entries are written for generated rows (rescoring does not
   read them).
2. In a child process: `rescore_all()` end to end (export, compute, write) on an empty score history ->
   `seconds`; again with nothing changed -> `second_run_seconds`; `peak_rss_mb` = that child's ru_maxrss
   after the two runs (generation runs in a child of its own because a child's ru_maxrss starts from its
   parent's peak). Then, in the same child, `export()` once more (-> `export_seconds`) and the floor: a plain
   numpy pass over those arrays computing the same scores (bincount per indicator, points, caps, bounds, grade
   bands) without evidence and without writing -> `floor_seconds`. Every score the floor computes is compared
   with the stored current score (`floor_matches`). ratio = seconds / floor_seconds; `ratio_with_export` =
   seconds / (export_seconds + floor_seconds), i.e. against reading the columns and computing the scores, with
   no evidence and no writes. `stages` are the run's own timings (EvaluationRun.timings).
3. In another child: for 500 random scored subjects, a record about the subject is inserted (own transaction,
   not timed), then `services.rescore_subjects([id])` is timed -> `incremental_p50_ms`, `incremental_p99_ms`.

Prints one JSON line on stdout (progress on stderr). Goals: seconds <= 120 on SQLite, peak_rss_mb <= 4096,
incremental_p99_ms <= 50. With `--db PATH` (or --pg-url) an existing generated database is reused: its
evaluation tables and the records the incremental step added are emptied first, so the first run again starts
from nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ECREDIT = str(BIN / "ecredit") if (BIN / "ecredit").exists() else None
SEED = 20261128
YEARS = 6
INCREMENTAL = 500
INC_SOURCE = "bench_incremental"

sys.path.insert(0, str(ROOT / "src"))


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def django_env(home: Path, url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECREDIT_")}
    env.update(ECREDIT_HOME=str(home), ECREDIT_DATABASE_URL=url,
               DJANGO_SETTINGS_MODULE="ecredit.settings", PYTHONUNBUFFERED="1")
    return env


def ecredit_cmd(*args: str) -> list[str]:
    return [ECREDIT, *args] if ECREDIT else [sys.executable, "-m", "ecredit", *args]


# ------------------------------------------------------------------------------------------------ generation

# Kinds of subject: (label, kind, roles, share of all subjects, record weight factor)
CLASSES = [
    ("org_merchant", "organisation", ["merchant"], 0.24, 1.0),
    ("org_plain", "organisation", [], 0.10, 0.8),
    ("org_service", "organisation", ["service_provider"], 0.01, 0.8),
    ("org_logistics", "organisation", ["logistics"], 0.004, 15.0),
    ("org_payment", "organisation", ["payment_institution"], 0.0005, 10.0),
    ("shop", "shop", [], 0.44, 1.0),
    ("courier", "person", ["courier"], 0.06, 0.6),
    ("person", "person", [], 0.1455, 0.3),
]
PLATFORMS = 8
PLATFORM_SHARE = np.array([0.35, 0.25, 0.15, 0.1, 0.06, 0.04, 0.03, 0.02])

# Record types by class of subject: (type, weight)
TYPES = {
    "platform": [("admin_penalty_general", 20), ("complaint_upheld", 40), ("honour", 5), ("admin_licence", 10),
                 ("credit_commitment", 5), ("admin_penalty_serious", 2), ("contract_performance", 10),
                 ("tax_credit_grade", 8)],
    "organisation": [("admin_penalty_general", 18), ("complaint_upheld", 20), ("product_quality_inspection", 10),
                     ("admin_licence", 12), ("honour", 4), ("credit_commitment", 8), ("commitment_breach", 2),
                     ("abnormal_operation_list", 4), ("admin_penalty_serious", 2), ("court_dishonest_debtor", 2),
                     ("serious_violation_list", 1), ("tax_credit_grade", 8), ("contract_performance", 9)],
    "logistics": [("logistics_service_quality", 40), ("complaint_upheld", 25), ("admin_penalty_general", 15),
                  ("admin_licence", 10), ("honour", 5), ("tax_credit_grade", 5)],
    "payment": [("payment_licence", 20), ("admin_penalty_general", 30), ("complaint_upheld", 30),
                ("admin_licence", 20)],
    "shop": [("malicious_review", 6), ("fake_order", 10), ("fake_traffic", 6), ("picture_unlike_goods", 6),
             ("counterfeit", 4), ("price_fraud", 3), ("complaint_upheld", 30), ("admin_penalty_general", 10),
             ("product_quality_inspection", 8), ("honour", 3), ("credit_commitment", 5),
             ("admin_penalty_serious", 2), ("abnormal_operation_list", 2), ("contract_performance", 5)],
    "courier": [("logistics_service_quality", 40), ("complaint_upheld", 35), ("admin_penalty_general", 20),
                ("admin_penalty_serious", 5)],
    "person": [("admin_penalty_general", 40), ("court_dishonest_debtor", 30), ("complaint_upheld", 30)],
}
TYPE_GROUP = {"org_merchant": "organisation", "org_plain": "organisation", "org_service": "organisation",
              "org_logistics": "logistics", "org_payment": "payment", "shop": "shop", "courier": "courier",
              "person": "person"}
STATUSES = [("active", 85.0), ("expired", 8.0), ("revoked", 2.0), ("repaired", 2.0), ("objected", 1.5),
            ("corrected", 1.5)]
DEPARTMENTS = [("market_regulation", "市市场监督管理局"), ("postal", "市邮政管理局"), ("court", "市中级人民法院"),
               ("tax", "市税务局"), ("pbc_nantong", "人民银行南通分行"), ("credit_office", "市信用办")]


class Store:
    """The target database of the load: SQLite (a file, on a plain sqlite3 connection) or PostgreSQL (psycopg)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pg = url.startswith("postgres")
        self.path = None if self.pg else Path(url.removeprefix("sqlite:///"))
        if self.pg:
            import psycopg

            self.conn = psycopg.connect(url, autocommit=True)
        else:
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=60)
            self.conn.execute("PRAGMA foreign_keys=OFF")
        self.mark = "%s" if self.pg else "?"

    def sql(self, text: str) -> str:
        return text.replace("%s", self.mark)

    def execute(self, text: str, params=()):
        cur = self.conn.cursor()
        cur.execute(self.sql(text), params)
        return cur

    def one(self, text: str, params=()):
        return self.execute(text, params).fetchone()

    def many(self, text: str, rows) -> None:
        self.conn.cursor().executemany(self.sql(text), rows)

    def begin(self) -> None:
        self.execute("BEGIN IMMEDIATE" if not self.pg else "BEGIN")

    def commit(self) -> None:
        self.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()

    # ---- bulk load settings
    def load_settings(self) -> None:
        """As a bulk load into a fresh database would run: no journal (SQLite), no FK triggers and no
        synchronous commit (PostgreSQL)."""
        if self.pg:
            for setting in ("session_replication_role = replica", "synchronous_commit = off",
                            "maintenance_work_mem = '2GB'", "max_parallel_maintenance_workers = 2"):
                self.execute(f"SET {setting}")
        else:
            for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-1000000", "temp_store=MEMORY",
                           "threads=2"):                  # threads: CREATE INDEX sorts with a helper thread
                self.execute(f"PRAGMA {pragma}")

    def normal_settings(self) -> None:
        if self.pg:
            self.execute("SET session_replication_role = origin")
            for table in ("access_organisation", "registry_subject", "registry_subjectrole", "archive_creditrecord"):
                self.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
            self.execute("ANALYZE")
        else:
            self.execute("PRAGMA journal_mode=WAL")

    def drop_indexes(self, table: str) -> list[str]:
        """Drop the table's secondary indexes (not those of its primary key and unique constraints); return the
        statements that create them again."""
        if self.pg:
            rows = self.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN"
                                " (SELECT conname FROM pg_constraint)", (table,)).fetchall()
        else:
            rows = self.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s"
                                " AND sql IS NOT NULL", (table,)).fetchall()
        for name, _ in rows:
            self.execute(f'DROP INDEX "{name}"')
        return [sql for _, sql in rows]

    def insert_returning(self, text: str, params) -> int:
        if self.pg:
            return self.one(text + " RETURNING id", params)[0]
        return self.execute(text, params).lastrowid

    def copy(self, table: str, columns: str, rows) -> None:
        """Many rows into `table` (COPY on PostgreSQL, executemany on SQLite)."""
        if self.pg:
            with self.conn.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns.split(",")))
            self.conn.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)

    def lookup_table(self, name: str, columns: str, rows: list[tuple]) -> None:
        """A temporary table the record INSERT joins with (first column: integer key)."""
        self.execute(f"CREATE TEMP TABLE {name} ({columns})")
        self.copy(name, ", ".join(c.split()[0] for c in columns.split(", ")), rows)

    def insert_records(self, start: int, packed: np.ndarray, pv: str) -> None:
        """Records start+1 .. start+len(packed) from packed integers, joined with the lookup tables."""
        if self.pg:
            source = "unnest(%s::bigint[]) WITH ORDINALITY AS j(value, key)"
            first = f"{start} + j.key"
            hash_sql = "md5(random()::text) || md5(random()::text)"
            payload = packed.tolist()
            evidence = "'[]'::jsonb"
        else:
            import orjson

            source = "json_each(%s) j"
            first = f"{start + 1} + j.key"
            hash_sql = "lower(hex(randomblob(32)))"
            payload = orjson.dumps(packed, option=orjson.OPT_SERIALIZE_NUMPY)
            evidence = "'[]'"
        self.execute(
            "INSERT INTO archive_creditrecord (id, record_type_id, subject_id, source_id, source_record_id, batch_id,"
            " decided_on, summary, details, legal_basis, evidence, status, disclosure, polarity, public_from,"
            " repair_from, public_until, publicity_basis, policy_version, content_hash, created_at, updated_at,"
            f" log_seq) SELECT {first}, t.code, j.value >> 25, o.org, 'G' || ({first}), NULL, d.decided, t.summary,"
            f" t.details, t.legal_basis, {evidence}, s.code, t.disclosure, t.polarity, d.decided, d.repair, d.until,"
            f" t.basis, %s, {hash_sql}, d.at, d.at, 0"
            f" FROM {source} JOIN g_type t ON t.idx = (j.value >> 15) & 31"
            " JOIN g_status s ON s.idx = (j.value >> 12) & 7 JOIN g_source o ON o.idx = (j.value >> 20) & 31"
            " JOIN g_day d ON d.d = j.value & 4095", (pv, payload))

    # ---- re-runs
    def counts(self) -> tuple[int, int]:
        return (self.one("SELECT COUNT(*) FROM registry_subject")[0],
                self.one("SELECT COALESCE(MAX(id), 0) FROM archive_creditrecord")[0])

    def reset_results(self) -> None:
        """Empty the evaluation tables and remove the records the incremental step added (for a re-run)."""
        self.begin()
        if self.pg:
            self.execute("TRUNCATE evaluation_gradechange, evaluation_currentscore, evaluation_score,"
                         " evaluation_evaluationrun")
        else:
            for table in ("evaluation_gradechange", "evaluation_currentscore", "evaluation_score",
                          "evaluation_evaluationrun"):
                self.execute(f"DELETE FROM {table}")
        self.execute("DELETE FROM archive_creditrecord WHERE source_id = (SELECT id FROM access_organisation"
                     " WHERE code = %s)", (INC_SOURCE,))
        self.commit()
        if not self.pg:
            self.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def size_mb(self) -> int:
        if self.pg:
            return round(self.one("SELECT pg_database_size(current_database())")[0] / 2**20)
        return round(self.path.stat().st_size / 2**20)


def _source_of(rule, orgs: dict[str, int]) -> str:
    """The organisation that sends records of this type (one the catalog allows)."""
    for source in rule.sources:
        if source in orgs:
            return source
    if "department" in rule.sources:
        return "market_regulation"
    if "platform" in rule.sources:
        return "platform"
    return "credit_office"


def generate(store: Store, n_subjects: int, n_records: int) -> dict:
    """Fill a migrated database with subjects, roles and records; returns timings."""
    from ecredit import policy

    pol = policy.load()
    rng = np.random.default_rng(SEED)
    today = dt.date.today()
    started = time.perf_counter()
    store.load_settings()
    tz = "+00:00" if store.pg else ""                 # Django keeps UTC without an offset in SQLite
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f") + tz
    pv = pol.version
    true = True if store.pg else 1

    # organisations that send records (departments, the credit office, the platforms)
    store.begin()
    orgs: dict[str, int] = {}
    insert_org = "INSERT INTO access_organisation (code, name, kind, uscc, active) VALUES (%s, %s, %s, %s, %s)"
    for code, name in DEPARTMENTS:
        kind = "credit_office" if code == "credit_office" else "department"
        orgs[code] = store.insert_returning(insert_org, (code, name, kind, "", true))
    store.insert_returning(insert_org, (INC_SOURCE, "基准测试增量来源", "department", "", true))
    platform_org = [store.insert_returning(insert_org, (f"platform_{p}", f"测试电商平台{p}", "platform",
                                                        f"91320602{p:010d}", true)) for p in range(1, PLATFORMS + 1)]
    store.commit()

    # ---- subjects
    labels = [c[0] for c in CLASSES]
    shares = np.array([c[3] for c in CLASSES])
    n_rest = n_subjects - PLATFORMS
    cls = rng.choice(len(CLASSES), size=n_rest, p=shares / shares.sum()).astype(np.int8)
    cls = np.concatenate([np.full(PLATFORMS, -1, dtype=np.int8), cls])   # -1: platform, ids 1..8
    ids = np.arange(1, n_subjects + 1, dtype=np.int64)
    kind_of = {-1: "organisation", **{i: c[1] for i, c in enumerate(CLASSES)}}
    verified = rng.random(n_subjects) < 0.7
    verified[:PLATFORMS] = True
    shop_idx = labels.index("shop")
    operators = ids[np.isin(cls, [labels.index("org_merchant"), labels.index("person")])]
    is_shop = cls == shop_idx
    shop_platform = np.zeros(n_subjects, dtype=np.int64)
    shop_platform[is_shop] = rng.choice(PLATFORMS, size=int(is_shop.sum()), p=PLATFORM_SHARE) + 1
    shop_operator = np.zeros(n_subjects, dtype=np.int64)
    shop_operator[is_shop] = rng.choice(operators, size=int(is_shop.sum()))

    subject_indexes = store.drop_indexes("registry_subject")
    t0 = time.perf_counter()
    store.begin()

    def subject_rows():
        for sid, c, v, plat, op in zip(ids.tolist(), cls.tolist(), verified.tolist(), shop_platform.tolist(),
                                       shop_operator.tolist()):
            kind = kind_of[c]
            if c == -1:
                name = f"测试电商平台{sid}"
            elif kind == "organisation":
                name = f"南通测试商贸有限公司{sid:07d}"
            elif kind == "shop":
                name = f"测试网店{sid:07d}"
            else:
                name = f"测试人员{sid:07d}"
            yield (sid, kind, name, "", f"91320602{sid:010d}" if kind == "organisation" else None,
                   f"{sid:064x}" if kind == "person" else None, None,
                   "3206**********123X" if kind == "person" else "",
                   plat if kind == "shop" else None, f"S{sid}" if kind == "shop" else None,
                   op if kind == "shop" else None, "", "320602", "", "", v, now if v else None, None, now, now)

    store.copy("registry_subject", "id, kind, name, name_initials, uscc, ric_lookup, ric_cipher, ric_masked,"
               " platform_id, shop_id, operator_id, shop_url, region, address, legal_representative, verified,"
               " verified_at, last_reported_at, created_at, updated_at", subject_rows())
    role_rows = [(sid, "platform") for sid in range(1, PLATFORMS + 1)]
    for i, c in enumerate(CLASSES):
        for role in c[2]:
            role_rows += [(sid, role) for sid in ids[cls == i].tolist()]
    store.copy("registry_subjectrole", "subject_id, role, since", [(s, r, today.isoformat()) for s, r in role_rows])
    store.commit()
    for sql in subject_indexes:
        store.execute(sql)
    log(f"  {n_subjects:,} subjects and {len(role_rows):,} roles in {time.perf_counter() - t0:.1f}s")

    # ---- records: who, which type, which source, which status, which day
    t0 = time.perf_counter()
    type_codes = sorted(pol.record_types)
    type_index = {c: i for i, c in enumerate(type_codes)}
    weight = np.minimum(rng.lognormal(0.0, 1.8, size=n_subjects), np.exp(1.8 * 4))  # skewed, tail cut
    factor = np.array([c[4] for c in CLASSES] + [1.0])         # index -1 -> platforms
    weight *= factor[cls]
    weight[:PLATFORMS] = weight.sum() * 0.0005                 # each platform: 0.05 % of all records
    rec_subject_row = rng.choice(n_subjects, size=n_records, p=weight / weight.sum())
    rec_cls = cls[rec_subject_row]
    rec_type = np.zeros(n_records, dtype=np.int64)
    for i, label in enumerate(["platform", *labels]):
        c = i - 1
        group = "platform" if c == -1 else TYPE_GROUP[label]
        mask = rec_cls == c
        kind = "organisation" if c == -1 else CLASSES[c][1]
        codes, w = zip(*[(t, w) for t, w in TYPES[group] if kind in pol.record_types[t].subject_kinds])
        w = np.array(w, dtype=float)
        rec_type[mask] = np.array([type_index[x] for x in codes])[rng.choice(len(codes), size=int(mask.sum()),
                                                                              p=w / w.sum())]
    org_codes = [c for c, _ in DEPARTMENTS]
    source_slot = {code: i for i, code in enumerate(org_codes)}        # 0..5; platforms at 8..15
    type_source = np.zeros(len(type_codes), dtype=np.int64)
    platform_types = np.zeros(len(type_codes), dtype=bool)
    for code, i in type_index.items():
        source = _source_of(pol.record_types[code], orgs)
        if source == "platform":
            platform_types[i] = True
        else:
            type_source[i] = source_slot[source]
    rec_source = type_source[rec_type]
    plat_rec = platform_types[rec_type]
    rec_platform = np.where(cls[rec_subject_row] == -1, rec_subject_row + 1, shop_platform[rec_subject_row])
    rec_source[plat_rec] = 7 + np.maximum(rec_platform[plat_rec], 1)
    status_w = np.array([w for _, w in STATUSES])
    rec_status = rng.choice(len(STATUSES), size=n_records, p=status_w / status_w.sum())
    span = (today - dt.date(today.year - YEARS, today.month, min(today.day, 28))).days
    rec_day = rng.integers(0, span, size=n_records)                    # days before today
    order = np.argsort(-rec_day, kind="stable")                        # ids in order of arrival: oldest first
    packed = ((ids[rec_subject_row] << 25) | (rec_source << 20) | (rec_type << 15) | (rec_status << 12)
              | rec_day)[order]
    del rec_subject_row, rec_cls, rec_type, rec_source, plat_rec, rec_platform, rec_status, rec_day, order
    log(f"  {n_records:,} records drawn in {time.perf_counter() - t0:.1f}s")

    # lookup tables the INSERT joins with
    types = []
    for code, i in type_index.items():
        rule = pol.record_types[code]
        details = json.dumps({"decision_no": f"通{code[:6]}〔2025〕基准{i}号", "authority": "南通市相关主管部门",
                              "facts": "经查，当事人存在本类型所述情形，事实清楚，证据确凿（基准测试生成数据）。"},
                             ensure_ascii=False, separators=(",", ":"))
        types.append((i, code, f"{rule.name.zh}（基准数据）", details, rule.legal_basis[:30], rule.disclosure,
                      rule.polarity, f"{rule.publicity}：按公示期限规则计算"))
    store.begin()
    json_type, date_type, time_type = ("jsonb", "date", "timestamptz") if store.pg else ("TEXT", "TEXT", "TEXT")
    store.lookup_table("g_type", f"idx INTEGER PRIMARY KEY, code TEXT, summary TEXT, details {json_type},"
                                 " legal_basis TEXT, disclosure TEXT, polarity TEXT, basis TEXT", types)
    store.lookup_table("g_status", "idx INTEGER PRIMARY KEY, code TEXT", [(i, s) for i, (s, _) in enumerate(STATUSES)])
    store.lookup_table("g_source", "idx INTEGER PRIMARY KEY, org INTEGER",
                       [(source_slot[c], orgs[c]) for c in org_codes]
                       + [(7 + p, platform_org[p - 1]) for p in range(1, PLATFORMS + 1)])
    store.lookup_table("g_day", f"d INTEGER PRIMARY KEY, decided {date_type}, repair {date_type}, until {date_type},"
                                f" at {time_type}", [
        (d, (today - dt.timedelta(days=d)).isoformat(), (today - dt.timedelta(days=d - 90)).isoformat(),
         (today - dt.timedelta(days=d - 3 * 365)).isoformat(),
         (today - dt.timedelta(days=d - 1)).isoformat() + " 02:00:00.000000" + tz) for d in range(span + 1)])
    store.commit()

    record_indexes = store.drop_indexes("archive_creditrecord")
    t0 = time.perf_counter()
    step = 1_000_000
    store.begin()
    for start in range(0, n_records, step):
        store.insert_records(start, packed[start:start + step], pv)
        if (start // step) % 5 == 4:
            log(f"  {start + step:,} records inserted ({time.perf_counter() - t0:.0f}s)")
    store.commit()
    insert_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for sql in record_indexes:
        store.execute(sql)
    index_s = time.perf_counter() - t0
    log(f"  records inserted in {insert_s:.1f}s, {len(record_indexes)} indexes created in {index_s:.1f}s")
    store.normal_settings()
    return {"generate_seconds": round(time.perf_counter() - started, 1), "insert_seconds": round(insert_s, 1),
            "index_seconds": round(index_s, 1)}


# ------------------------------------------------------------------------------------------------ children


def floor_scores(columns, as_of: dt.date) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The plain numpy pass: per model in force, bincount per indicator, points, caps, bounds, grades.
    Returns model code -> (subject rows, scores in hundredths, grade index)."""
    from ecredit import policy
    from ecredit.evaluation import features

    day0 = dt.date(1970, 1, 1)
    n = len(columns.subject_ids)
    out = {}
    model_codes = columns.model_of
    for code, model in features.models_in_force(as_of).items():
        rule = model.rule
        in_model = model_codes == code
        rows = np.flatnonzero(in_model)
        rec = in_model[columns.record_rows]
        r_rows, r_types, r_days = columns.record_rows[rec], columns.record_types[rec], columns.record_days[rec]
        total = np.full(len(rows), round(rule.base * 100), dtype=np.int64)
        for ind in rule.indicators:
            if ind.kind == "records":
                wanted = np.zeros(len(columns.type_codes) + 1, dtype=bool)
                wanted[[columns.type_codes.index(t) for t in features.counted_types(ind)]] = True
                start = (features.window_start(ind, as_of) - day0).days
                hit = wanted[r_types] & (r_days >= start)
                points = np.bincount(r_rows[hit], minlength=n)[rows] * ind.points_each
                points = np.maximum(points, ind.cap) if ind.cap < 0 else np.minimum(points, ind.cap)
            elif ind.kind == "figure":
                values = columns.figures.get(ind.figure, np.full(n, np.nan))[rows]
                points = np.nan_to_num(np.clip((values - ind.from_) / (ind.to - ind.from_), 0, 1)) * ind.points
            else:
                points = columns.verified[rows] * float(ind.points)
            total += np.rint(points * 100).astype(np.int64)
        total = np.clip(total, round(rule.min_score * 100), round(rule.max_score * 100))
        mins = np.array([round(b.min * 100) for b in reversed(rule.bands)])   # ascending
        grade = len(rule.bands) - 1 - (np.searchsorted(mins, total, side="right") - 1).clip(0)
        out[code] = (rows, total, grade)
    del policy
    return out


def child_rescore(args) -> dict:
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from ecredit.evaluation import batch, features

    as_of = timezone.localdate()
    t0 = time.perf_counter()
    first = batch.rescore_all(as_of)
    seconds = time.perf_counter() - t0
    rss_first = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    log(f"first run: {seconds:.1f}s, {first.subjects:,} scores, {first.changed:,} written; "
        + ", ".join(f"{k} {v:.1f}s" for k, v in first.timings.items()))
    t0 = time.perf_counter()
    second = batch.rescore_all(as_of)
    second_s = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    log(f"second run: {second_s:.1f}s, {second.changed:,} written; "
        + ", ".join(f"{k} {v:.1f}s" for k, v in second.timings.items()))

    t0 = time.perf_counter()
    columns = batch.export(as_of)
    export_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    floor = floor_scores(columns, as_of)
    floor_s = time.perf_counter() - t0
    log(f"export {export_s:.1f}s, floor {floor_s:.2f}s")

    # the floor's scores against the stored ones
    mismatches = 0
    checked = 0
    in_force = features.models_in_force(as_of)
    with connection.cursor() as cursor:
        for code, (rows, total, grade) in floor.items():
            cursor.execute("SELECT subject_id, CAST(ROUND(score * 100) AS INTEGER), grade FROM evaluation_currentscore"
                           " WHERE model_version = %s ORDER BY subject_id", [in_force[code].version])
            stored = cursor.fetchall()
            sids = columns.subject_ids[rows]
            bands = [b.grade for b in in_force[code].rule.bands]
            got = {sid: (s, g) for sid, s, g in stored}
            for sid, s, g in zip(sids.tolist(), total.tolist(), grade.tolist()):
                checked += 1
                if got.get(sid) != (s, bands[g]):
                    mismatches += 1
            mismatches += len(got) - len(sids)
    return {"seconds": round(seconds, 2), "second_run_seconds": round(second_s, 2),
            "floor_seconds": round(floor_s, 3), "export_seconds": round(export_s, 2),
            "ratio": round(seconds / floor_s, 1), "ratio_with_export": round(seconds / (export_s + floor_s), 2),
            "peak_rss_mb": round(rss),
            "first_run_rss_mb": round(rss_first),
            "scores": first.subjects, "written": first.changed, "grade_changes": first.grade_changes,
            "second_run_written": second.changed,
            "floor_matches": mismatches == 0 and checked == first.subjects, "floor_checked": checked,
            "stages": {k: round(v, 2) for k, v in first.timings.items()},
            "second_run_stages": {k: round(v, 2) for k, v in second.timings.items()}}


def child_incremental(args) -> dict:
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from ecredit.evaluation import services

    rng = np.random.default_rng(SEED + 1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT subject_id FROM evaluation_currentscore WHERE in_force")
        scored = np.array([r[0] for r in cursor.fetchall()], dtype=np.int64)
        cursor.execute("SELECT id FROM access_organisation WHERE code = %s", [INC_SOURCE])
        source = cursor.fetchone()[0]
    picked = rng.choice(scored, size=min(args.incremental + 10, len(scored)), replace=False).tolist()
    today = timezone.localdate()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    sql = ("INSERT INTO archive_creditrecord (record_type_id, subject_id, source_id, source_record_id, batch_id,"
           " decided_on, summary, details, legal_basis, evidence, status, disclosure, polarity, public_from,"
           " repair_from, public_until, publicity_basis, policy_version, content_hash, created_at, updated_at,"
           " log_seq) VALUES ('complaint_upheld', %s, %s, %s, NULL, %s, '消费投诉成立', '{}', '', '[]',"
           " 'active', 'public', 'negative', %s, NULL, NULL, '', '', %s, %s, %s, 0)")
    times = []
    changed = 0
    for k, sid in enumerate(picked):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [sid, source, f"INC-{sid}-{k}", today, today, f"{k:064x}", now, now])
        t0 = time.perf_counter()
        changed += services.rescore_subjects([sid], today)
        if k >= 10:                                   # the first ten warm up
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {"incremental_p50_ms": round(float(np.percentile(times, 50)), 2),
            "incremental_p99_ms": round(float(np.percentile(times, 99)), 2),
            "incremental_max_ms": round(times[-1], 2), "incremental_n": len(times),
            "incremental_changed": changed}


def child_generate(args) -> dict:
    """The load, in a child process of its own: the parent (which starts the measuring children) stays small,
    since a child's ru_maxrss starts from its parent's peak at the fork."""
    store = Store(os.environ["ECREDIT_DATABASE_URL"])
    try:
        return generate(store, args.subjects, args.records)
    finally:
        store.close()


def run_child(name: str, env: dict, args) -> dict:
    cmd = [sys.executable, __file__, "--child", name, "--incremental", str(args.incremental),
           "--subjects", str(args.subjects), "--records", str(args.records)]
    done = subprocess.run(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"child {name} failed ({done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _interrupted(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=20_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated database (its path goes to stderr)")
    parser.add_argument("--db", type=Path, help="a generated SQLite database to reuse (created and kept if missing)")
    parser.add_argument("--pg-url", help="a PostgreSQL database (loopback) to fill or reuse instead of SQLite: "
                                         "postgresql://postgres@127.0.0.1:5432/bench_scoring (created beforehand)")
    parser.add_argument("--generate-only", action="store_true", help="create the database and stop")
    parser.add_argument("--incremental", type=int, default=INCREMENTAL, help="subjects rescored one by one")
    parser.add_argument("--child", choices=["generate", "rescore", "incremental"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        out = {"generate": child_generate, "rescore": child_rescore, "incremental": child_incremental}[args.child](args)
        print(json.dumps(out), flush=True)
        return 0
    if args.pg_url:
        from urllib.parse import urlsplit

        if (urlsplit(args.pg_url).hostname or "") not in ("127.0.0.1", "localhost", "::1"):
            parser.error("--pg-url must point at a loopback host")
        if (urlsplit(args.pg_url).path.strip("/") or "") in ("", "test", "postgres"):
            parser.error("--pg-url must name a database of its own (not test or postgres)")

    signal.signal(signal.SIGTERM, _interrupted)
    home = Path(tempfile.mkdtemp(prefix="ecredit-bench-scoring-"))
    keep = args.keep or args.db is not None or args.pg_url is not None
    db_path = args.db.resolve() if args.db else home / "bench.sqlite3"
    url = args.pg_url or f"sqlite:///{db_path}"
    env = django_env(home, url)
    line = {"bench": "scoring", "db": "postgresql" if args.pg_url else "sqlite"}
    failed = False
    store = None
    try:
        generated = {}
        existing = None
        if args.pg_url or db_path.exists():
            store = Store(url)
            try:
                existing = store.counts()
            except Exception as exc:  # noqa: BLE001 - no tables: a database to fill
                if not args.pg_url:
                    raise RuntimeError(f"{db_path} is not a database this benchmark generated: {exc}") from None
        if existing and existing[1]:
            log(f"reusing {url}: emptying the evaluation tables")
            store.reset_results()
            n_subjects, n_records = store.counts()
            log(f"{n_subjects:,} subjects, {n_records:,} records")
        else:
            if existing is not None:
                raise RuntimeError(f"{url} has subjects but no records: drop it and run again")
            db_path.parent.mkdir(parents=True, exist_ok=True)
            log("migrate")
            done = subprocess.run(ecredit_cmd("migrate", "--noinput", "-v", "0"), env=env, cwd=ROOT,
                                  capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise RuntimeError(f"migrate failed: {done.stderr[-2000:]}")
            log(f"generating {args.subjects:,} subjects and {args.records:,} records (child process)")
            generated = run_child("generate", env, args)
            store = store or Store(url)
            n_subjects, n_records = store.counts()
            log(f"generated in {generated['generate_seconds']}s ({generated})")
        line.update(subjects=n_subjects, records=n_records)
        line.update({f"load_{k}": v for k, v in generated.items()})
        if not args.generate_only:
            log("rescoring (child process)")
            line.update(run_child("rescore", env, args))
            log("incremental rescoring (child process)")
            line.update(run_child("incremental", env, args))
        line["db_mb"] = store.size_mb()
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001 - reported in the line
        failed = True
        line["error"] = f"{type(exc).__name__}: {exc}"[:1000]
    finally:
        if store is not None:
            store.close()
        if args.db is not None or args.pg_url:
            shutil.rmtree(home, ignore_errors=True)      # only ECREDIT_HOME (keys); the database lives elsewhere
        elif keep:
            log(f"database kept: {db_path} (reuse with --db {db_path})")
        else:
            shutil.rmtree(home, ignore_errors=True)
    print(json.dumps(line), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted")
        sys.exit(130)
