#!/usr/bin/env python
"""Lists: the candidate scan over a whole city, and one entry's procedure, against baselines in the same run.

    .venv/bin/python bench/lists.py               # the demo city (scale 1: ~5,000 subjects, 20,000 records)
    .venv/bin/python bench/lists.py --scale 3     # a bigger city

What it does, in a temporary ECREDIT_HOME with its own SQLite file:
1. `ecredit migrate` and `ecredit demo --scale S` (not timed; the demo already takes some entries through the
   procedure).
2. Scan: `lists.services.scan()` over every list type when nothing new is to be proposed (`scan_noop_s`, the
   daily cost: every ground is a few aggregate queries), against the baseline `records_groupby_s`: one
   `GROUP BY subject` over every live record (reading the archive once, what any ground needs at least).
3. Procedure: for N proposed entries, notice → decision → publication (which writes the archive record and
   dispatches the measure tasks), each step its own transaction (`procedure_ms` p50/p99 per entry), against
   the baseline `ingest_ms`: writing one credit record through `archive.services.ingest` (one transaction).
   Background work is queued in the database (django-tasks), as in production, not run inline.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def measure(entries: int) -> dict:
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from ecredit.access.models import Organisation
    from ecredit.access.principal import Principal
    from ecredit.archive import services as archive
    from ecredit.lists import flows, services
    from ecredit.lists.models import EntryStatus, ListEntry, MeasureTask
    from ecredit.registry.models import Subject

    services.scan()                                       # catch up with today's grounds first
    noop, baseline = [], []
    for _ in range(5):
        started = time.perf_counter()
        result = services.scan()
        noop.append(time.perf_counter() - started)
        assert not sum(result.proposed.values())
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT subject_id, COUNT(*) FROM archive_creditrecord WHERE status IN "
                           "('active', 'corrected', 'objected') GROUP BY subject_id")
            cursor.fetchall()
        baseline.append(time.perf_counter() - started)

    market = Organisation.objects.get(code="market_regulation")
    officer = Principal.build("bench:market", "department_officer", market)
    pending = list(ListEntry.objects.filter(status=EntryStatus.PROPOSED, department=market).order_by("id")[:entries])
    now = timezone.now()
    procedure = []
    for entry in pending:
        started = time.perf_counter()
        flows.notify(entry.pk, officer, channel="written", reference=f"bench-{entry.pk}",
                     now=now - dt.timedelta(days=30))
        flows.decide(entry.pk, officer, list_subject=True, decision_no=f"bench-{entry.pk}", text="bench",
                     now=now - dt.timedelta(days=10))
        flows.publish(entry.pk, officer, now=now - dt.timedelta(days=9))
        procedure.append((time.perf_counter() - started) * 1000)
    tasks = MeasureTask.objects.filter(entry_id__in=[e.pk for e in pending]).count()

    organisations = list(Subject.objects.filter(kind="organisation").values_list("uscc", "name")[:entries])
    ingest = []
    for n, (uscc, name) in enumerate(organisations):
        item = {"id": f"bench-{n}", "type": "admin_penalty_general", "subject": {"uscc": uscc, "name": name},
                "decided_on": (now.date() - dt.timedelta(days=5)).isoformat(), "summary": "bench",
                "details": {"decision_no": f"bench-{n}", "penalty_kinds": ["fine"], "fine_amount_wan": 1}}
        started = time.perf_counter()
        report = archive.ingest([item], officer)
        ingest.append((time.perf_counter() - started) * 1000)
        assert report.created == 1, report.errors
    subjects = Subject.objects.count()
    return {
        "bench": "lists", "subjects": subjects,
        "records": archive.CreditRecord.objects.count(),
        "scan_noop_s": round(statistics.median(noop), 3),
        "records_groupby_s": round(statistics.median(baseline), 3),
        "scan_ratio": round(statistics.median(noop) / statistics.median(baseline), 1),
        "entries": len(procedure), "tasks_dispatched": tasks,
        "procedure_p50_ms": round(percentile(procedure, 0.5), 1),
        "procedure_p99_ms": round(percentile(procedure, 0.99), 1),
        "ingest_p50_ms": round(percentile(ingest, 0.5), 1),
        "procedure_ratio": round(percentile(procedure, 0.5) / percentile(ingest, 0.5), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.entries)))
        return
    with tempfile.TemporaryDirectory(prefix="ecredit-bench-lists-") as home:
        # Background work (rescoring, entries following records) is queued in the database as in production,
        # not run inline: the figures are the request path's.
        env = {**os.environ, "ECREDIT_HOME": home, "DJANGO_SETTINGS_MODULE": "ecredit.settings"}
        for name in ("ECREDIT_DATABASE_URL", "ECREDIT_TASKS"):
            env.pop(name, None)
        started = time.perf_counter()
        subprocess.run([str(BIN / "ecredit"), "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
        subprocess.run([str(BIN / "ecredit"), "demo", "--scale", str(args.scale)], env=env, check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
        log(f"demo city built in {time.perf_counter() - started:.0f} s")
        out = subprocess.run([sys.executable, __file__, "--child", "--entries", str(args.entries)], env=env,
                             check=True, cwd=ROOT, stdout=subprocess.PIPE, text=True).stdout
        print(out.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
