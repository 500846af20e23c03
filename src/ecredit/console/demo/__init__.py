"""`ecredit demo`: a seeded, deterministic demo Nantong.

The whole city (departments, 5 platforms, ~2,000 organisations, 500 persons, 3,000 shops, 20,000
records of every catalog type, a few objections and repair applications) is first generated in memory
from `random.Random` streams seeded with the seed and a fixed anchor date (`world.ANCHOR`), then
written through the domain services in one transaction. Two runs with the same seed and scale on empty
databases give the same names, codes, record ids and contents; timestamps, ciphertexts and deadlines
that count from today differ.

Modules: `words` (word lists), `identities` (valid USCCs, resident IDs, names), `world` (subjects),
`details` and `schema_fill` (record details per type), `records` (which records), `writer` (the database).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from ecredit import policy
from ecredit.archive.services import sync_record_types
from ecredit.audit.services import Actor
from ecredit.evaluation.batch import rescore_all
from ecredit.archive.signals import batch_follows
from ecredit.marketplace import demo as trades

from . import commitments as commitment_side
from . import compensation as compensation_side
from . import findings as findings_side
from . import logistics as logistics_side
from . import trace as trace_side
from . import complaints as complaint_side
from . import lists as list_side
from . import safe_consumption as safe_consumption_side
from . import portal as portal_side
from . import records as record_plan
from . import supervision as supervision_side
from . import writer
from .world import ANCHOR, DEFAULT_SEED, FULL_COUNTS, build_world

__all__ = ["ANCHOR", "DEFAULT_SEED", "FULL_COUNTS", "Summary", "build"]


@dataclass
class Summary:
    """What a demo build made, for the command's report."""

    seed: int
    scale: float
    organisations: int = 0          # access.Organisation rows
    subjects: dict[str, int] = field(default_factory=dict)
    unverified_shops: int = 0
    stale_shops: int = 0
    records: int = 0
    record_types: int = 0
    objections: int = 0
    repairs: int = 0
    users: int = 0
    api_clients: int = 0
    notices: int = 0
    progress_reports: int = 0       # progress on the plan's tasks (R18.2)
    interviews: int = 0             # regulators' interviews of platforms (R11.3)
    scores: int = 0
    list_entries: dict = field(default_factory=dict)  # list entries by procedure status
    trades: dict = field(default_factory=dict)
    complaints: int = 0
    commitments: int = 0
    compensation_claims: int = 0
    safe_consumption: int = 0
    parcels: int = 0                # waybills with their tracking scans
    trace_events: int = 0           # EPCIS events captured
    findings: dict = field(default_factory=dict)  # detection findings by status
    seconds: float = 0.0


def build(seed: int = DEFAULT_SEED, scale: float = 1.0, say: Callable[[str], None] | None = None) -> Summary:
    """Generate the demo city and write it; the database is expected to be empty (migrated, no subjects)."""
    from ecredit.console import demo_accounts

    say = say or (lambda message: None)
    started = time.perf_counter()
    pol = policy.current()
    world = build_world(pol, seed, scale)
    plan = record_plan.generate(pol, world)
    say(f"generated in memory: {time.perf_counter() - started:.1f} s")
    summary = Summary(seed, scale, users=len(demo_accounts.USERS), api_clients=len(demo_accounts.TOKENS))
    with transaction.atomic(), batch_follows():
        sync_record_types()                       # the catalog may have changed since migrate
        orgs = writer.organisations(pol, world)
        summary.organisations = len(orgs)
        writer.register_named(world)
        writer.accounts(orgs)
        writer.register_bulk(world.orgs, Actor("system:demo", "market_regulation"))
        writer.register_bulk(world.persons, Actor("system:demo", "public_security"))
        say(f"subjects registered: {time.perf_counter() - started:.1f} s")
        summary.unverified_shops, summary.stale_shops = writer.shops(world, orgs)
        say(f"shops reported: {time.perf_counter() - started:.1f} s")
        summary.records = writer.records(plan, orgs, say)
        summary.record_types = len({r.item["type"] for rs in plan.values() for r in rs})
        say(f"records submitted: {time.perf_counter() - started:.1f} s")
        summary.objections, summary.repairs = writer.procedures(orgs, seed, say)
        portal_made = portal_side.write(orgs)
        summary.users += portal_made["accounts"]
        summary.notices = portal_made["notices"]
        summary.progress_reports = supervision_side.progress(orgs)
        summary.interviews = supervision_side.platform_interviews(orgs)
        summary.trades = trades.build(seed, scale, say)
        findings_side.plant(orgs)     # fake-order rings and fake reviews hidden among the trades
        summary.complaints = complaint_side.build(orgs)
        summary.commitments = commitment_side.build(orgs)
        summary.compensation_claims = compensation_side.build(orgs)
        summary.parcels = logistics_side.build(orgs)       # waybills of the demo orders, and their scans
        summary.trace_events = trace_side.build(orgs)
        summary.findings = findings_side.build(orgs)       # detectors over orders, reviews and parcels
        say(f"complaints, commitments, compensation: {time.perf_counter() - started:.1f} s")
        say(f"portal notices and subject accounts: {time.perf_counter() - started:.1f} s")
    result = rescore_all()      # one vectorised pass instead of a task per subject written
    summary.scores = result.subjects
    say(f"scored: {time.perf_counter() - started:.1f} s")
    with transaction.atomic(), batch_follows():
        summary.list_entries = list_side.build()   # grades are list grounds: after scoring
        summary.safe_consumption = safe_consumption_side.build(orgs)   # its criteria read grades and lists
    rescore_all()               # the published list records count in the grades
    say(f"lists: {time.perf_counter() - started:.1f} s")
    summary.subjects = {"organisation": len(world.orgs) + len(world.platforms) + 2,   # + agency, logistics
                        "person": len(world.persons), "shop": len(world.shops)}
    summary.seconds = time.perf_counter() - started
    return summary
