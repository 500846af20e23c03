#!/usr/bin/env python
"""Bulk intake over HTTP against the database's own floor (`make bench`).

For each database (SQLite in a temp file; PostgreSQL in a fresh database `ecredit_bench`), this:

1. sets ECREDIT_DATABASE_URL and ECREDIT_HOME (a temp dir), runs `ecredit migrate`, creates a department
   organisation with an API client (role department_officer) and pre-registers KNOWN organisations;
2. starts the server as production would: gunicorn `ecredit.wsgi` on 127.0.0.1 and a free port,
   1 worker (gthread, 1 thread, so HTTP keep-alive works; batches are sent one after the other, so a
   second worker would only sit idle), and waits for /api/v1/health;
3. sends N records (default 100,000) in batches of 10,000 to POST /api/v1/records/batches over one
   keep-alive connection (http.client); every body is serialised before the clock starts, so the
   client's JSON encoding is not timed; each response must report `created` == batch size
   -> api_per_s = N / wall time of the requests;
4. the floor: stops the server, reads back exactly the rows the API wrote -- registry_subject rows it
   created for subjects first seen in the batch, audit_changelogentry rows (subjects' and records'),
   archive_creditrecord rows -- deletes them, resets the change log's chain head, and times inserting
   the same rows again on a raw DB-API connection (sqlite3 / psycopg) with one executemany per table in
   one transaction -> raw_per_s = N / that time. Subjects are part of the floor because no code path
   can store a record without the subject row it refers to. (The one exchange_batch row and the one
   signed chain checkpoint the API also writes per batch -- 20 rows in all -- are not.)
   The re-inserted rows are then checked with `ecredit verify-log` (not timed).
5. ratio = api_per_s / raw_per_s; one JSON line per database on stdout, progress on stderr.

Data (a realistic share of known subjects): 20,000 organisations are registered beforehand (verified,
each with its change-log entries, as a registry import leaves them). Even-numbered records name one of
them (each known organisation gets ~2.5 records); odd-numbered records name an organisation never seen
before, which the archive creates unverified -- so half the records bring a new subject (50,000 new
subjects for 100,000 records). Records are general administrative penalties (`admin_penalty_general`)
with a decision number, penalty kinds (mostly a fine, some warning+fine or confiscation+fine), an
amount, facts and basis, decided over 2023-2025: about 660 bytes of JSON each, 6.6 MB per batch.

Bounded: loopback only; it stops by itself; the server is killed (by its process group) and temp dirs
and the bench database are removed even on failure or Ctrl-C.

    .venv/bin/python bench/ingest.py [--records 100000] [--batch-size 10000] [--known 20000]
                                     [--db sqlite,postgresql] [--no-verify]
                                     [--pg-url postgresql://postgres@127.0.0.1:5432/]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from _server import Gunicorn

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ECREDIT = str(BIN / "ecredit") if (BIN / "ecredit").exists() else None
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/"
BENCH_DB = "ecredit_bench"
TYPE_CODE = "admin_penalty_general"
SERVER = "gunicorn 1 worker (gthread, 1 thread, keep-alive)"

sys.path.insert(0, str(ROOT / "src"))
from ecredit.kit.identifiers import uscc_with_check_digit  # noqa: E402  (no Django needed)


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------- data


def uscc(n: int) -> str:
    """A valid USCC, distinct for distinct n (same scheme as tests/factories.py)."""
    return uscc_with_check_digit(f"91320602{n:08d}X")


def org_name(n: int) -> str:
    return f"南通市测试商贸有限公司{n:06d}"


def make_records(n_records: int, known: int, seed: int = 20250305) -> list[dict]:
    rng = random.Random(seed)
    kinds_choice = [["fine"]] * 7 + [["warning", "fine"]] * 2 + [["confiscation", "fine"]]
    violations = ["销售不合格商品", "虚假宣传", "未按规定公示经营信息", "侵犯注册商标专用权", "价格违法行为"]
    base_day = 738521  # 2023-01-01 as a proleptic ordinal
    import datetime as dt

    records = []
    new_counter = known  # organisations known..: never registered before
    for i in range(n_records):
        if i % 2 == 0:
            org = rng.randrange(known)
        else:
            org = new_counter
            new_counter += 1
        violation = violations[rng.randrange(len(violations))]
        fine = round(rng.uniform(0.2, 50.0), 2)
        decided = dt.date.fromordinal(base_day + rng.randrange(900)).isoformat()
        records.append({
            "id": f"BENCH-{i:07d}",
            "type": TYPE_CODE,
            "subject": {"uscc": uscc(org), "name": org_name(org)},
            "decided_on": decided,
            "summary": violation,
            "details": {
                "decision_no": f"通市监罚〔2025〕{i}号",
                "penalty_kinds": kinds_choice[rng.randrange(len(kinds_choice))],
                "fine_amount_wan": fine,
                "field": "general",
                "violation_type": violation,
                "facts": f"经查，当事人于{decided}前后在其网店{violation}，违法所得{fine}万元。",
                "basis": "《中华人民共和国电子商务法》第八十六条；《中华人民共和国产品质量法》第四十九条",
                "authority": "南通市市场监督管理局",
            },
        })
    return records


# --------------------------------------------------------------------------------------------- setup

SETUP = r"""
import json, os, sys
import django
django.setup()
from django.db import transaction
from django.utils import timezone
from ecredit.access.models import ApiClient, Organisation
from ecredit.audit.services import Actor, ChainWriter
from ecredit.registry import services as registry
from ecredit.registry.models import Subject

known = int(sys.argv[1])
sys.path.insert(0, os.environ["BENCH_DIR"])
from ingest import uscc, org_name

org = Organisation.objects.create(code="market_regulation", name="市市场监督管理局", kind="department")
client = ApiClient(organisation=org, name="bench", role="department_officer")
token = client.issue_token()
client.save()
actor = Actor("system:bench-setup", "")
for start in range(0, known, 5000):
    refs = [registry.SubjectRef("organisation", uscc(n), org_name(n)) for n in range(start, min(known, start + 5000))]
    with transaction.atomic(), ChainWriter() as log:
        ids = registry.resolve(refs, actor, log)
        now = timezone.now()
        Subject.objects.filter(id__in=ids.values()).update(verified=True, verified_at=now)
        for subject in Subject.objects.filter(id__in=ids.values()).order_by("id"):
            log.append(actor, "update", registry.MODEL, subject.pk, registry.subject_state(subject), "registered")
print(json.dumps({"token": token, "subjects": Subject.objects.count()}))
"""


def run(cmd: list[str], env: dict, *, timeout: float = 900) -> str:
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout


def django_env(home: Path, db_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECREDIT_")}
    env.update(ECREDIT_HOME=str(home), ECREDIT_DATABASE_URL=db_url, DJANGO_SETTINGS_MODULE="ecredit.settings",
               BENCH_DIR=str(Path(__file__).resolve().parent), PYTHONUNBUFFERED="1")
    return env


def ecredit_cmd(*args: str) -> list[str]:
    return [ECREDIT, *args] if ECREDIT else [sys.executable, "-m", "ecredit", *args]


# --------------------------------------------------------------------------------------------- server


def start_server(env: dict, home: Path) -> Gunicorn:
    """1 worker, gthread with 1 thread (so HTTP keep-alive works); batches are sent one after the other."""
    return Gunicorn("ecredit.wsgi", ["--workers", "1", "--worker-class", "gthread", "--threads", "1",
                                     "--keep-alive", "60", "--timeout", "600", "--log-level", "warning"],
                    env, home / "gunicorn.log")


def post_batches(port: int, token: str, bodies: list[tuple[int, bytes]]) -> tuple[float, int]:
    """Send pre-serialised batches over one keep-alive connection; returns (seconds, records created)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
               "Connection": "keep-alive"}
    created = 0
    started = time.perf_counter()
    for k, (size, body) in enumerate(bodies):
        t0 = time.perf_counter()
        conn.request("POST", "/api/v1/records/batches", body=body, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        if response.status != 200:
            allow = f" (Allow: {response.getheader('Allow')})" if response.getheader("Allow") else ""
            raise RuntimeError(f"batch {k}: HTTP {response.status}{allow}: {payload[:500]!r}")
        report = orjson.loads(payload)
        if report.get("created") != size or report.get("rejected"):
            raise RuntimeError(f"batch {k}: created {report.get('created')} of {size}, "
                               f"rejected {report.get('rejected')}: {str(report.get('errors'))[:500]}")
        created += report["created"]
        log(f"  batch {k + 1}/{len(bodies)}: {size} records in {time.perf_counter() - t0:.2f}s")
    seconds = time.perf_counter() - started
    conn.close()
    return seconds, created


# --------------------------------------------------------------------------------------------- raw floor

TABLES = (  # insertion order (foreign keys), key column
    ("registry_subject", "id"),
    ("audit_changelogentry", "seq"),
    ("archive_creditrecord", "id"),
)


class Raw:
    """A plain DB-API connection (sqlite3 or psycopg) with the same settings the app uses."""

    def __init__(self, vendor: str, target: str) -> None:
        self.vendor = vendor
        if vendor == "sqlite":
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, as Django does (IMMEDIATE mode)
            self.conn = sqlite3.connect(target, isolation_level=None, timeout=30)
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
                self.conn.execute(f"PRAGMA {pragma}")
            self.mark = "?"
        else:
            import psycopg

            self.conn = psycopg.connect(target, autocommit=True)
            self.mark = "%s"

    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE" if self.vendor == "sqlite" else "BEGIN")

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def one(self, sql: str, params=()) -> tuple:
        cur = self.conn.cursor()
        cur.execute(sql.replace("%s", self.mark), params)
        return cur.fetchone()

    def execute(self, sql: str, params=()) -> None:
        self.conn.cursor().execute(sql.replace("%s", self.mark), params)

    def columns(self, table: str) -> list[tuple[str, bool]]:
        """(name, is_json) of a table's columns, in table order."""
        if self.vendor == "sqlite":
            return [(row[1], False) for row in self.conn.execute(f"PRAGMA table_info({table})")]
        cur = self.conn.cursor()
        cur.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
                    "ORDER BY ordinal_position", (table,))
        return [(name, dtype in ("jsonb", "json")) for name, dtype in cur.fetchall()]

    def marks(self) -> dict:
        return {t: self.one(f"SELECT COALESCE(MAX({k}), 0) FROM {t}")[0] for t, k in TABLES}

    def read_back(self, before: dict) -> dict[str, tuple[str, list[tuple]]]:
        """The rows written since `before`, with the INSERT that puts them back (JSON as text, cast)."""
        out = {}
        for table, key in TABLES:
            cols = self.columns(table)
            select = ", ".join(f"{c}::text" if js else c for c, js in cols)
            cur = self.conn.cursor()
            cur.execute(f"SELECT {select} FROM {table} WHERE {key} > {self.mark} ORDER BY {key}", (before[table],))
            rows = cur.fetchall()
            marks = ", ".join(f"{self.mark}::jsonb" if js else self.mark for _, js in cols)
            out[table] = (f"INSERT INTO {table} ({', '.join(c for c, _ in cols)}) VALUES ({marks})", rows)
        return out

    def delete(self, before: dict, head: tuple) -> None:
        self.begin()
        for table, key in reversed(TABLES):
            self.execute(f"DELETE FROM {table} WHERE {key} > %s", (before[table],))
        self.execute("UPDATE audit_chainhead SET seq = %s, hash = %s WHERE id = 1", head)
        self.commit()

    def insert(self, rows: dict[str, tuple[str, list[tuple]]], head_after: tuple) -> float:
        """One transaction, one executemany per table, the chain head moved; returns seconds."""
        started = time.perf_counter()
        self.begin()
        cur = self.conn.cursor()
        for table, _ in TABLES:
            sql, data = rows[table]
            if data:
                cur.executemany(sql, data)
        cur.execute(f"UPDATE audit_chainhead SET seq = {self.mark}, hash = {self.mark} WHERE id = 1", head_after)
        self.commit()
        return time.perf_counter() - started

    def close(self) -> None:
        self.conn.close()


# --------------------------------------------------------------------------------------------- one database


def bench_one(db: str, args, records: list[dict]) -> dict:
    home = Path(tempfile.mkdtemp(prefix=f"ecredit-bench-{db}-"))
    server = raw = None
    pg_admin = None
    try:
        if db == "sqlite":
            target = str(home / "bench.sqlite3")
            db_url = f"sqlite:///{target}"
        else:
            import psycopg

            base = args.pg_url.rstrip("/")
            try:
                pg_admin = psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=3)
            except Exception as exc:  # noqa: BLE001 - any failure to connect means: skip
                return {"skipped": f"PostgreSQL not reachable at {args.pg_url}: {str(exc).strip()[:200]}"}
            pg_admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
            pg_admin.execute(f"CREATE DATABASE {BENCH_DB}")
            target = db_url = f"{base}/{BENCH_DB}"
        env = django_env(home, db_url)

        log(f"{db}: migrate")
        run(ecredit_cmd("migrate", "--noinput", "-v", "0"), env)
        log(f"{db}: department, API client, {args.known} registered organisations")
        setup = json.loads(run([sys.executable, "-c", SETUP, str(args.known)], env).strip().splitlines()[-1])

        size = args.batch_size
        bodies = [(len(records[s:s + size]), orjson.dumps({"batch_id": f"bench-{s // size}",
                                                           "records": records[s:s + size]}))
                  for s in range(0, len(records), size)]
        warm = orjson.dumps({"batch_id": "warm-up", "records": [
            {**r, "id": f"WARM-{i}"} for i, r in enumerate(records[:50:2])]})  # known subjects only

        server = start_server(env, home)
        server.wait_ready("/api/v1/health")
        log(f"{db}: gunicorn on 127.0.0.1:{server.port}; warm-up batch of {len(records[:50:2])}")
        post_batches(server.port, setup["token"], [(len(records[:50:2]), warm)])

        raw = Raw(db, target)
        before = raw.marks()
        head_before = raw.one("SELECT seq, hash FROM audit_chainhead WHERE id = 1")
        log(f"{db}: sending {len(records)} records in {len(bodies)} batches of {size}")
        api_seconds, created = post_batches(server.port, setup["token"], bodies)
        server.stop()
        server = None

        head_after = raw.one("SELECT seq, hash FROM audit_chainhead WHERE id = 1")
        rows = raw.read_back(before)
        counts = {t: len(rows[t][1]) for t, _ in TABLES}
        if counts["archive_creditrecord"] != created:
            raise RuntimeError(f"read back {counts['archive_creditrecord']} records, the API created {created}")
        log(f"{db}: floor: deleting and re-inserting {counts}")
        raw.delete(before, head_before)
        raw_seconds = raw.insert(rows, head_after)
        raw.close()
        raw = None

        verified = None
        if not args.no_verify:
            log(f"{db}: ecredit verify-log")
            verified = "intact" in run(ecredit_cmd("verify-log"), env)
        api_per_s, raw_per_s = created / api_seconds, created / raw_seconds
        return {"records": created, "api_per_s": round(api_per_s), "raw_per_s": round(raw_per_s),
                "ratio": round(api_per_s / raw_per_s, 3), "api_seconds": round(api_seconds, 3),
                "raw_seconds": round(raw_seconds, 3), "batches": len(bodies), "batch_size": size,
                "body_mb": round(sum(len(b) for _, b in bodies) / 1e6, 1),
                "known_subjects": args.known, "new_subjects": counts["registry_subject"],
                "raw_rows": counts, "log_verified": verified, "server": SERVER}
    finally:
        if server is not None:
            server.stop()
        if raw is not None:
            raw.close()
        if pg_admin is not None:
            try:
                pg_admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
            finally:
                pg_admin.close()
        shutil.rmtree(home, ignore_errors=True)


def _interrupted(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--known", type=int, default=20_000, help="organisations registered beforehand")
    parser.add_argument("--db", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", PG_DEFAULT),
                        help="server URL without database name (loopback)")
    parser.add_argument("--no-verify", action="store_true", help="skip `ecredit verify-log` afterwards")
    args = parser.parse_args(argv)
    from urllib.parse import urlsplit

    if (urlsplit(args.pg_url).hostname or "127.0.0.1") not in ("127.0.0.1", "localhost", "::1"):
        parser.error("--pg-url must point at a loopback host (127.0.0.1, localhost, ::1)")
    if not 1 <= args.batch_size <= 10_000:
        parser.error("--batch-size must be 1..10000 (the API's limit)")

    # SIGTERM (e.g. a CI timeout) unwinds through the finally blocks like Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupted)
    log(f"building {args.records} records")
    records = make_records(args.records, args.known)
    failed = False
    for db in [d.strip() for d in args.db.split(",") if d.strip()]:
        line = {"bench": "ingest", "db": db}
        try:
            line.update(bench_one(db, args, records))
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # noqa: BLE001 - report and go on with the next database
            failed = True
            line["error"] = f"{type(exc).__name__}: {exc}"[:1000]
        print(json.dumps(line, ensure_ascii=False), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted; server stopped, temp dirs and bench database removed")
        sys.exit(130)
