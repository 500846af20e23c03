"""Storing EPCIS events (one row per canonical event hash, side tables for what queries filter on) and the
reads the trace chains are built from.

For TRACE-CHAINS (and anyone reading events by identifier):
- `canonical_epc(uri)`: the form every identifier is stored in (constrained canonical GS1 Digital Link for
  GS1 keys: `https://id.gs1.org/01/<gtin14>/21/<serial>`, `.../10/<lot>` for a lot, `/00/<sscc>` for a
  logistic unit; any other URI as given). Query with it, never with the raw URN.
- `events_for_epcs(epcs)`: the events naming any of the identifiers, in any role, ordered by event time.
- `item_epcs(gtin, lot="", serial="")`: the identifiers that denote one lot (the LGTIN and every SGTIN of
  that lot) or one serialised item.
- `chain(epcs)`: everything that happened to those identifiers and to what they were packed into, made
  from or made into: follows aggregation parents (the pallet the item travelled in, and that pallet's
  own moves), transformation inputs upstream (where it came from) and outputs downstream (what it became),
  never sideways (no siblings of a parent, no other outputs of an input). Returns a `Chain` with the events
  in time order and, per event, the roles the followed identifiers play in it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection

from ecredit.trace.models import Event, EventEpc

from . import hashing, identifiers, vocab

# Event list name -> role in EventEpc.
EPC_ROLES = (("epcList", "epc"), ("childEPCs", "child"), ("inputEPCList", "input"), ("outputEPCList", "output"))
QUANTITY_ROLES = (("quantityList", "quantity"), ("childQuantityList", "child_quantity"),
                  ("inputQuantityList", "input_quantity"), ("outputQuantityList", "output_quantity"))
_CHUNK = 500  # identifiers per IN (...) query: well under every database's parameter limit
CBV_MDA = "urn:epcglobal:cbv:mda:"  # CBV master data attributes (the standard context's `cbvmda:` prefix)
# Roles whose identifiers an event's ILMD describes: an ObjectEvent's epcList (action ADD) and a
# TransformationEvent's outputs (EPCIS 2.0 7.3.6).
_ILMD_ROLES = {"ObjectEvent": ("epc",), "TransformationEvent": ("output",)}


def canonical_epc(uri: str) -> str:
    """The stored form of an identifier (see the module's docstring)."""
    return identifiers.canonical(uri.strip())


@dataclass
class EventRows:
    """One event ready to store: the Event row's columns and its side rows (without the event's id)."""

    columns: dict
    epcs: list[tuple] = field(default_factory=list)         # (epc, role, gtin, lot, serial, quantity, uom)
    transactions: list[tuple] = field(default_factory=list)  # (type, value)
    places: list[tuple] = field(default_factory=list)        # (kind, type, value)


def _epc_row(uri: str, role: str, quantity=None, uom: str = "") -> tuple:
    key = identifiers.parse(uri.strip())
    if key is None:
        return (uri.strip()[:300], role, "", "", "", quantity, uom)
    return (key.canonical[:300], role, key.gtin, key.lot[:40], key.serial[:40], quantity, uom)


def ilmd_lot(event: dict, prefixes: dict[str, str]) -> str:
    """The lot number an event's ILMD gives (`cbvmda:lotNumber`; XML documents are converted to this form), or
    "". A key under another prefix is taken when the document maps that prefix to the CBV master data namespace."""
    ilmd = event.get("ilmd")
    if not isinstance(ilmd, dict):
        return ""
    for key, value in ilmd.items():
        prefix, _, name = key.rpartition(":")
        if name != "lotNumber" or not isinstance(value, (str, int)) or isinstance(value, bool):
            continue
        namespace = CBV_MDA if not prefix else prefixes.get(prefix, CBV_MDA if prefix == "cbvmda" else prefix)
        if namespace.rstrip(":") == CBV_MDA[:-1]:  # XML documents declare the namespace without its colon
            return str(value).strip()[:40]
    return ""


def rows_for(event: dict, prefixes: dict[str, str], event_hash: str, record_time: dt.datetime) -> EventRows:
    """The rows one validated event becomes. Items identified by SGTIN carry no lot in their identifier: the lot
    their commissioning event's ILMD names is stored on those rows, so a lot's items are found by index."""
    time = hashing.parse_time(event["eventTime"])
    declaration = event.get("errorDeclaration") or {}
    rows = EventRows(columns={
        "event_hash": event_hash,
        "event_id": str(event.get("eventID") or event_hash)[:300],
        "event_type": event.get("type", ""),
        "action": event.get("action", ""),
        "event_time": time,
        "event_timezone_offset": str(event.get("eventTimeZoneOffset", ""))[:6],
        "record_time": record_time,
        "biz_step": vocab.full_uri("bizStep", event["bizStep"])[:300] if event.get("bizStep") else "",
        "disposition": vocab.full_uri("disposition", event["disposition"])[:300] if event.get("disposition") else "",
        "read_point": canonical_epc(event["readPoint"]["id"])[:300] if event.get("readPoint") else "",
        "biz_location": canonical_epc(event["bizLocation"]["id"])[:300] if event.get("bizLocation") else "",
        "error_declared_at": hashing.parse_time(declaration["declarationTime"])
        if declaration.get("declarationTime") else None,
        "transformation_id": str(event.get("transformationID") or "").strip()[:300],
    })
    if event.get("parentID"):
        rows.epcs.append(_epc_row(event["parentID"], "parent"))
    for name, role in EPC_ROLES:
        for uri in event.get(name) or ():
            rows.epcs.append(_epc_row(uri, role))
    for name, role in QUANTITY_ROLES:
        for element in event.get(name) or ():
            quantity = element.get("quantity")
            rows.epcs.append(_epc_row(element["epcClass"], role, float(quantity) if quantity is not None else None,
                                      str(element.get("uom", ""))[:8]))
    lot = ilmd_lot(event, prefixes) if event.get("ilmd") else ""
    described = _ILMD_ROLES.get(event.get("type"), ()) if event.get("action", "ADD") == "ADD" else ()
    if lot and described:
        rows.epcs = [(epc, role, gtin, lot, serial, quantity, uom)
                     if role in described and gtin and serial and not row_lot else
                     (epc, role, gtin, row_lot, serial, quantity, uom)
                     for epc, role, gtin, row_lot, serial, quantity, uom in rows.epcs]
    for item in event.get("bizTransactionList") or ():
        kind = vocab.full_uri("bizTransactionType", item["type"]) if item.get("type") else ""
        rows.transactions.append((kind[:300], str(item["bizTransaction"]).strip()[:300]))
    for name, kind in (("sourceList", "source"), ("destinationList", "destination")):
        for item in event.get(name) or ():
            rows.places.append((kind, vocab.full_uri("sourceDestType", item["type"])[:300],
                                str(item[kind]).strip()[:300]))
    return rows


def existing_hashes(hashes) -> set[str]:
    """Which of these event hashes are already stored."""
    hashes = list(hashes)
    found: set[str] = set()
    for start in range(0, len(hashes), _CHUNK):
        found.update(Event.objects.filter(event_hash__in=hashes[start:start + _CHUNK])
                     .values_list("event_hash", flat=True))
    return found


def _reserve_ids(cursor, count: int) -> list[int]:
    """`count` new ids of trace_event. Capture writes hold the change log's lock (and SQLite's write lock), so
    on SQLite the next ids after the largest are free; on PostgreSQL they come from the column's sequence."""
    if connection.vendor == "postgresql":
        cursor.execute("SELECT nextval(pg_get_serial_sequence('trace_event', 'id')) FROM generate_series(1, %s)",
                       [count])
        return [row[0] for row in cursor.fetchall()]
    cursor.execute("SELECT COALESCE(MAX(id), 0) FROM trace_event")
    first = cursor.fetchone()[0] + 1
    return list(range(first, first + count))


_EVENT_COLUMNS = ("event_hash", "event_id", "event_type", "action", "event_time", "event_timezone_offset",
                  "record_time", "biz_step", "disposition", "read_point", "biz_location", "error_declared_at",
                  "transformation_id")
_INSERT_EVENT = ("INSERT INTO trace_event (id, organisation_id, capture_job_id, document, "
                 + ", ".join(_EVENT_COLUMNS) + ") VALUES (" + ", ".join(["%s"] * (4 + len(_EVENT_COLUMNS))) + ")")
_INSERT_EPC = ("INSERT INTO trace_eventepc (event_id, epc, role, gtin, lot, serial, quantity, uom) "
               "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)")
_INSERT_TRANSACTION = "INSERT INTO trace_eventbiztransaction (event_id, type, value) VALUES (%s, %s, %s)"
_INSERT_PLACE = "INSERT INTO trace_eventsourcedest (event_id, kind, type, value) VALUES (%s, %s, %s, %s)"


def insert(prepared: list[tuple[EventRows, dict]], organisation_id: int, capture_job_id: int) -> list[int]:
    """Write new events and their side rows (the caller holds the transaction and the change log's lock, and
    has removed duplicates). Plain INSERTs: the ORM's per-value preparation was half of a capture's time."""
    if not prepared:
        return []
    adapt = connection.ops.adapt_datetimefield_value
    document_field = Event._meta.get_field("document")
    with connection.cursor() as cursor:
        ids = _reserve_ids(cursor, len(prepared))
        event_rows, epc_rows, transaction_rows, place_rows = [], [], [], []
        for event_id, (rows, document) in zip(ids, prepared):
            columns = rows.columns
            values = [columns[name] for name in _EVENT_COLUMNS]
            for i in (4, 6, 11):  # event_time, record_time, error_declared_at
                values[i] = adapt(values[i]) if values[i] is not None else None
            event_rows.append((event_id, organisation_id, capture_job_id,
                               document_field.get_db_prep_save(document, connection), *values))
            epc_rows.extend((event_id, *row) for row in rows.epcs)
            transaction_rows.extend((event_id, *row) for row in rows.transactions)
            place_rows.extend((event_id, *row) for row in rows.places)
        cursor.executemany(_INSERT_EVENT, event_rows)
        for sql, rows_ in ((_INSERT_EPC, epc_rows), (_INSERT_TRANSACTION, transaction_rows),
                           (_INSERT_PLACE, place_rows)):
            if rows_:
                cursor.executemany(sql, rows_)
    return ids


# Reads for the trace chains ----------------------------------------------------------------------------------
def _epc_rows(epcs, roles=None):
    epcs = list(epcs)
    out = []
    for start in range(0, len(epcs), _CHUNK):
        query = EventEpc.objects.filter(epc__in=epcs[start:start + _CHUNK])
        if roles:
            query = query.filter(role__in=roles)
        out.extend(query.values_list("event_id", "epc", "role"))
    return out


def _events(ids, queryset=None) -> list[Event]:
    ids = list(ids)
    base = queryset if queryset is not None else Event.objects.all()
    out: list[Event] = []
    for start in range(0, len(ids), _CHUNK):
        out.extend(base.filter(pk__in=ids[start:start + _CHUNK]))
    out.sort(key=lambda e: (e.event_time, e.pk))
    return out


def events_for_epcs(epcs: set[str], queryset=None) -> list[Event]:
    """Events naming any of these (canonical) identifiers in any role, by event time. `queryset` narrows
    (e.g. `Event.objects.visible_to(principal)`)."""
    return _events({event_id for event_id, _, _ in _epc_rows(epcs)}, queryset)


def item_epcs(gtin: str, lot: str = "", serial: str = "") -> set[str]:
    """The stored identifiers of one serialised item (GTIN + serial) or one lot (GTIN + lot: the LGTIN and
    every serial seen with that lot)."""
    gtin = gtin.zfill(14)
    if serial:
        return {identifiers.digital_link(gtin, serial=serial)} | set(
            EventEpc.objects.filter(gtin=gtin, serial=serial).values_list("epc", flat=True).distinct())
    if lot:
        return {identifiers.digital_link(gtin, lot=lot)} | set(
            EventEpc.objects.filter(gtin=gtin, lot=lot).values_list("epc", flat=True).distinct())
    return {identifiers.digital_link(gtin)}


@dataclass
class Chain:
    """What happened to some identifiers and their containers, sources and products."""

    events: list[Event]
    epcs: set[str]                                   # every identifier followed
    roles: dict[int, set[tuple[str, str]]]           # event id -> {(identifier, role)} of followed identifiers


_HOP_SQL = ("SELECT a.epc, a.role, b.event_id, b.epc, b.role FROM trace_eventepc a "
            "JOIN trace_eventepc b ON b.event_id = a.event_id WHERE a.epc IN ({})")


def chain(epcs: set[str], *, max_hops: int = 12, queryset=None) -> Chain:
    """Follow the identifiers through aggregation and transformation (see the module's docstring).

    One query per hop (the followed identifiers' rows joined with the other rows of the same events, both from
    covering indexes), then one for the events themselves."""
    followed: set[str] = set(epcs)
    roles: dict[int, set[tuple[str, str]]] = {}
    # Each frontier identifier carries the direction it was reached in: containers and upstream inputs are
    # followed further up only, products further down only, so siblings never join the chain.
    frontier = {epc: "both" for epc in epcs}
    for _ in range(max_hops):
        if not frontier:
            break
        next_frontier: dict[str, str] = {}
        names = list(frontier)
        with connection.cursor() as cursor:
            for start in range(0, len(names), _CHUNK):
                part = names[start:start + _CHUNK]
                cursor.execute(_HOP_SQL.format(", ".join(["%s"] * len(part))), part)
                for epc, role, event_id, other, other_role in cursor.fetchall():
                    if other == epc and other_role == role:
                        roles.setdefault(event_id, set()).add((epc, role))
                    if other in followed or other in next_frontier:
                        continue
                    direction = frontier[epc]
                    if other_role == "parent" and (role in ("child", "child_quantity") or
                                                   (role in ("epc", "quantity") and direction != "down")):
                        next_frontier[other] = "up"
                    elif other_role in ("input", "input_quantity") and role in ("output", "output_quantity") \
                            and direction in ("both", "up"):
                        next_frontier[other] = "up"
                    elif other_role in ("output", "output_quantity") and role in ("input", "input_quantity") \
                            and direction in ("both", "down"):
                        next_frontier[other] = "down"
        followed.update(next_frontier)
        frontier = next_frontier
    return Chain(events=_events(roles, queryset), epcs=followed, roles=roles)
