"""Empty parcels (空包): rules over orders, waybills and tracking scans.

A fake order has to look delivered, so rings buy waybills that carry nothing, or carry nothing real:
"empty-parcel" vendors print a waybill (often before the order is even paid), post a light envelope from
their own city, or only feed the carrier's system a pick-up and a signature with nothing in between; a
real waybill number is sold again for further orders. Each rule below looks for one such trace and a hit
names its rule and carries the evidence a person needs to judge it:

* ``no_hub_scan`` – a delivered waybill on an inter-city route (pick-up city differs from the order's
  destination) that never passed a sorting hub (no scan of a kind in `hub_kinds`).
* ``too_fast`` – pick-up to signature faster than the city pair allows. The pair's reference is learnt
  from the deliveries given (or from `history`): the `quantile` (5 %) of its transit times, after dropping
  times below `median_floor` (0.3) × the pair's median, so that a cluster of near-instant fakes (up to half
  the pair's deliveries) cannot drag the reference down with it. A pair needs `min_history` (30)
  deliveries; a hit is a transit below `fast_ratio` (0.5) × the reference.
* ``light_weight`` – the waybill's weight (scanned when known, else declared) below `weight_ratio` (0.2) ×
  the order's goods weight, for goods of at least `min_goods_weight` (0.2, same unit).
* ``reused_waybill`` – one waybill number on several orders. The waybill's owner is the earliest-paid of
  its orders whose destination is the city where it was signed (else the earliest-paid order); the others
  hit, except a merged shipment: same shop, same destination (and same buyer, when buyers are given), paid
  within `merge_window` (3 days) of the owner.
* ``created_before_payment`` – the waybill was created more than `grace` (0) seconds before the order was
  paid.
* ``origin_mismatch`` – picked up (the city of the first scan, else the waybill's declared origin) in no
  warehouse city of the shop. Warehouses are given per shop; for a shop not given, its dominant pick-up city
  is learnt when it holds at least `dominant_share` (0.6) of at least `min_shop_waybills` (10) waybills.

Everything is computed per column with numpy sorts and bincounts (10**6 scans: about a second); Python
only builds the hits. The same input always gives the same hits, in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["KIND_ALIASES", "PARCEL_RULES", "ParcelHit", "find_empty_parcels", "transit_references"]

PARCEL_RULES = ("no_hub_scan", "too_fast", "light_weight", "reused_waybill", "created_before_payment",
                "origin_mismatch")

# Scan kinds as carriers write them, folded to one vocabulary. Unknown kinds are kept as they are.
KIND_ALIASES = {
    "揽收": "accepted", "揽件": "accepted", "收件": "accepted", "pickup": "accepted", "picked_up": "accepted",
    "中转": "hub", "转运": "hub", "分拨": "hub", "转运中心": "hub", "分拨中心": "hub", "sorting": "hub",
    "运输中": "in_transit", "在途": "in_transit", "transit": "in_transit", "in transit": "in_transit",
    "到达": "arrived", "到件": "arrived", "发出": "departed", "发件": "departed",
    "派件": "out_for_delivery", "派送": "out_for_delivery", "out for delivery": "out_for_delivery",
    "签收": "signed", "已签收": "signed", "delivered": "signed",
}

_DAY = 86_400.0


@dataclass(frozen=True)
class ParcelHit:
    """One rule hit on one order's waybill. `evidence` holds plain Python values (JSON-ready): times in
    the unit they came in (ISO text for datetimes), durations in hours."""

    order_id: Any
    waybill_no: Any
    rule: str
    evidence: dict = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {"order_id": self.order_id, "waybill_no": self.waybill_no, "rule": self.rule,
                "evidence": self.evidence}


def _col(table: Any, name: str, required: bool = True) -> np.ndarray | None:
    if isinstance(table, Mapping):
        value = table.get(name)
    else:
        value = getattr(table, name, None)
    if value is None:
        if required:
            raise ValueError(f"missing column {name!r}")
        return None
    return np.asarray(value)


def _seconds(values: np.ndarray) -> tuple[np.ndarray, bool]:
    """Times as float seconds (NaN where missing), and whether they came as datetimes."""
    if np.issubdtype(values.dtype, np.datetime64):
        secs = values.astype("datetime64[s]")
        out = secs.astype(np.int64).astype(np.float64)
        out[np.isnat(secs)] = np.nan
        return out, True
    return np.asarray(values, dtype=np.float64), False


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _group_firsts(codes: np.ndarray, key: np.ndarray, n: int) -> np.ndarray:
    """Index (into the inputs) of the element with the smallest `key` in each group of `codes`, -1 for
    groups without elements. Ties go to the earlier element."""
    out = np.full(n, -1, dtype=np.int64)
    if len(codes) == 0:
        return out
    order = np.lexsort((np.arange(len(codes)), key, codes))
    c = codes[order]
    first = np.ones(len(c), dtype=bool)
    first[1:] = c[1:] != c[:-1]
    out[c[first]] = order[first]
    return out


def _references(origin: np.ndarray, dest: np.ndarray, transit: np.ndarray, n_cities: int, *,
                quantile: float, median_floor: float, min_history: int) -> tuple[np.ndarray, np.ndarray]:
    """Per city pair (key origin·n + dest): reference transit (NaN without enough history) and count."""
    size = n_cities * n_cities
    ok = np.isfinite(transit) & (origin >= 0) & (dest >= 0)
    key, t = origin[ok] * n_cities + dest[ok], transit[ok]
    count = np.bincount(key, minlength=size)
    ref = np.full(size, np.nan)
    if len(key) == 0:
        return ref, count

    def at_rank(k: np.ndarray, v: np.ndarray, q: float) -> tuple[np.ndarray, np.ndarray]:
        order = np.lexsort((v, k))
        k, v = k[order], v[order]
        n = np.bincount(k, minlength=size)
        start = np.concatenate(([0], np.cumsum(n)[:-1]))
        groups = np.flatnonzero(n)
        return groups, v[start[groups] + np.floor(q * (n[groups] - 1)).astype(np.int64)]

    groups, median = at_rank(key, t, 0.5)
    med = np.zeros(size)
    med[groups] = median
    keep = t >= median_floor * med[key]
    groups, low = at_rank(key[keep], t[keep], quantile)
    ref[groups] = low
    ref[count < min_history] = np.nan
    return ref, count


def transit_references(origin: np.ndarray, destination: np.ndarray, transit: np.ndarray, *,
                       quantile: float = 0.05, median_floor: float = 0.3,
                       min_history: int = 30) -> dict[tuple[Any, Any], float]:
    """The reference transit time of each city pair with enough history, as `too_fast` learns it:
    (origin, destination) -> the `quantile` of its transit times at or above `median_floor` × its median."""
    origin, destination = np.asarray(origin), np.asarray(destination)
    cities, inv = np.unique(np.concatenate([origin.astype(str), destination.astype(str)]),
                            return_inverse=True)
    o, d = inv[:len(origin)], inv[len(origin):]
    ref, _ = _references(o, d, np.asarray(transit, dtype=np.float64), len(cities), quantile=quantile,
                         median_floor=median_floor, min_history=min_history)
    keys = np.flatnonzero(np.isfinite(ref))
    return {(str(cities[k // len(cities)]), str(cities[k % len(cities)])): float(ref[k]) for k in keys}


def _warehouse_pairs(warehouses: Mapping | None) -> list[tuple[Any, Any]]:
    pairs = []
    for shop, cities in (warehouses or {}).items():
        if isinstance(cities, str) or not isinstance(cities, Iterable):
            cities = [cities]
        pairs.extend((shop, c) for c in cities)
    return pairs


def find_empty_parcels(orders: Any, waybills: Any, scans: Any, *, warehouses: Mapping | None = None,
                       history: Any = None, rules: Iterable[str] = PARCEL_RULES,
                       hub_kinds: Iterable[str] = ("hub",), signed_kinds: Iterable[str] = ("signed",),
                       quantile: float = 0.05, median_floor: float = 0.3, fast_ratio: float = 0.5,
                       min_history: int = 30, weight_ratio: float = 0.2, min_goods_weight: float = 0.2,
                       merge_window: float = 3 * _DAY, grace: float = 0.0, dominant_share: float = 0.6,
                       min_shop_waybills: int = 10) -> list[ParcelHit]:
    """Hits of the empty-parcel rules (see the module notes for each rule and its parameters).

    Tables are mappings of column name to array (or objects with those attributes), one entry a row:

    * `orders`: ``order_id``, ``shop``, ``paid_at``, ``goods_weight``, ``city`` (destination); optional
      ``buyer`` (then a merged shipment must also share the buyer).
    * `waybills`: ``waybill_no``, ``order_id``, ``created_at``, ``weight`` (declared), ``origin`` (city);
      optional ``scanned_weight`` (NaN where unknown). One row per (waybill, order): a waybill on two
      orders is two rows.
    * `scans`: ``waybill_no``, ``time``, ``city``, ``kind`` (accepted, hub, in_transit, arrived, departed,
      out_for_delivery, signed … or the Chinese words in `KIND_ALIASES`).

    Times are datetime64 or numbers of seconds, alike across tables (`merge_window` and `grace` are
    seconds). `warehouses` maps a shop to its warehouse city or cities; `history`, when given, is a
    table of past deliveries (``origin``, ``destination``, ``transit`` in seconds) to learn the pairs'
    references from instead of the deliveries given. Waybill rows whose order is unknown are skipped.
    Hits come in waybill-row order, rules in `PARCEL_RULES` order.
    """
    rules = tuple(rules)
    unknown = set(rules) - set(PARCEL_RULES)
    if unknown:
        raise ValueError(f"unknown rules {sorted(unknown)}: choose from {PARCEL_RULES}")

    o_id = _col(orders, "order_id")
    o_shop = _col(orders, "shop")
    o_paid, is_dt = _seconds(_col(orders, "paid_at"))
    o_goods = _col(orders, "goods_weight").astype(np.float64)
    o_city = _col(orders, "city").astype(str)
    o_buyer = _col(orders, "buyer", required=False)
    w_no = _col(waybills, "waybill_no")
    w_order = _col(waybills, "order_id")
    w_created, _ = _seconds(_col(waybills, "created_at"))
    w_weight = _col(waybills, "weight").astype(np.float64)
    scanned = _col(waybills, "scanned_weight", required=False)
    if scanned is not None:
        scanned = scanned.astype(np.float64)
        w_weight = np.where(np.isfinite(scanned), scanned, w_weight)
    w_origin = _col(waybills, "origin").astype(str)
    s_no = _col(scans, "waybill_no")
    s_time, _ = _seconds(_col(scans, "time"))
    s_city = _col(scans, "city").astype(str)
    s_kind = _col(scans, "kind").astype(str)

    # Rows: waybill rows whose order is known, each joined to its order.
    if len(o_id) == 0 or len(w_no) == 0:
        return []
    o_sort = np.argsort(o_id, kind="stable")
    pos = np.searchsorted(o_id[o_sort], w_order)
    pos = np.minimum(pos, len(o_id) - 1)
    known = o_id[o_sort][pos] == w_order
    rows = np.flatnonzero(known)
    oi = o_sort[pos[rows]]  # order index of each row

    # Integer codes for cities, waybills and shops.
    wh = _warehouse_pairs(warehouses)
    wh_shops = np.array([p[0] for p in wh], dtype=o_shop.dtype) if wh else np.empty(0, dtype=o_shop.dtype)
    wh_cities = np.array([str(p[1]) for p in wh], dtype=str)
    cities, city_code = np.unique(np.concatenate([o_city, w_origin, s_city, wh_cities]), return_inverse=True)
    nc = len(cities)
    split = np.cumsum([len(o_city), len(w_origin), len(s_city)])
    oc, wc, sc, whc = (city_code[:split[0]], city_code[split[0]:split[1]], city_code[split[1]:split[2]],
                       city_code[split[2]:])
    wb_ids, wb_code = np.unique(np.concatenate([w_no[rows], s_no]), return_inverse=True)
    nw = len(wb_ids)
    rw, sw = wb_code[:len(rows)], wb_code[len(rows):]
    shops, shop_code = np.unique(np.concatenate([o_shop, wh_shops]), return_inverse=True)
    osh, whs = shop_code[:len(o_shop)], shop_code[len(o_shop):]

    # Scans, per waybill: hubs passed, first scan (pick-up), first signature.
    kinds, kind_code = np.unique(s_kind, return_inverse=True)
    canon = np.array([KIND_ALIASES.get(k.strip().lower(), KIND_ALIASES.get(k.strip(), k.strip().lower()))
                      for k in kinds.tolist()], dtype=object)
    hub = np.isin(canon, list(hub_kinds))[kind_code] if len(kinds) else np.zeros(0, dtype=bool)
    signed = np.isin(canon, list(signed_kinds))[kind_code] if len(kinds) else np.zeros(0, dtype=bool)
    timed = np.isfinite(s_time)
    n_scans = np.bincount(sw, minlength=nw)
    n_hub = np.bincount(sw[hub], minlength=nw)
    first = _group_firsts(sw[timed], s_time[timed], nw)
    first = np.where(first >= 0, np.flatnonzero(timed)[np.maximum(first, 0)], -1)
    sig_idx = np.flatnonzero(signed & timed)
    sig = _group_firsts(sw[sig_idx], s_time[sig_idx], nw)
    sig = np.where(sig >= 0, sig_idx[np.maximum(sig, 0)], -1)
    first_time = np.where(first >= 0, s_time[np.maximum(first, 0)], np.nan)
    first_city = np.where(first >= 0, sc[np.maximum(first, 0)] if len(sc) else -1, -1)
    sig_time = np.where(sig >= 0, s_time[np.maximum(sig, 0)], np.nan)
    sig_city = np.where(sig >= 0, sc[np.maximum(sig, 0)] if len(sc) else -1, -1)
    transit = sig_time - first_time  # per waybill

    # Per row.
    origin = np.where(first_city[rw] >= 0, first_city[rw], wc[rows])
    dest = oc[oi]
    delivered = sig[rw] >= 0
    flags: dict[str, np.ndarray] = {}

    if "no_hub_scan" in rules:
        flags["no_hub_scan"] = delivered & (origin != dest) & (n_hub[rw] == 0)

    ref = np.full(nc * nc, np.nan)
    if "too_fast" in rules:
        if history is not None:
            ho = np.asarray(_col(history, "origin")).astype(str)
            hd = np.asarray(_col(history, "destination")).astype(str)
            ht = np.asarray(_col(history, "transit"), dtype=np.float64)
            hcode = np.searchsorted(cities, np.concatenate([ho, hd]))
            hcode = np.minimum(hcode, nc - 1)
            hknown = cities[hcode] == np.concatenate([ho, hd])
            hcode = np.where(hknown, hcode, -1)
            ref, _ = _references(hcode[:len(ho)], hcode[len(ho):], ht, nc, quantile=quantile,
                                 median_floor=median_floor, min_history=min_history)
        else:
            ref, _ = _references(first_city, sig_city, transit, nc, quantile=quantile,
                                 median_floor=median_floor, min_history=min_history)
        pair = np.where(delivered & (first_city[rw] >= 0), first_city[rw] * nc + sig_city[rw], 0)
        row_ref = np.where(delivered & (first_city[rw] >= 0), ref[pair], np.nan)
        with np.errstate(invalid="ignore"):
            flags["too_fast"] = np.isfinite(row_ref) & (transit[rw] < fast_ratio * row_ref)

    if "light_weight" in rules:
        goods = o_goods[oi]
        with np.errstate(invalid="ignore"):
            flags["light_weight"] = (goods >= min_goods_weight) & (w_weight[rows] < weight_ratio * goods)

    owner_of = np.full(nw, -1, dtype=np.int64)
    if "reused_waybill" in rules:
        # Distinct orders per waybill; the owner is the earliest-paid order delivered where it was bound.
        mismatch = (~delivered | (sig_city[rw] != dest)).astype(np.int64)
        paid = np.where(np.isfinite(o_paid[oi]), o_paid[oi], np.inf)
        order = np.lexsort((np.arange(len(rows)), oi, paid, mismatch, rw))
        c = rw[order]
        head = np.ones(len(c), dtype=bool)
        head[1:] = c[1:] != c[:-1]
        owner_of[c[head]] = order[head]
        owner = owner_of[rw]
        # Distinct orders per waybill (an order listed twice on one waybill is one order).
        pairs = np.unique(np.stack([rw, oi], axis=1), axis=0)
        n_orders = np.bincount(pairs[:, 0], minlength=nw)
        oo = oi[owner]
        merged = (osh[oi] == osh[oo]) & (dest == dest[owner]) & \
            (np.abs(o_paid[oi] - o_paid[oo]) <= merge_window)
        if o_buyer is not None:
            merged &= o_buyer[oi] == o_buyer[oo]
        merged |= oi == oo
        flags["reused_waybill"] = (n_orders[rw] > 1) & ~merged

    if "created_before_payment" in rules:
        with np.errstate(invalid="ignore"):
            flags["created_before_payment"] = w_created[rows] < o_paid[oi] - grace

    allowed_src = {}
    if "origin_mismatch" in rules:
        ns = len(shops)
        given = np.zeros(ns, dtype=bool)
        given[whs] = True
        allowed = np.unique(whs * nc + whc)
        # Learn the dominant pick-up city of shops without given warehouses, one vote per waybill.
        sw_pairs = np.unique(np.stack([rw, osh[oi], origin], axis=1), axis=0)
        shop_city = sw_pairs[:, 1] * nc + sw_pairs[:, 2]
        counts = np.bincount(shop_city, minlength=ns * nc).reshape(ns, nc) if ns * nc < 5e7 else None
        if counts is None:  # many shops and cities: count the pairs that occur only
            keys, cnt = np.unique(shop_city, return_counts=True)
            order = np.lexsort((-cnt, keys // nc))
            keys, cnt = keys[order], cnt[order]
            head = np.ones(len(keys), dtype=bool)
            head[1:] = keys[1:] // nc != keys[:-1] // nc
            total = np.bincount(keys // nc, weights=cnt, minlength=ns)
            top_shop, top_city, top_n = keys[head] // nc, keys[head] % nc, cnt[head]
            top_total = total[top_shop]
        else:
            top_shop = np.flatnonzero(counts.sum(axis=1))
            top_city = counts[top_shop].argmax(axis=1)
            top_n = counts[top_shop, top_city]
            top_total = counts[top_shop].sum(axis=1)
        learn = (~given[top_shop]) & (top_total >= min_shop_waybills) & (top_n >= dominant_share * top_total)
        learnt = top_shop[learn] * nc + top_city[learn]
        allowed = np.union1d(allowed, learnt)
        has_rule = given.copy()
        has_rule[top_shop[learn]] = True
        flags["origin_mismatch"] = has_rule[osh[oi]] & ~np.isin(osh[oi] * nc + origin, allowed)
        allowed_src = {"given": given}
    else:
        allowed = np.empty(0, dtype=np.int64)

    # Hits, with their evidence.
    def when(t: float) -> Any:
        if not np.isfinite(t):
            return None
        return str(np.datetime64(int(t), "s")) if is_dt else float(t)

    def hours(t: float) -> float | None:
        return round(float(t) / 3600.0, 3) if np.isfinite(t) else None

    hit_rows: list[tuple[int, int, str]] = []
    for r_i, name in enumerate(PARCEL_RULES):
        if name in flags:
            hit_rows.extend((int(i), r_i, name) for i in np.flatnonzero(flags[name]))
    hit_rows.sort()
    by_wb = np.argsort(rw, kind="stable")
    wb_ptr = np.concatenate(([0], np.cumsum(np.bincount(rw, minlength=nw))))
    hits = []
    for i, _, name in hit_rows:
        o, w, row = int(oi[i]), int(rw[i]), int(rows[i])
        ev: dict[str, Any]
        if name == "no_hub_scan":
            ev = {"origin": str(cities[origin[i]]), "destination": str(cities[dest[i]]),
                  "scans": int(n_scans[w]), "hub_scans": 0, "signed_at": when(sig_time[w])}
        elif name == "too_fast":
            k = int(first_city[w] * nc + sig_city[w])
            ev = {"origin": str(cities[first_city[w]]), "destination": str(cities[sig_city[w]]),
                  "transit_hours": hours(transit[w]), "reference_hours": hours(ref[k]),
                  "fast_ratio": fast_ratio, "quantile": quantile,
                  "picked_up_at": when(first_time[w]), "signed_at": when(sig_time[w])}
        elif name == "light_weight":
            ev = {"waybill_weight": float(w_weight[row]), "goods_weight": float(o_goods[o]),
                  "ratio": round(float(w_weight[row] / o_goods[o]), 4), "weight_ratio": weight_ratio}
        elif name == "reused_waybill":
            same = by_wb[wb_ptr[w]:wb_ptr[w + 1]]
            ow = int(owner_of[w])
            ev = {"orders": sorted({_plain(o_id[oi[j]]) for j in same.tolist()}, key=str),
                  "owner_order": _plain(o_id[oi[ow]]),
                  "shops": sorted({_plain(o_shop[oi[j]]) for j in same.tolist()}, key=str),
                  "destinations": sorted({str(cities[dest[j]]) for j in same.tolist()}),
                  "signed_in": str(cities[sig_city[w]]) if sig[w] >= 0 else None,
                  "paid_at": when(o_paid[o]), "owner_paid_at": when(o_paid[oi[ow]])}
        elif name == "created_before_payment":
            ev = {"created_at": when(w_created[row]), "paid_at": when(o_paid[o]),
                  "hours_early": hours(o_paid[o] - w_created[row])}
        else:
            shop = int(osh[o])
            src = "given" if allowed_src["given"][shop] else "learnt"
            lo, hi = np.searchsorted(allowed, shop * nc), np.searchsorted(allowed, (shop + 1) * nc)
            ev = {"origin": str(cities[origin[i]]), "declared_origin": str(w_origin[row]),
                  "first_scan_city": str(cities[first_city[w]]) if first[w] >= 0 else None,
                  "warehouses": sorted(str(cities[k % nc]) for k in allowed[lo:hi].tolist()),
                  "warehouses_from": src}
        hits.append(ParcelHit(_plain(o_id[o]), _plain(w_no[row]), name, ev))
    return hits
