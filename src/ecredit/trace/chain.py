"""The trace chain of a product lot or item (R8.2, R8.3): where from, where to, who is responsible.

For a GTIN with a lot or a serial, every captured EPCIS event on the way from origin to consumer: the item's (or
the lot's) own events, its lot's class-level events, the events of the containers it travelled in (followed from
the aggregation that packed it until the one that unpacked it, nested containers too), the history of the
inputs it was made from (transformation outputs → inputs, upstream only) and of the products made from it
(inputs → outputs, downstream only), and our own e-commerce trail steps (listing … complaint, trace.yaml).
Each step names the party responsible (GB/T 38156-2019 5.1), resolved by `parties.Resolver`.

`build(gtin, lot=..., serial=...)` reads; it never writes. `public=True` keeps what the public trace page may
show: no complaint steps, no events declared erroneous, no event documents; persons are never named.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from dataclasses import fields as dataclass_fields
from typing import Any, Iterable

from django.db.models import Q
from django.utils.translation import gettext as _

from ecredit import policy

from . import parties
from .epcis.store import canonical_epc
from .models import Event, EventEpc, EventSourceDest, Product

CBV = "https://ref.gs1.org/cbv/"
STEP_PREFIX = CBV + "BizStep-"
# How far containers (case → pallet → container) and transformations (ingredient → product → product) are
# followed: real chains are shallower, and the bound keeps a bad loop in captured data from running away.
MAX_HOPS = 4
# Events shown at most for one chain (a lot of many thousand items sold one by one); `truncated` says so.
MAX_EVENTS = 5000
CHUNK = 500          # ids per IN (...): well under every database's parameter limit
CHILD_ROLES = ("child", "child_quantity")
INPUT_ROLES = ("input", "input_quantity")
OUTPUT_ROLES = ("output", "output_quantity")
# Relations in order of closeness: an event reached two ways keeps the closer one.
RELATIONS = ("self", "lot", "container", "input", "output")
_SHIP = ("shipping", "departing", "void_shipping")
_RECEIVE = ("receiving", "arriving", "accepting", "unloading")


@dataclass
class Step:
    """One event in a chain, as a person reads it."""

    event_id: int
    event_type: str
    action: str
    time: dt.datetime
    local_time: dt.datetime
    biz_step: str
    step: str                          # CBV word, our trail step code, or the URI
    step_name: str
    trail: bool
    public: bool
    disposition: str
    place: parties.Party | None
    read_point: str
    responsible: parties.Party | None
    responsible_basis: str             # location, source, destination, capturer, or a trail role
    parties: list[tuple[str, str, parties.Party]]
    capturer: parties.Party
    relation: str                      # self, lot, container, input, output
    through: str                       # the container or material that links the event to the item
    items: int                         # how many of the traced items (serials) the event names
    roles: tuple = ()                  # the roles the traced identifiers play in it (epc, child, input …)
    quantity: float | None = None
    uom: str = ""
    declared_error: bool = False
    event_hash: str = ""
    document: dict | None = None

    def as_dict(self) -> dict[str, Any]:
        """The step as the API gives it."""
        return {
            "event_id": self.event_id, "event_hash": self.event_hash, "event_type": self.event_type,
            "action": self.action, "time": self.time, "local_time": self.local_time.isoformat(),
            "biz_step": self.biz_step, "step": self.step, "step_name": self.step_name, "trail": self.trail,
            "public": self.public, "disposition": self.disposition,
            "place": self.place.as_dict() if self.place else None, "read_point": self.read_point,
            "responsible": self.responsible.as_dict() if self.responsible else None,
            "responsible_basis": self.responsible_basis,
            "parties": [{"kind": k, "type": t, **p.as_dict()} for k, t, p in self.parties],
            "capturer": self.capturer.as_dict(), "relation": self.relation, "through": self.through,
            "roles": list(self.roles),
            "items": self.items, "quantity": self.quantity, "uom": self.uom,
            "declared_error": self.declared_error, **({"document": self.document} if self.document else {}),
        }


@dataclass
class Chain:
    """A lot's or an item's chain: the product, its category, the steps in time order and what linked them."""

    gtin: str
    lot: str = ""
    serial: str = ""
    product: Product | None = None
    category: Any = None
    steps: list[Step] = field(default_factory=list)
    serials: list[str] = field(default_factory=list)
    containers: list[str] = field(default_factory=list)
    inputs: list[dict] = field(default_factory=list)
    outputs: list[dict] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    truncated: bool = False

    @property
    def found(self) -> bool:
        """True when anything was captured for this lot or item."""
        return bool(self.steps)


# ---------------------------------------------------------------------------------------------- collection


@dataclass
class _Link:
    relation: str
    through: str = ""
    items: set = field(default_factory=set)
    roles: set = field(default_factory=set)
    quantity: float | None = None
    uom: str = ""


@dataclass(frozen=True)
class _Identity:
    """What a chain follows: an item (gtin + serial), a lot with its items (gtin + lot), a lot's class-level rows
    only (gtin + lot, no serial), or an identifier that is no GTIN (a logistic unit, another scheme's URI)."""

    kind: str          # serial, lot, lot_class, epc
    gtin: str
    value: str


def _identity(gtin: str, lot: str, serial: str, epc: str = "") -> _Identity | None:
    if gtin and serial:
        return _Identity("serial", gtin, serial)
    if gtin and lot:
        return _Identity("lot", gtin, lot)
    if epc and not gtin:
        return _Identity("epc", "", epc)
    return None  # a whole product class: every lot ever made — too broad to be one chain


def _identities_of(row: dict) -> list[_Identity]:
    """Every identity a stored identifier row answers to."""
    found = [_Identity("epc", "", row["epc"])]
    if row["gtin"] and row["serial"]:
        found.append(_Identity("serial", row["gtin"], row["serial"]))
    if row["gtin"] and row["lot"]:
        found.append(_Identity("lot", row["gtin"], row["lot"]))
        if not row["serial"]:
            found.append(_Identity("lot_class", row["gtin"], row["lot"]))
    return found


def _chunks(values) -> Iterable[list]:
    values = list(values)
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def _label(row: dict) -> str:
    if row["gtin"]:
        return "/".join(x for x in (row["gtin"], row["lot"] and f"10/{row['lot']}",
                                    row["serial"] and f"21/{row['serial']}") if x)
    return row["epc"]


class _Collector:
    """Finds the events of a chain breadth first: per hop level, one query (per CHUNK identities) for every
    identity reached, a few for their containers and a few for the transformations they went through."""

    FIELDS = ("event_id", "epc", "role", "gtin", "lot", "serial", "quantity", "uom")

    def __init__(self) -> None:
        self.links: dict[int, _Link] = {}
        self.containers: list[str] = []
        self.inputs: list[dict] = []
        self.outputs: list[dict] = []
        self.labels: set[tuple[str, str]] = set()
        self.seen: set[tuple[_Identity, str]] = set()

    def _add(self, rows: Iterable[dict], relation: str, through: str) -> None:
        for row in rows:
            link = self.links.get(row["event_id"])
            if link is None or RELATIONS.index(relation) < RELATIONS.index(link.relation):
                link = self.links[row["event_id"]] = _Link(relation, through, set(link.items) if link else set())
            if row["serial"]:
                link.items.add(row["serial"])
            if relation == link.relation:
                link.roles.add(row["role"])
            if row["quantity"] is not None and link.quantity is None:
                link.quantity, link.uom = row["quantity"], row["uom"]

    def _read(self, identities: Iterable[_Identity]) -> list[dict]:
        """The identifier rows of these identities: grouped by kind and GTIN into IN (...) lists, OR-ed into
        queries of at most CHUNK parameters (each term indexed: gtin+serial, gtin+lot, epc)."""
        groups: dict[tuple[str, str], set[str]] = {}
        for identity in identities:
            values = groups.setdefault((identity.kind, identity.gtin), set())
            values.add(identity.value)
            if identity.kind == "epc":
                values.add(canonical_epc(identity.value))
        terms: list[tuple[Q, int]] = []
        for (kind, gtin), values in groups.items():
            for part in _chunks(sorted(values)):
                if kind == "epc":
                    terms.append((Q(epc__in=part), len(part)))
                elif kind == "serial":
                    terms.append((Q(gtin=gtin, serial__in=part), len(part) + 1))
                elif kind == "lot":
                    terms.append((Q(gtin=gtin, lot__in=part), len(part) + 1))
                else:
                    terms.append((Q(gtin=gtin, lot__in=part, serial=""), len(part) + 2))
        rows: list[dict] = []
        batch: list[Q] = []
        size = 0
        for term, params in terms + [(None, CHUNK + 1)]:
            if batch and (term is None or size + params > CHUNK):
                where = batch[0]
                for other in batch[1:]:
                    where |= other
                rows.extend(EventEpc.objects.filter(where).order_by().values(*self.FIELDS))
                batch, size = [], 0
            if term is not None:
                batch.append(term)
                size += params
        return rows

    def collect(self, roots: list[_Identity], relation: str, through: str) -> list[dict]:
        """The events naming the roots, their containers', and (upstream, downstream) their materials' and
        products', hop level by hop level. Returns the roots' own identifier rows."""
        level = [(identity, relation, through, "both") for identity in roots]
        first: list[dict] | None = None
        for depth in range(MAX_HOPS + 1):
            wanted: dict[_Identity, list[tuple]] = {}
            for entry in level:
                key = (entry[0], entry[3])
                if key not in self.seen:
                    self.seen.add(key)
                    wanted.setdefault(entry[0], []).append(entry)
            if not wanted:
                break
            for identity in [i for i in wanted if i.kind == "epc"]:  # stored canonical, asked for as given
                canonical = _Identity("epc", "", canonical_epc(identity.value))
                if canonical != identity:
                    wanted.setdefault(canonical, []).extend(wanted[identity])
            rows = self._read(wanted)
            if first is None:
                first = rows
            packed: dict[str, list[dict]] = {}
            down: set[int] = set()
            up: set[int] = set()
            for row in rows:
                for identity in _identities_of(row):
                    for _reached, entry_relation, entry_through, direction in wanted.get(identity, ()):
                        self._add([row], entry_relation, entry_through)
                        packed.setdefault("container" if entry_relation in ("self", "lot") else entry_relation,
                                          []).append(row)
                        if direction in ("both", "down") and row["role"] in INPUT_ROLES:
                            down.add(row["event_id"])
                        if direction in ("both", "up") and row["role"] in OUTPUT_ROLES:
                            up.add(row["event_id"])
            for container_relation, packed_rows in packed.items():
                self._containers(packed_rows, container_relation)
            level = self._transformed(down, OUTPUT_ROLES, "output", "down") + \
                self._transformed(up, INPUT_ROLES, "input", "up")
        return first or []

    def _containers(self, rows: list[dict], relation: str) -> None:
        """Follow aggregations upward: each parent's events from packing until unpacking, then its parents."""
        packed = {r["event_id"] for r in rows if r["role"] in CHILD_ROLES}
        done: set[int] = set()
        hops = 0
        while packed and hops < MAX_HOPS:
            hops += 1
            done |= packed
            parents = [row for part in _chunks(packed) for row in
                       EventEpc.objects.filter(event_id__in=part, role="parent").order_by()
                       .values("event_id", "epc", "event__event_time", "event__action")]
            windows: dict[str, list] = {}
            for row in parents:
                if row["event__action"] == "DELETE":
                    continue
                start = windows.setdefault(row["epc"], [row["event__event_time"], None])
                start[0] = min(start[0], row["event__event_time"])
            if not windows:
                return
            # Unpacked by the first aggregation DELETE of that parent after the packing.
            for part in _chunks(windows):
                unpacked = EventEpc.objects.filter(epc__in=part, role="parent", event__action="DELETE") \
                    .order_by().values_list("epc", "event__event_time")
                for epc, at in unpacked:
                    window = windows[epc]
                    if at >= window[0] and (window[1] is None or at < window[1]):
                        window[1] = at
            found = [row for part in _chunks(windows) for row in
                     EventEpc.objects.filter(epc__in=part).order_by().values(*self.FIELDS, "event__event_time")]
            inside = [r for r in found if windows[r["epc"]][0] <= r["event__event_time"]
                      and (windows[r["epc"]][1] is None or r["event__event_time"] <= windows[r["epc"]][1])]
            for epc in windows:
                if epc not in self.containers:
                    self.containers.append(epc)
            for row in inside:
                row = dict(row, serial="", quantity=None)  # the container's own rows name none of our items
                self._add([row], relation, row["epc"])
            packed = {r["event_id"] for r in inside if r["role"] in CHILD_ROLES} - done

    def _transformed(self, events: set[int], other_roles: tuple, relation: str, direction: str) -> list[tuple]:
        """The other side of the transformations these events are part of (the events themselves and, through
        an EPCIS 2.0 transformationID, the other events of the same transformation): recorded, and returned
        as the next hop level's entries."""
        if not events:
            return []
        ids = set(events)
        for part in _chunks(sorted(events)):
            same = Event.objects.filter(pk__in=part).exclude(transformation_id="").values("transformation_id")
            ids.update(Event.objects.filter(event_type="TransformationEvent", transformation_id__in=same)
                       .order_by().values_list("id", flat=True))
        others = [row for part in _chunks(sorted(ids)) for row in
                  EventEpc.objects.filter(event_id__in=part, role__in=other_roles).order_by().values(*self.FIELDS)]
        target = self.outputs if relation == "output" else self.inputs
        entries = []
        for other in others:
            label = _label(other)
            if (relation, label) not in self.labels:
                self.labels.add((relation, label))
                target.append({"label": label, "gtin": other["gtin"], "lot": other["lot"],
                               "serial": other["serial"], "epc": other["epc"]})
            identity = _identity(other["gtin"], other["lot"], other["serial"], other["epc"])
            if identity is not None:
                entries.append((identity, relation, label, direction))
        self._add([dict(r, serial="", quantity=None) for r in others], relation, "")
        return entries


def _lot_serials(gtin: str, lot: str) -> set[str]:
    """The serials of a lot's items: capture stores the lot their commissioning event's ILMD names on their
    rows (SGTINs carry no lot), so they come from the (gtin, lot) index."""
    return set(EventEpc.objects.filter(gtin=gtin, lot=lot).exclude(serial="").order_by()
               .values_list("serial", flat=True).distinct())


def _item_lot(rows: list[dict]) -> str:
    """The lot of one item: from a Digital Link that names both, or the ILMD of its commissioning (see above)."""
    return next((row["lot"] for row in rows if row["lot"]), "")


# ---------------------------------------------------------------------------------------------- building


def _word(uri: str, prefix: str) -> str:
    return uri[len(prefix):] if uri.startswith(prefix) else uri


def _local(event: "_Event") -> dt.datetime:
    match = re.fullmatch(r"([+-])(\d{2}):(\d{2})", event.event_timezone_offset or "")
    if not match:
        return event.event_time
    sign = 1 if match.group(1) == "+" else -1
    offset = dt.timedelta(hours=int(match.group(2)), minutes=int(match.group(3))) * sign
    return event.event_time.astimezone(dt.timezone(offset))


def _pick(candidates: list[tuple[str, parties.Party | None]]) -> tuple[str, parties.Party | None]:
    """The first candidate that resolved to a subject, else the first that names anything."""
    for basis, party in candidates:
        if party is not None and party.resolved:
            return basis, party
    for basis, party in candidates:
        if party is not None and (party.name or party.identifier):
            return basis, party
    return "", None


def _responsible(step: str, trail_step, named: list[tuple[str, str, parties.Party]], place, capturer,
                 resolver: parties.Resolver) -> tuple[str, parties.Party | None]:
    """Who answers for this step: for our trail steps the party of the role trace.yaml names; for supply-chain
    steps the sender when shipping, the receiver when receiving, else the owner of the business location —
    each falling back to the capturing organisation."""
    def of(kind: str, sdt: str) -> parties.Party | None:
        return next((p for k, t, p in named if k == kind and t == sdt), None)

    if trail_step is not None:
        role = trail_step.responsible
        shop = next((p for _, _, p in named if p.kind == "shop"), None)
        if role == "consumer":
            return role, parties.Party("consumer", name=_("消费者"))
        if role == "merchant":
            return role, _pick([("shop", shop), ("source", of("source", "owning_party")), ("capturer", capturer)])[1]
        if role == "platform":
            platform = resolver.platform_of(shop) if shop else None
            return role, _pick([("platform", platform), ("capturer", capturer)])[1]
        if role == "courier":
            return role, _pick([("courier", of("source", "possessing_party")),
                                ("courier", of("destination", "possessing_party")), ("capturer", capturer)])[1]
        return role, _pick([("capturer", capturer)])[1]
    if step in _SHIP:
        order = [("source", of("source", "owning_party")), ("source", of("source", "possessing_party")),
                 ("location", place)]
    elif step in _RECEIVE:
        order = [("destination", of("destination", "owning_party")),
                 ("destination", of("destination", "possessing_party")), ("location", place)]
    else:
        order = [("location", place), ("source", of("source", "owning_party"))]
    return _pick(order + [("capturer", capturer)])


def build(gtin: str, *, lot: str = "", serial: str = "", public: bool = True, on: dt.date | None = None) -> Chain:
    """The chain of a lot (gtin + lot) or an item (gtin + serial, lot optional); `gtin` is a GTIN-14."""
    rules = policy.current().trace
    chain = Chain(gtin=gtin, lot=lot, serial=serial)
    chain.product = Product.objects.select_related("owner").filter(gtin=gtin).first()
    if chain.product is not None and chain.product.category:
        chain.category = rules.key_products_on(on).category(chain.product.category)
    collector = _Collector()
    if serial:
        rows = collector.collect([_Identity("serial", gtin, serial)], "self", "")
        chain.lot = lot or _item_lot([r for r in rows if r["gtin"] == gtin and r["serial"] == serial])
        if chain.lot:
            collector.collect([_Identity("lot_class", gtin, chain.lot)], "lot", chain.lot)
    elif lot:
        serials = _lot_serials(gtin, lot)
        collector.collect([_Identity("lot", gtin, lot)] + [_Identity("serial", gtin, s) for s in sorted(serials)],
                          "self", "")
        chain.serials = sorted(serials)
    links = collector.links
    chain.containers, chain.inputs, chain.outputs = collector.containers, collector.inputs, collector.outputs
    ids = sorted(links)
    if len(ids) > MAX_EVENTS:
        chain.truncated = True
    chain.steps = _steps(_events(ids, public), links, rules, public)
    if chain.category is not None:
        present = {s.step for s in chain.steps if s.relation in ("self", "lot", "container")}
        chain.gaps = [code for code in chain.category.expected_steps if code not in present]
    return chain


@dataclass
class _Event:
    """The columns of an event a chain shows (read as plain rows: a chain may hold thousands of events)."""

    pk: int
    event_hash: str
    event_type: str
    action: str
    event_time: dt.datetime
    event_timezone_offset: str
    biz_step: str
    disposition: str
    read_point: str
    biz_location: str
    error_declared_at: dt.datetime | None
    organisation__uscc: str
    organisation__name: str
    event_id: str
    organisation_id: int
    document: dict | None = None
    places: list = field(default_factory=list)     # (kind, type word, value) of sources and destinations
    declared: bool = False                         # declared erroneous (itself, or by a later declaration)


def _events(ids: list[int], public: bool) -> list[_Event]:
    """The events with their sources and destinations, in time order (at most MAX_EVENTS)."""
    columns = [f.name for f in dataclass_fields(_Event) if f.name not in ("document", "places", "declared")]
    columns = ["id" if c == "pk" else c for c in columns] + ([] if public else ["document"])
    events: list[_Event] = []
    for start in range(0, min(len(ids), MAX_EVENTS), CHUNK):
        for row in Event.objects.filter(pk__in=ids[start:start + CHUNK]).order_by().values_list(*columns):
            events.append(_Event(*row))
    events.sort(key=lambda e: (e.event_time, e.pk))
    by_id = {e.pk: e for e in events}
    declared: set[tuple[str, int]] = set()
    for start in range(0, len(events), CHUNK):
        chunk = events[start:start + CHUNK]
        for event_id, kind, sdt, value in EventSourceDest.objects.filter(event_id__in=[e.pk for e in chunk]) \
                .order_by("id").values_list("event_id", "kind", "type", "value"):
            by_id[event_id].places.append((kind, _word(sdt, CBV + "SDT-"), value))
        # EPCIS error declaration: the event sent again with the same eventID and an errorDeclaration. It makes
        # the original erroneous too — when its own capturer declares it (no one else may withdraw its events).
        declared.update(Event.objects.filter(event_id__in={e.event_id for e in chunk},
                                             error_declared_at__isnull=False).order_by()
                        .values_list("event_id", "organisation_id"))
    for event in events:
        event.declared = event.error_declared_at is not None or (event.event_id, event.organisation_id) in declared
    return events


def _learned_places(events: list[_Event], resolver: parties.Resolver) -> dict[str, parties.Party]:
    """GLN -> party, learned from the chain itself: a place where a party received goods it owns (or from
    which it shipped goods it owned) is that party's — for locations whose GLN no registered product explains."""
    learned: dict[str, parties.Party] = {}
    for event in events:
        word = _word(event.biz_step, STEP_PREFIX)
        kind = "destination" if word in _RECEIVE else "source" if word in _SHIP else ""
        where = event.biz_location or event.read_point
        if not kind or not where:
            continue
        gln, _prefix = resolver.gln_of(where)
        owner = next((resolver.party(value) for k, sdt, value in event.places
                      if k == kind and sdt == "owning_party"), None)
        if gln and owner is not None and owner.resolved and gln not in learned:
            learned[gln] = replace(owner, basis="gln_learned", identifier=where, gln=gln)
    return learned


def _steps(events: list[_Event], links: dict[int, _Link], rules, public: bool) -> list[Step]:
    resolver = parties.Resolver()
    for event in events:
        for _kind, _sdt, value in event.places:
            resolver.want(value)
        resolver.want(event.biz_location or event.read_point)
        resolver.want_uscc(event.organisation__uscc)
    resolver.load()
    learned = _learned_places(events, resolver)
    names: dict[str, tuple] = {}       # bizStep URI -> (trail step or None, word, name), filled as met
    trail = rules.trail_on()
    capturers: dict[str, parties.Party] = {}
    places: dict[str, parties.Party] = {}
    steps = []
    for event in events:
        if event.biz_step not in names:
            trail_step = rules.trail_step_for_uri(event.biz_step)
            word = trail_step.code if trail_step else _word(event.biz_step, STEP_PREFIX)
            texts = trail_step.name if trail_step else trail.cbv_step_names.get(word)
            names[event.biz_step] = (trail_step, word, str(texts) if texts else (word or _("（未注明业务步骤）")))
        trail_step, word, name = names[event.biz_step]
        declared = event.declared
        shown = (trail_step.public if trail_step else True) and not declared
        if public and not shown:
            continue
        named = [(kind, sdt, resolver.party(value)) for kind, sdt, value in event.places]
        # Where: the business location, else the read point (a shipment is often read at a dock door only).
        where = event.biz_location or event.read_point
        if where and where not in places:
            place = resolver.party(where)
            places[where] = learned.get(place.gln, place) if not place.resolved else place
        place = places.get(where) if where else None
        key = event.organisation__uscc + "|" + event.organisation__name
        if key not in capturers:
            capturers[key] = resolver.organisation(event.organisation__uscc, event.organisation__name)
        capturer = capturers[key]
        basis, responsible = _responsible(word, trail_step, named, place, capturer, resolver)
        link = links[event.pk]
        steps.append(Step(
            event_id=event.pk, event_type=event.event_type, action=event.action, time=event.event_time,
            local_time=_local(event), biz_step=event.biz_step, step=word, step_name=name,
            trail=trail_step is not None, public=shown, disposition=_word(event.disposition, CBV + "Disp-"),
            place=place, read_point=event.read_point, responsible=responsible, responsible_basis=basis,
            parties=named, capturer=capturer, relation=link.relation, through=link.through,
            items=len(link.items), roles=tuple(sorted(link.roles)), quantity=link.quantity, uom=link.uom,
            declared_error=declared, event_hash=event.event_hash, document=None if public else event.document))
    return steps


def summarise(steps: list[Step]) -> list[dict[str, Any]]:
    """Steps for a page: one row per step, day, place and responsible party (a lot sold item by item is one
    row with its count), in time order."""
    rows: list[dict[str, Any]] = []
    index: dict[tuple, dict] = {}
    for step in steps:
        responsible = step.responsible
        key = (step.step, step.local_time.date(), step.place.gln if step.place else "",
               (responsible.subject_id, responsible.name) if responsible else None, step.relation)
        row = index.get(key)
        if row is None:
            row = index[key] = {"step": step, "count": 0, "items": 0, "first": step.local_time,
                                "last": step.local_time}
            rows.append(row)
        row["count"] += 1
        row["items"] += step.items
        row["last"] = step.local_time
    return rows
