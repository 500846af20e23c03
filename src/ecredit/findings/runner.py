"""Running the detectors: each reads its window of data once (exporters), runs (detectors) and reports its
figures and timing. Reads only: what the runs find is written by `services.run_detection`."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from ecredit import policy
from ecredit.detection.names import normalise_name

from . import detectors, exporters
from .models import FindingKind, ReviewModel

DETECTORS = tuple(FindingKind.values)


@dataclass
class Collected:
    """What one pass of the detectors found, and per detector its figures (rows read, findings, seconds)."""

    candidates: list[detectors.Candidate] = field(default_factory=list)
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)
    windows: dict[str, tuple[dt.date, dt.date]] = field(default_factory=dict)
    engine: str = "numpy"


def ring_engine(rules) -> str:
    """numpy unless the deployment (settings.FINDINGS_ENGINE) or findings.yaml asks for spark."""
    return (getattr(settings, "FINDINGS_ENGINE", "") or rules.engine or "numpy").strip().lower()


def window_of(rules, kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The data window of detector `kind` ending on `day` (both ends included)."""
    period = getattr(rules.on("windows", day), kind)
    return period.before(day) + dt.timedelta(days=1), day


def collect(detectors_: list[str], day: dt.date, *, parcel_tables: exporters.ParcelTables | None = None
            ) -> Collected:
    """Run the named detectors over the windows ending on `day`."""
    current = policy.current()
    rules = current.findings
    out = Collected()
    read = _Exports()
    for kind in detectors_:
        started = time.perf_counter()
        since, until = window_of(rules, kind, day) if kind != "borrowed_name" else (day, day)
        out.windows[kind] = (since, until)
        found, figures = _run(kind, since, until, day, rules, current, out, parcel_tables, read)
        figures["seconds"] = round(time.perf_counter() - started, 3)
        figures["window"] = [since.isoformat(), until.isoformat()]
        out.figures[kind] = figures
        out.candidates.extend(found)
    return out


class _Exports:
    """The exports of one pass, each read once: rings and payment channels read the same orders when their
    windows agree, and names, licences and channels the same registry."""

    def __init__(self) -> None:
        self._orders: dict[tuple, exporters.Orders] = {}
        self._names: exporters.Names | None = None

    def orders(self, since: dt.date, until: dt.date, statuses) -> exporters.Orders:
        key = (since, until, tuple(statuses))
        if key not in self._orders:
            self._orders[key] = exporters.orders(since, until, statuses)
        return self._orders[key]

    def names(self) -> exporters.Names:
        if self._names is None:
            self._names = exporters.names()
        return self._names


def _run(kind: str, since: dt.date, until: dt.date, day: dt.date, rules, current, out: Collected,
         parcel_tables, read: _Exports) -> tuple[list, dict]:
    if kind == "order_ring":
        rule = rules.on("rings", day)
        out.engine = ring_engine(rule)
        cols = read.orders(since, until, rule.statuses)
        return detectors.rings(cols, rule, out.engine)
    if kind == "review_accounts":
        rule = rules.on("reviews", day)
        model = ReviewModel.objects.filter(active=True).order_by("-trained_at", "-id").first()
        return detectors.reviews(exporters.ratings(since, until), rule, model)
    if kind == "empty_parcel":
        rule = rules.on("parcels", day)
        provider = parcel_tables or exporters.parcel_tables()
        if provider is None:
            return [], {"skipped": "logistics detection_tables not available"}
        tables = provider(since, until)
        porders = exporters.parcel_orders(tables[0].get("order_id", []))
        return detectors.parcels(tables, porders, rule)
    if kind == "borrowed_name":
        return detectors.names(read.names(), rules.on("names", day))
    if kind == "missing_licence":
        rule = rules.on("licences", day)
        statuses = rules.on("rings", day).statuses
        cats = exporters.categories(since, until, statuses, sample=1000, only=list(rule.categories))
        shops = read.names()
        operators = {int(s): int(o) for s, o in zip(shops.shop.tolist(), shops.shop_operator.tolist()) if o >= 0}
        holders = set(cats.shop.tolist()) | {operators[s] for s in cats.shop.tolist() if s in operators}
        rows = exporters.licences(rule.record_types, holders)
        names = {code: c.name.zh for code, c in policy.in_force(current.marketplace.categories, day).codes.items()}
        return detectors.licences(cats, rows, operators, rule, day, names)
    if kind == "unlicensed_channel":
        rule = rules.on("payments", day)
        cols = read.orders(since, until, rules.on("rings", day).statuses)
        shops = read.names()
        operators_by_name = {normalise_name(n): int(o) for o, n in zip(shops.org.tolist(), shops.org_name)}
        return detectors.channels(cols, exporters.payment_licences(rule.record_types), rule, day,
                                  operators_by_name)
    raise ValueError(f"unknown detector {kind!r}")
