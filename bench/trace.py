#!/usr/bin/env python
"""Traceability: EPCIS capture throughput against the reference validator, and trace-chain latency at scale.

    .venv/bin/python bench/trace.py                       # 4,000 events captured, 1,000,000 stored for chains
    .venv/bin/python bench/trace.py --events 2000 --stored 200000 --chains 300

Runs in a throwaway ECREDIT_HOME with its own SQLite file (`ecredit migrate`), in a child process.
1. Capture (`capture_per_s`, events/s): `--events` events in documents of 200 (a seeded mix of what a supply
   chain sends: commissioning with lot master data, packing into cases, shipping and receiving with purchase
   orders and sources/destinations, transformations with quantities, sensor readings), each document as JSON-LD
   bytes through `capture.parse` + `capture.capture`: parse, validate against GS1's schema with format checking,
   check CBV terms, hash, store (event rows, identifier rows, business transactions, the change-log entry and
   its signature). Best of `--rounds` rounds, each into an empty store.
2. Reference, same run, same documents (`reference_validate_per_s`): the `jsonschema` package's
   Draft7Validator with its FORMAT_CHECKER (rfc3987 for `uri`, rfc3339-validator for `date-time`) validating
   the already parsed documents, storing nothing. `ratio` = capture_per_s / reference_validate_per_s.
3. Chains (`chain_p99_ms`): `--stored` events bulk-loaded (raw SQL) as supply-chain stories of 20 events per
   lot (a transformation making 8 serialised items of a lot from a raw-material lot, cases, pallets shared by
   four lots, shipping, receiving, unpacking, retail sale of each item). Rows as capture writes them: the items'
   lot (their transformation's ILMD lotNumber) on its output rows only, its transformationID in its column. Then `--chains` chain queries, half for
   a GTIN + lot, half for one serialised item, through `chain.build` (what the public trace page and the API
   run: containers within their packing windows, transformations, parties, the public view): p50/p99 in ms.
   Beside it (`store_walk_*`), the bare identifier walk `store.item_epcs` + `store.chain` of the same items.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
           {"ecredit": "https://voc.ecredit.example/ext/"}]


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def _gtin(n: int) -> str:
    from ecredit.trace.epcis.identifiers import check_digit

    body = f"06901{n % 10000000:07d}0"[:13]
    return body + check_digit(body)


def _time(rng: random.Random, day: int) -> str:
    return f"2025-{1 + day // 28 % 12:02d}-{1 + day % 28:02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:" \
           f"{rng.randint(0, 59):02d}.{rng.randint(0, 999):03d}+08:00"


def make_events(count: int, seed: int = 8) -> list[dict]:
    """A seeded mix of realistic events (see the module's docstring)."""
    rng = random.Random(seed)
    events = []
    n = 0
    while len(events) < count:
        n += 1
        company, item = f"69{rng.randint(10000, 99999)}", f"0{rng.randint(10000, 99999)}"
        serials = [f"urn:epc:id:sgtin:{company}.{item}.{n}{k:03d}" for k in range(rng.randint(4, 12))]
        lot = f"L{n:06d}"
        day = rng.randint(0, 300)
        gln = f"urn:epc:id:sgln:{company}.{rng.randint(10000, 99999)}.0"
        sscc = f"urn:epc:id:sscc:{company}.{rng.randint(1000000000, 9999999999)}"
        base = {"eventTimeZoneOffset": "+08:00", "readPoint": {"id": gln}, "bizLocation": {"id": gln}}
        events.append({"type": "ObjectEvent", "eventTime": _time(rng, day), **base, "action": "ADD",
                       "bizStep": "commissioning", "disposition": "active", "epcList": serials,
                       "ilmd": {"cbvmda:lotNumber": lot, "cbvmda:bestBeforeDate": "2026-12-31"}})
        events.append({"type": "AggregationEvent", "eventTime": _time(rng, day), **base, "action": "ADD",
                       "bizStep": "packing", "disposition": "in_progress", "parentID": sscc, "childEPCs": serials})
        events.append({"type": "ObjectEvent", "eventTime": _time(rng, day + 1), **base, "action": "OBSERVE",
                       "bizStep": "shipping", "disposition": "in_transit", "epcList": [sscc],
                       "bizTransactionList": [{"type": "po", "bizTransaction": f"urn:ecredit:po:{company}:{n}"},
                                              {"type": "desadv", "bizTransaction": f"urn:ecredit:desadv:{n}"}],
                       "sourceList": [{"type": "owning_party", "source": f"urn:epc:id:pgln:{company}.00001"}],
                       "destinationList": [{"type": "owning_party", "destination": "urn:epc:id:pgln:6939999.00001"}]})
        events.append({"type": "ObjectEvent", "eventTime": _time(rng, day + 2), "eventTimeZoneOffset": "+08:00",
                       "action": "OBSERVE", "bizStep": "receiving", "disposition": "in_progress", "epcList": [sscc],
                       "readPoint": {"id": "urn:epc:id:sgln:6939999.00001.7"},
                       "bizLocation": {"id": "urn:epc:id:sgln:6939999.00001.0"}})
        events.append({"type": "TransformationEvent", "eventTime": _time(rng, day), **base,
                       "bizStep": "commissioning", "disposition": "active",
                       "transformationID": f"urn:ecredit:transformation:{company}:{n}",
                       "inputQuantityList": [{"epcClass": f"urn:epc:class:lgtin:{company}.{item}.R{n}",
                                              "quantity": round(rng.uniform(10, 500), 1), "uom": "KGM"}],
                       "outputEPCList": serials[:2]})
        if n % 3 == 0:
            events.append({"type": "ObjectEvent", "eventTime": _time(rng, day + 1), **base, "action": "OBSERVE",
                           "bizStep": "sensor_reporting", "epcList": [sscc],
                           "sensorElementList": [{"sensorMetadata": {"time": _time(rng, day + 1)},
                                                  "sensorReport": [{"type": "Temperature", "value": 4.5,
                                                                    "uom": "CEL"}]}]})
    return events[:count]


def documents(events: list[dict], size: int) -> list[dict]:
    return [{"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0",
             "creationDate": "2025-09-01T00:00:00.000Z", "epcisBody": {"eventList": events[i:i + size]}}
            for i in range(0, len(events), size)]


def capture_figures(count: int, rounds: int) -> dict:
    import jsonschema
    import orjson
    from django.db import connection

    from ecredit.access.models import Organisation
    from ecredit.access.principal import Principal
    from ecredit.trace.epcis import capture, validation
    from ecredit.trace.models import CaptureJob, Event

    org = Organisation.objects.create(code="bench_platform", name="bench", kind="platform")
    principal = Principal.build("bench:platform", "platform_client", org)
    docs = documents(make_events(count), 200)
    bodies = [orjson.dumps(d) for d in docs]
    total = sum(len(d["epcisBody"]["eventList"]) for d in docs)
    reference = jsonschema.Draft7Validator(validation.schema(),
                                           format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    parsed = [orjson.loads(b) for b in bodies]
    validation.is_valid(docs[0])  # warm up: schema compilation, context loading (once per process)
    # Rounds alternate between the two, so a load on the machine weighs on both alike; best of each.
    best = ref_best = float("inf")
    for _ in range(rounds):
        with connection.cursor() as cursor:
            for table in ("trace_eventepc", "trace_eventbiztransaction", "trace_eventsourcedest", "trace_event",
                          "trace_capturejob"):
                cursor.execute(f"DELETE FROM {table}")
        started = time.perf_counter()
        for body in bodies:
            outcome = capture.capture(capture.parse(body, "application/ld+json"), principal)
            assert outcome.job.status == "succeeded", outcome.job.errors[:2]
        best = min(best, time.perf_counter() - started)
        started = time.perf_counter()
        for document in parsed:
            assert reference.is_valid(document)
        ref_best = min(ref_best, time.perf_counter() - started)
    stored = Event.objects.count()
    capture_per_s, reference_per_s = total / best, total / ref_best
    return {"capture_events": total, "capture_documents": len(docs), "capture_stored": stored,
            "capture_jobs": CaptureJob.objects.count(), "capture_per_s": round(capture_per_s, 1),
            "reference_validate_per_s": round(reference_per_s, 1), "ratio": round(capture_per_s / reference_per_s, 2)}


def bulk_load(stored: int, seed: int = 9) -> list[tuple[str, str, str]]:
    """`stored` events as lot stories, straight into the tables. Returns (gtin, lot, serial) samples."""
    import datetime as dt

    from django.db import connection, transaction
    from django.utils import timezone

    from ecredit.access.models import Organisation
    from ecredit.trace.epcis.identifiers import digital_link
    from ecredit.trace.models import CaptureJob

    rng = random.Random(seed)
    org = Organisation.objects.get(code="bench_platform")
    job = CaptureJob.objects.create(organisation=org, received_at=timezone.now(), status="succeeded",
                                    media_type="application/ld+json")
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM trace_event")
        next_id = cursor.fetchone()[0] + 1
    event_sql = ("INSERT INTO trace_event (id, event_hash, event_id, event_type, action, event_time, "
                 "event_timezone_offset, record_time, biz_step, disposition, read_point, biz_location, "
                 "organisation_id, capture_job_id, document, error_declared_at, transformation_id) VALUES "
                 "(%s, %s, %s, %s, %s, %s, '+08:00', %s, %s, %s, %s, %s, %s, %s, %s, NULL, %s)")
    epc_sql = ("INSERT INTO trace_eventepc (event_id, epc, role, gtin, lot, serial, quantity, uom) VALUES "
               "(%s, %s, %s, %s, %s, %s, %s, %s)")
    cbv = "https://ref.gs1.org/cbv/"
    start = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    samples = []
    events, epcs = [], []
    pallet_children: list[str] = []
    pallet_n = 0
    lots = stored // 20
    now = connection.ops.adapt_datetimefield_value(timezone.now())

    def add(kind, action, step, disposition, minutes, rows, place="https://id.gs1.org/414/6901234000016",
            extra=None):
        nonlocal next_id
        event_id = next_id
        next_id += 1
        when = connection.ops.adapt_datetimefield_value(start + dt.timedelta(minutes=minutes))
        document = json.dumps({"type": kind, "action": action, "bizStep": step, "eventTime": str(when),
                               **(extra or {})})
        events.append((event_id, f"ni:///sha-256;{event_id:064x}?ver=CBV2.0", f"urn:bench:{event_id}", kind, action,
                       when, now, cbv + "BizStep-" + step, cbv + "Disp-" + disposition if disposition else "",
                       place, place, org.pk, job.pk, document, (extra or {}).get("transformationID", "")))
        for row in rows:
            epcs.append((event_id, *row))

    def flush():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(event_sql, events)
            cursor.executemany(epc_sql, epcs)
        events.clear()
        epcs.clear()

    # Indexes are dropped for the load and built again after it (much faster than growing them row by row).
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND "
                       "tbl_name IN ('trace_event', 'trace_eventepc')")
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    for n in range(lots):
        gtin = _gtin(n)
        lot = f"L{n:07d}"
        minutes = n * 7
        items = [(digital_link(gtin, serial=f"{n}-{k}"), gtin, lot, f"{n}-{k}") for k in range(8)]
        case = f"https://id.gs1.org/00/{n:018d}"
        raw = digital_link(_gtin(n + 500000), lot=f"R{n}")
        # As capture stores it: the SGTIN items' lot (from the transformation's ILMD) on its output rows only,
        # the transformationID in its column.
        add("TransformationEvent", "", "commissioning", "active", minutes,
            [(raw, "input_quantity", _gtin(n + 500000), f"R{n}", "", 500.0, "KGM")]
            + [(e, "output", g, lt, s, None, "") for e, g, lt, s in items],
            extra={"transformationID": f"urn:bench:transformation:{n}", "ilmd": {"cbvmda:lotNumber": lot}})
        add("AggregationEvent", "ADD", "packing", "in_progress", minutes + 10,
            [(case, "parent", "", "", "", None, "")] + [(e, "child", g, "", s, None, "") for e, g, lt, s in items])
        for k, step in enumerate(("shipping", "receiving")):
            add("ObjectEvent", "OBSERVE", step, "in_transit", minutes + 60 + k * 60,
                [(case, "epc", "", "", "", None, "")])
        pallet_children.append(case)
        if len(pallet_children) == 4 or n == lots - 1:
            pallet_n += 1
            pallet = f"https://id.gs1.org/00/9{pallet_n:017d}"
            add("AggregationEvent", "ADD", "packing", "in_progress", minutes + 200,
                [(pallet, "parent", "", "", "", None, "")] + [(c, "child", "", "", "", None, "")
                                                             for c in pallet_children])
            for k, step in enumerate(("shipping", "receiving")):
                add("ObjectEvent", "OBSERVE", step, "in_transit", minutes + 300 + k * 300,
                    [(pallet, "epc", "", "", "", None, "")])
            add("AggregationEvent", "DELETE", "unpacking", "in_progress", minutes + 1000,
                [(pallet, "parent", "", "", "", None, "")] + [(c, "child", "", "", "", None, "")
                                                             for c in pallet_children])
            pallet_children = []
        for k, step in enumerate(("shipping", "receiving")):
            add("ObjectEvent", "OBSERVE", step, "in_transit", minutes + 1200 + k * 60,
                [(case, "epc", "", "", "", None, "")])
        add("AggregationEvent", "DELETE", "unpacking", "in_progress", minutes + 1400,
            [(case, "parent", "", "", "", None, "")] + [(e, "child", g, "", s, None, "") for e, g, lt, s in items])
        fill = 20 - 7 - (4 if pallet_n and not pallet_children else 0)
        for k in range(max(fill, 0)):
            e, g, lt, s = items[k % 8]
            add("ObjectEvent", "OBSERVE", "retail_selling", "retail_sold", minutes + 2000 + k,
                [(e, "epc", g, "", s, None, "")])
        if rng.random() < 0.01:
            samples.append((gtin, lot, items[rng.randrange(8)][3]))
        if len(events) >= 20000:
            flush()
    flush()
    with connection.cursor() as cursor:
        for _, sql in indexes:
            cursor.execute(sql)
        cursor.execute("ANALYZE")
    return samples


def _percentile(timings: list[float], share: float) -> float:
    ordered = sorted(timings)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * share))], 2)


def chain_figures(stored: int, chains: int) -> dict:
    from ecredit.trace import chain
    from ecredit.trace.epcis import store
    from ecredit.trace.models import Event, EventEpc

    started = time.perf_counter()
    samples = bulk_load(stored)
    load_s = time.perf_counter() - started
    rng = random.Random(10)
    picks = [rng.choice(samples) for _ in range(chains)]
    timings, store_timings, sizes = [], [], []
    for i, (gtin, lot, serial) in enumerate(picks):
        # What the trace page and /api/v1/trace/chain run (chain.build, the public view) is the figure...
        started = time.perf_counter()
        found = chain.build(gtin, serial=serial) if i % 2 else chain.build(gtin, lot=lot)
        timings.append((time.perf_counter() - started) * 1000)
        sizes.append(len(found.steps))
        # ...the bare identifier walk of epcis/store.py (no containers' time windows, no parties) beside it.
        started = time.perf_counter()
        store.chain(store.item_epcs(gtin, serial=serial) if i % 2 else store.item_epcs(gtin, lot=lot))
        store_timings.append((time.perf_counter() - started) * 1000)
    return {"chain_stored_events": Event.objects.count(), "chain_identifier_rows": EventEpc.objects.count(),
            "chain_load_s": round(load_s, 1), "chain_queries": chains,
            "chain_events_mean": round(sum(sizes) / len(sizes), 1),
            "chain_p50_ms": _percentile(timings, 0.5), "chain_p99_ms": _percentile(timings, 0.99),
            "store_walk_p50_ms": _percentile(store_timings, 0.5),
            "store_walk_p99_ms": _percentile(store_timings, 0.99)}


def child(events: int, stored: int, chains: int, rounds: int) -> dict:
    import django

    django.setup()
    figures = capture_figures(events, rounds)
    log(f"capture: {figures}")
    figures.update(chain_figures(stored, chains))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=4000, help="events captured (and validated by the reference)")
    parser.add_argument("--stored", type=int, default=1_000_000, help="events stored for the chain queries")
    parser.add_argument("--chains", type=int, default=1000, help="chain queries timed")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.events, args.stored, args.chains, args.rounds)), flush=True)
        return
    import os
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="ecredit-bench-trace-") as home:
        env = {**os.environ, "ECREDIT_HOME": home, "DJANGO_SETTINGS_MODULE": "ecredit.settings"}
        for name in ("ECREDIT_DATABASE_URL", "ECREDIT_TASKS"):
            env.pop(name, None)
        bin_dir = Path(sys.executable).parent
        subprocess.run([str(bin_dir / "ecredit"), "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
        out = subprocess.run([sys.executable, __file__, "--child", "--events", str(args.events), "--stored",
                              str(args.stored), "--chains", str(args.chains), "--rounds", str(args.rounds)],
                             env=env, check=True, cwd=ROOT, stdout=subprocess.PIPE, text=True).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    print(json.dumps({"bench": "trace", **figures}), flush=True)


if __name__ == "__main__":
    main()
