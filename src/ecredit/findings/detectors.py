"""From exported columns to candidate findings: each detector of `ecredit.detection` run on platform data, and
its hits shaped as what an officer reads (the evidence of each kind, below), with the members that identify
the matter (`members`, hashed into the finding's key) and the items whose growth may reopen a decision.

Evidence per kind (JSON; ids are registry subject ids, times ISO 8601 UTC):

- order_ring: platform {id, name}; buyers [{id, orders}] (the platform's pseudonyms); shops [{id, name,
  orders}] of the ring; other_shops [{id, name, orders}] where ring buyers also ordered (camouflage); edges
  [{buyer, shop, orders, in_ring}]; orders (order numbers in the ring), order_count, amount (yuan),
  shop_orders {shop id: [order numbers]}, shop_amounts {shop id: yuan}; start,
  end; method (significance | peeling), score; peeling: density, baseline (the platform's density) and
  lift (their ratio); significance: significance (Bonferroni-corrected surprise, nats) and lift (the block's
  cells over the random marketplace's expectation), density and baseline null; fill (share of buyer x shop
  cells with an order); engine, time_bucket.
- review_accounts: platform, shop {id, name}; direction positive | negative, pattern; accounts [{buyer,
  score, supervised, reviews, reviews_of_shop, signals {name: value}, strong [names]}]; account_count;
  ratings (rating ids), orders (order numbers), review_count, shop_reviews, share; start, end; thresholds;
  model (active review model id or null).
- empty_parcel: platform, shop; hits [{rule, order, order_id, waybill, carrier, figures {the rule's figures},
  scans {count, kinds, first, last}}]; rules {rule: hits}; orders (platform USCC/order no), order_count,
  waybill_count, shop_waybill_orders, share.
- borrowed_name: name; subject {id, name, kind}; organisation {id, name, uscc}; similarity; reason;
  normalised, organisation_normalised; threshold; linked_to; operator, platform.
- missing_licence: shop; category, category_name; required [{code, name}]; licences [{holder, kind, name,
  number, valid_from, valid_until, revoked, problem}]; problem (none_held | expired | not_yet_valid |
  revoked); reason; orders (sample of order numbers), order_count; operator.
- unlicensed_channel: platform; channel, channel_name; reason; problem (not_licensed | expired); resembles,
  similarity; operator {id, name} or null (operator_known); shops [{id, name, orders}], shop_count,
  order_count.
The day of the check is not in the evidence (it is the finding's last run's day): evidence changes only when
what was found changes, so an unchanged finding found again writes nothing to the change log.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from ecredit import detection, policy
from ecredit.detection.names import normalise_name
from ecredit.detection.reviews import average_rank

from . import exporters

DAY = 86_400
# Evidence key whose list is compared when a decided finding is found again (None: never grows).
ITEMS = {"order_ring": "orders", "review_accounts": "ratings", "empty_parcel": "orders", "borrowed_name": None,
         "missing_licence": "orders", "unlicensed_channel": "shop_ids"}


@dataclass
class Candidate:
    """What a detector found, before it meets the findings already kept."""

    kind: str
    members: list
    subject_id: int | None
    platform_id: int | None
    title: str
    score: float
    evidence: dict
    involved: list[tuple[int, str]] = field(default_factory=list)


def _iso(value: np.datetime64) -> str | None:
    return None if np.isnat(value) else str(value.astype("datetime64[s]")) + "Z"


def _who(names: dict, sid: int | None) -> dict | None:
    """A subject as evidence names it; a person (an individual seller) by masked name, without ID number."""
    if sid is None or sid < 0:
        return None
    name, kind, code = names.get(int(sid), ("", "", ""))
    if kind == "person":
        name, code = policy.current().mask("person_name", name), ""
    return {"id": int(sid), "name": name, "kind": kind, "code": code}


# ------------------------------------------------------------------------------------------------ rings


def _spark_session():
    from django.conf import settings
    from pyspark.sql import SparkSession

    return (SparkSession.builder.master(getattr(settings, "FINDINGS_SPARK_MASTER", "") or "local[2]")
            .appName("ecredit-findings").config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4").config("spark.sql.adaptive.enabled", "false")
            .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
            .getOrCreate())


def _bucket(period) -> np.timedelta64 | None:
    return None if period is None else np.timedelta64(period.approx_days, "D")


def _find(method: str, engine: str, buyers: np.ndarray, shops: np.ndarray, times: np.ndarray, rule) -> list:
    """Rings of one platform by the chosen search (peeling: numpy or spark, the very same rings)."""
    if method == "significance":
        sig = rule.significance
        return detection.find_ring_candidates(buyers, shops, times.astype("datetime64[s]"),
                                              bucket=_bucket(sig.time_bucket), threshold=sig.threshold,
                                              margin=sig.margin, min_lift=sig.min_lift, max_window=sig.max_window,
                                              max_blocks=sig.max_blocks)
    peel = rule.peeling
    bucket = _bucket(peel.time_bucket)
    if bucket is None:
        times = None
    if engine == "spark":
        from ecredit.detection.spark_rings import find_rings_spark

        spark = _spark_session()
        secs = None if times is None else times.astype("datetime64[s]").astype(np.int64)
        rows = [(int(b), int(s), i, *(() if secs is None else (int(secs[i]),)))
                for i, (b, s) in enumerate(zip(buyers.tolist(), shops.tolist()))]
        schema = "buyer long, shop long, idx long" + ("" if secs is None else ", time long")
        df = spark.createDataFrame(rows, schema)
        return find_rings_spark(spark, df, blocks=peel.blocks_per_platform, times=times is not None,
                                bucket=None if bucket is None else int(bucket / np.timedelta64(1, "s")),
                                weighting=peel.weighting, margin=peel.margin, min_orders=2, index="idx")
    return detection.find_rings(buyers, shops, None if times is None else times.astype("datetime64[s]"),
                                blocks=peel.blocks_per_platform, bucket=bucket, weighting=peel.weighting,
                                margin=peel.margin, min_orders=2)


def ring_method(rule, engine: str) -> str:
    """The search a run uses: findings.yaml's, except that the Spark engine peels (its only search)."""
    return "peeling" if engine == "spark" else rule.method


def rings(cols: exporters.Orders, rule, engine: str = "numpy") -> tuple[list[Candidate], dict]:
    """Fake-order rings per platform (buyer pseudonyms belong to their platform)."""
    method = ring_method(rule, engine)
    found: list[tuple[int, Any, np.ndarray, np.ndarray, np.ndarray]] = []
    figures = {"orders": len(cols), "platforms": 0, "blocks": 0, "method": method}
    for pid in np.unique(cols.platform).tolist():
        idx = np.flatnonzero(cols.platform == pid)
        if len(idx) < rule.min_platform_orders:
            continue
        figures["platforms"] += 1
        buyer_ids, b = np.unique(cols.buyer[idx], return_inverse=True)
        b = b.reshape(-1).astype(np.int64)
        for ring in _find(method, engine, b, cols.shop[idx], cols.ordered_at[idx], rule):
            figures["blocks"] += 1
            found.append((pid, ring, idx, b, buyer_ids))
    kept = []
    for pid, ring, idx, b, buyer_ids in found:
        edges = np.asarray(ring.edges, dtype=np.int64)
        members_b, members_s = np.asarray(ring.buyers, dtype=np.int64), np.asarray(ring.shops, dtype=np.int64)
        cells = len(np.unique(b[edges] * (int(cols.shop[idx].max()) + 1) + cols.shop[idx][edges]))
        fill = cells / max(len(members_b) * len(members_s), 1)
        if len(members_b) < rule.min_buyers or len(edges) < rule.min_orders:
            continue
        if method == "peeling" and (ring.lift < rule.peeling.min_lift or fill < rule.peeling.min_fill):
            continue
        kept.append((pid, ring, idx, b, buyer_ids, edges, members_b, members_s, fill))
    names = exporters.subject_names({int(s) for k in kept for s in k[7]} | {k[0] for k in kept}
                                    | {int(s) for k in kept for s in cols.shop[k[2]][np.isin(k[3], k[6])]})
    out = []
    for pid, ring, idx, b, buyer_ids, edges, members_b, members_s, fill in kept:
        shop = cols.shop[idx]
        g = idx[edges]                                   # the ring's orders, as positions in `cols`
        ring_shop_orders = {int(s): int(n) for s, n in zip(*np.unique(cols.shop[g], return_counts=True))}
        buyer_orders = {int(c): int(n) for c, n in zip(*np.unique(b[edges], return_counts=True))}
        # Every order of the ring's buyers on this platform: the ring's, and camouflage at other shops.
        theirs = np.isin(b, members_b)
        pair_codes, pair_counts = np.unique(np.stack([b[theirs], shop[theirs]], axis=1), axis=0,
                                            return_counts=True) if theirs.any() else (np.empty((0, 2)), [])
        in_ring = set(members_s.tolist())
        edges_out = [{"buyer": str(buyer_ids[int(bc)]), "shop": int(sc), "orders": int(n),
                      "in_ring": int(sc) in in_ring} for (bc, sc), n in zip(pair_codes.tolist(), list(pair_counts))]
        others: dict[int, int] = defaultdict(int)
        for e in edges_out:
            if not e["in_ring"]:
                others[e["shop"]] += e["orders"]
        main = max(ring_shop_orders.items(), key=lambda kv: (kv[1], -kv[0]))[0]
        times = cols.ordered_at[g]
        peeled = method == "peeling"
        baseline = ring.score / ring.lift if ring.lift and peeled else None
        order_nos = sorted(cols.order_no[g].tolist())
        shop_orders: dict[str, list[str]] = defaultdict(list)
        shop_amount: dict[str, float] = defaultdict(float)
        for s, no, amount in sorted(zip(cols.shop[g].tolist(), cols.order_no[g].tolist(), cols.amount[g].tolist())):
            shop_orders[str(s)].append(no)
            shop_amount[str(s)] += 0.0 if amount != amount else amount
        evidence = {
            "platform": _who(names, pid),
            "buyers": sorted(({"id": str(buyer_ids[c]), "orders": n} for c, n in buyer_orders.items()),
                             key=lambda x: (-x["orders"], x["id"])),
            "shops": sorted(({**_who(names, s), "orders": n} for s, n in ring_shop_orders.items()),
                            key=lambda x: (-x["orders"], x["id"])),
            "other_shops": sorted(({**_who(names, s), "orders": n} for s, n in others.items()),
                                  key=lambda x: (-x["orders"], x["id"])),
            "edges": edges_out, "orders": order_nos, "order_count": len(order_nos),
            "shop_orders": dict(shop_orders), "shop_amounts": {k: round(v, 2) for k, v in shop_amount.items()},
            "amount": round(float(np.nansum(cols.amount[g])), 2),
            "start": _iso(times.min()), "end": _iso(times.max()),
            "method": method, "score": round(float(ring.score), 6),
            "density": round(float(ring.score), 6) if peeled else None,
            "baseline": None if baseline is None else round(float(baseline), 6),
            "significance": None if peeled else round(float(ring.score), 3),
            "lift": round(float(ring.lift), 4), "fill": round(float(fill), 4), "engine": engine,
            "time_bucket": str(rule.peeling.time_bucket or "") or None if peeled
            else str(rule.significance.time_bucket),
        }
        if peeled:
            title = _("{platform}：{buyers}个买家集中向{shops}家网店下单{orders}笔（密度为平台平均的{lift:.1f}倍）")
        else:
            title = _("{platform}：{buyers}个买家集中向{shops}家网店下单{orders}笔（为随机预期的{lift:.0f}倍）")
        title = title.format(platform=evidence["platform"]["name"], buyers=len(members_b), shops=len(members_s),
                             orders=len(order_nos), lift=ring.lift)
        out.append(Candidate("order_ring", ["platform", pid, "shops", sorted(in_ring)], main, pid, title,
                             float(ring.score), evidence,
                             [(s, "ring_shop") for s in sorted(in_ring) if s != main]))
    figures["findings"] = len(out)
    return out, figures


# ---------------------------------------------------------------------------------------------- reviews


@dataclass
class ReviewTable:
    """The review graph of a window as the classifier sees it: account features and each rating's account."""

    accounts: Any                       # detection Features, ids "platform:buyer" (sorted)
    users: np.ndarray                   # per rating, the account key


def review_table(cols: exporters.Ratings, rule) -> ReviewTable | None:
    """Account features of the window's ratings (None when there are none)."""
    if len(cols) == 0:
        return None
    users = np.char.add(np.char.add(cols.platform.astype(str), ":"), cols.buyer)
    values = np.zeros(len(cols))
    for name, value in rule.values.items():
        values[cols.value == name] = value
    accounts = detection.review_features(users, cols.shop, ratings=values, times=cols.rated_at,
                                         burst_window=float(rule.burst_window.approx_days * DAY))
    return ReviewTable(accounts, users)


def reviews(cols: exporters.Ratings, rule, model=None) -> tuple[list[Candidate], dict]:
    """Shops whose reviews in one direction come largely from accounts suspicious in that direction. `model`:
    the active ReviewModel (its probability decides which accounts are suspicious), or None (the
    unsupervised rule of findings.yaml)."""
    figures: dict[str, Any] = {"ratings": len(cols), "accounts": 0, "suspicious": 0, "model": None}
    table = review_table(cols, rule)
    if table is None:
        figures["findings"] = 0
        return [], figures
    acc = table.accounts
    figures["accounts"] = len(acc.ids)
    supervised = None
    if model is not None:
        from .training import score_accounts

        supervised = score_accounts(model, acc)
        if supervised is not None:
            figures["model"] = model.pk
    scores, masks, cuts = {}, {}, {}
    for direction, columns in rule.signals.items():
        unsup = detection.unsupervised_score(acc, [c for c in columns if c in acc.names])
        cuts[direction] = float(np.quantile(unsup, 1.0 - rule.top_share))
        scores[direction] = unsup
        masks[direction] = (unsup >= rule.min_score) & (unsup >= cuts[direction]) if supervised is None \
            else supervised >= rule.supervised.threshold
    figures["suspicious"] = {d: int(m.sum()) for d, m in masks.items()}
    signal_names = detection.account_signals(acc)
    cols_at = [acc.names.index(n) for n in signal_names]
    oriented = np.column_stack([average_rank(acc.values[:, j]) if acc.directions[j] > 0
                                else 1.0 - average_rank(acc.values[:, j]) for j in cols_at])
    u = np.searchsorted(acc.ids, table.users)
    degree = np.bincount(u, minlength=len(acc.ids))
    shop_total = defaultdict(int, {int(s): int(n) for s, n in zip(*np.unique(cols.shop, return_counts=True))})
    out = []
    picked = []
    for direction, value in (("positive", "good"), ("negative", "bad")):
        sel = masks[direction][u] & (cols.value == value)
        for sid in np.unique(cols.shop[sel]).tolist():
            rows = np.flatnonzero(sel & (cols.shop == sid))
            accounts = np.unique(u[rows])
            if len(accounts) < rule.min_accounts or len(rows) / shop_total[sid] < rule.min_share:
                continue
            picked.append((direction, sid, rows, accounts))
    names = exporters.subject_names({p[1] for p in picked} | set(cols.platform.tolist()))
    for direction, sid, rows, accounts in picked:
        unsup = scores[direction]
        score_of = supervised if supervised is not None else unsup
        order = sorted(accounts.tolist(), key=lambda a: (-float(score_of[a]), str(acc.ids[a])))
        per_account = defaultdict(int, {int(a): int(n) for a, n in zip(*np.unique(u[rows], return_counts=True))})
        shown = []
        for a in order[:rule.max_accounts_shown]:
            shown.append({
                "buyer": str(acc.ids[a]).partition(":")[2], "score": round(float(unsup[a]), 4),
                "supervised": None if supervised is None else round(float(supervised[a]), 4),
                "reviews": int(degree[a]), "reviews_of_shop": per_account[a],
                "signals": {n: round(float(acc.values[a, j]), 4) for n, j in zip(signal_names, cols_at)},
                "strong": [n for k, n in enumerate(signal_names) if oriented[a, k] >= 0.9]})
        pid = int(cols.platform[rows[0]])
        times = cols.rated_at[rows]
        pattern = "paid_positive" if direction == "positive" else "malicious_negative"
        evidence = {
            "platform": _who(names, pid), "shop": _who(names, sid), "direction": direction, "pattern": pattern,
            "accounts": shown, "account_count": len(accounts),
            "ratings": sorted(int(r) for r in cols.id[rows]), "orders": sorted(cols.order_no[rows].tolist()),
            "review_count": len(rows), "shop_reviews": shop_total[sid],
            "share": round(len(rows) / shop_total[sid], 4), "start": _iso(times.min()), "end": _iso(times.max()),
            "thresholds": {"min_score": rule.min_score, "top_share": rule.top_share,
                           "cut": round(cuts[direction], 4), "signals": list(rule.signals[direction]),
                           "supervised": None if supervised is None else rule.supervised.threshold},
            "model": figures["model"]}
        words = _("好评") if direction == "positive" else _("差评")
        title = _("{shop}：{accounts}个可疑账号集中给出{words}{n}条（占该店评价的{share:.0%}）").format(
            shop=evidence["shop"]["name"], accounts=len(accounts), words=words, n=len(rows),
            share=len(rows) / shop_total[sid])
        out.append(Candidate("review_accounts", ["shop", sid, direction], sid, pid, title,
                             round(float(np.mean(score_of[accounts])), 6), evidence))
    figures["findings"] = len(out)
    return out, figures


# ---------------------------------------------------------------------------------------------- parcels


def _scan_summaries(scans: dict, wanted: set) -> dict[str, dict]:
    """Per waybill of `wanted`: how many scans, the kinds in time order (repeats collapsed), first and last."""
    nos = np.asarray(scans.get("waybill_no", []), dtype=str)
    if not wanted or len(nos) == 0:
        return {}
    keep = np.flatnonzero(np.isin(nos, list(wanted)))
    times = np.asarray(scans["time"])[keep].astype("datetime64[s]")
    order = keep[np.lexsort((times, nos[keep]))]
    out: dict[str, dict] = {}
    kinds, cities = np.asarray(scans["kind"], dtype=str), np.asarray(scans["city"], dtype=str)
    all_times = np.asarray(scans["time"]).astype("datetime64[s]")
    for i in order.tolist():
        s = out.setdefault(str(nos[i]), {"count": 0, "kinds": [], "first": None, "last": None})
        s["count"] += 1
        if not s["kinds"] or s["kinds"][-1] != kinds[i]:
            s["kinds"].append(str(kinds[i]))
        point = {"time": _iso(all_times[i]), "city": str(cities[i])}
        s["first"] = s["first"] or point
        s["last"] = point
    return out


def parcels(tables: tuple[dict, dict, dict], orders: exporters.ParcelOrders, rule) -> tuple[list[Candidate], dict]:
    """Shops whose orders' waybills hit the empty-parcel rules."""
    waybills, scans, history = tables
    figures = {"waybills": len(waybills.get("waybill_no", [])), "scans": len(scans.get("waybill_no", [])),
               "orders": len(orders.order_id), "hits": 0}
    if len(orders.order_id) == 0 or figures["waybills"] == 0:
        figures["findings"] = 0
        return [], figures
    w_order = np.asarray(waybills["order_id"], dtype=str)
    w_dest = np.asarray(waybills["destination"], dtype=str)
    city = orders.city.copy()
    # A delivery region the platform did not send: the waybill's destination city stands in for it.
    sort = np.argsort(w_order, kind="stable")
    pos = np.minimum(np.searchsorted(w_order[sort], orders.order_id), max(len(w_order) - 1, 0))
    found = w_order[sort][pos] == orders.order_id
    fill = (city == "") & found
    city[fill] = w_dest[sort][pos][fill]
    table = {"order_id": orders.order_id, "shop": orders.shop, "paid_at": orders.paid_at,
             "goods_weight": orders.goods_weight, "city": city, "buyer": orders.buyer}
    has_history = history is not None and len(history.get("transit", [])) > 0
    hits = detection.find_empty_parcels(
        table, waybills, scans, history=history if has_history else None, rules=rule.rules,
        hub_kinds=rule.hub_kinds, signed_kinds=rule.signed_kinds, quantile=rule.quantile,
        median_floor=rule.median_floor, fast_ratio=rule.fast_ratio, min_history=rule.min_history,
        weight_ratio=rule.weight_ratio, min_goods_weight=rule.min_goods_weight_kg,
        merge_window=float(rule.merge_window.approx_days * DAY), grace=rule.grace_hours * 3600.0,
        dominant_share=rule.dominant_share, min_shop_waybills=rule.min_shop_waybills)
    index = {oid: i for i, oid in enumerate(orders.order_id.tolist())}
    unknown_city = {oid for oid, c in zip(orders.order_id.tolist(), city.tolist()) if not c}
    hits = [h for h in hits if not (h.rule == "no_hub_scan" and h.order_id in unknown_city)]
    figures["hits"] = len(hits)
    carrier_of = dict(zip(np.asarray(waybills["waybill_no"], dtype=str).tolist(),
                          np.asarray(waybills.get("carrier", np.zeros(len(w_order))), dtype=np.int64).tolist()))
    by_shop: dict[int, list] = defaultdict(list)
    for h in hits:
        by_shop[int(orders.shop[index[h.order_id]])].append(h)
    waybilled = defaultdict(int)
    for oid in set(w_order.tolist()):
        if oid in index:
            waybilled[int(orders.shop[index[oid]])] += 1
    chosen = {s: hs for s, hs in by_shop.items() if len({h.order_id for h in hs}) >= rule.min_hits}
    summaries = _scan_summaries(scans, {str(h.waybill_no) for hs in chosen.values() for h in hs})
    names = exporters.subject_names(set(chosen) | {int(orders.platform[index[hs[0].order_id]])
                                                   for hs in chosen.values()}
                                    | {c for hs in chosen.values() for h in hs
                                       if (c := carrier_of.get(str(h.waybill_no), 0)) > 0})
    out = []
    for sid, hs in sorted(chosen.items()):
        pid = int(orders.platform[index[hs[0].order_id]])
        hit_orders = sorted({h.order_id for h in hs})
        carriers = sorted({c for h in hs if (c := carrier_of.get(str(h.waybill_no), 0)) > 0})
        rules: dict[str, int] = defaultdict(int)
        for h in hs:
            rules[h.rule] += 1
        shown = [{"rule": h.rule, "order": str(h.order_id).partition("/")[2], "order_id": h.order_id,
                  "waybill": str(h.waybill_no), "carrier": carrier_of.get(str(h.waybill_no)) or None,
                  "figures": h.evidence, "scans": summaries.get(str(h.waybill_no))}
                 for h in hs[:rule.max_hits_shown]]
        share = len(hit_orders) / max(waybilled[sid], 1)
        evidence = {"platform": _who(names, pid), "shop": _who(names, sid), "hits": shown, "rules": dict(rules),
                    "orders": hit_orders, "order_count": len(hit_orders),
                    "waybill_count": len({h.waybill_no for h in hs}), "shop_waybill_orders": waybilled[sid],
                    "share": round(share, 4), "carriers": [_who(names, c) for c in carriers]}
        title = _("{shop}：{n}笔订单的运单疑似空包裹（{rules}）").format(
            shop=evidence["shop"]["name"], n=len(hit_orders), rules="、".join(sorted(rules)))
        out.append(Candidate("empty_parcel", ["shop", sid], sid, pid, title, round(share, 6), evidence,
                             [(c, "carrier") for c in carriers]))
    figures["findings"] = len(out)
    return out, figures


# ------------------------------------------------------------------------------------------------ names


def names(cols: exporters.Names, rule) -> tuple[list[Candidate], dict]:
    """Shops (and their operating companies) whose names match an organisation they are not linked to."""
    subjects = cols.shop.tolist()
    subject_names = list(cols.shop_name)
    links = [(s, o) for s, o in zip(subjects, cols.shop_operator.tolist()) if o >= 0]
    links += [(s, p) for s, p in zip(subjects, cols.shop_platform.tolist()) if p >= 0]
    org_index = {o: i for i, o in enumerate(cols.org.tolist())}
    if rule.check_operators:
        operators = sorted({o for o in cols.shop_operator.tolist() if o in org_index})
        subjects += operators
        subject_names += [cols.org_name[org_index[o]] for o in operators]
        links += [(o, o) for o in operators]
    hits = detection.borrowed_names(subjects, subject_names, cols.org.tolist(), cols.org_name, links=links,
                                    threshold=rule.threshold, max_candidates=rule.max_candidates)
    shop_index = {s: i for i, s in enumerate(cols.shop.tolist())}
    out = []
    for h in hits:
        sid, org = int(h.subject), int(h.evidence["organisation"])
        i = shop_index.get(sid)
        operator = int(cols.shop_operator[i]) if i is not None and cols.shop_operator[i] >= 0 else None
        platform = int(cols.shop_platform[i]) if i is not None and cols.shop_platform[i] >= 0 else None
        o = org_index[org]
        evidence = {"name": h.evidence["name"],
                    "subject": {"id": sid, "name": h.evidence["name"], "kind": "shop" if i is not None
                                else "organisation"},
                    "organisation": {"id": org, "name": cols.org_name[o], "uscc": cols.org_uscc[o]},
                    "similarity": h.score, "reason": h.reason, "normalised": h.evidence["normalised"],
                    "organisation_normalised": h.evidence["organisation_normalised"],
                    "threshold": h.evidence["threshold"], "linked_to": h.evidence["linked_to"],
                    "operator": operator, "platform": platform}
        title = _("“{name}”与已登记企业“{org}”名称相似（{sim:.0%}），且无关联关系").format(
            name=h.evidence["name"], org=cols.org_name[o], sim=h.score)
        involved = [(org, "name_owner")] + ([(operator, "operator")] if operator else [])
        out.append(Candidate("borrowed_name", ["subject", sid, "organisation", org], sid, platform, title,
                             float(h.score), evidence, involved))
    return out, {"shops": len(cols.shop), "organisations": len(cols.org), "checked": len(subjects),
                 "findings": len(out)}


# --------------------------------------------------------------------------------------------- licences


def _problem(states: list[dict]) -> str:
    problems = [s.get("problem") or "" for s in states]
    if not problems:
        return "none_held"
    if any(p == "revoked" for p in problems):
        return "revoked"
    if any(p.startswith("expired") for p in problems):
        return "expired"
    return "not_yet_valid"


def licences(cats: exporters.Categories, rows: exporters.LicenceRows, operators: dict[int, int], rule,
             on: dt.date, category_names: dict[str, str]) -> tuple[list[Candidate], dict]:
    """Shops selling key goods without a valid licence of a required type (held by them or their operator)."""
    required = {code: list(c.licences) for code, c in rule.categories.items()}
    held = []
    for holder, name, number, start, end, revoked in zip(rows.holder, rows.name, rows.number, rows.valid_from,
                                                         rows.valid_until, rows.revoked):
        for code, lic in rule.licence_types.items():
            if any(n in name for n in lic.names):
                held.append(detection.Licence(holder, code, number, start, end, revoked))
    counts = {(int(s), str(c)): (int(n), nos, int(p)) for s, c, n, nos, p in
              zip(cats.shop.tolist(), cats.category.tolist(), cats.orders.tolist(), cats.order_nos,
                  cats.platform.tolist())}
    pairs = [key for key, (n, _nos, _p) in counts.items() if key[1] in required and n >= rule.min_orders]
    hits = detection.missing_licences(pairs, required, held, on=on, operators=operators)
    who = exporters.subject_names({int(h.subject) for h in hits} | {p for _n, _nos, p in counts.values()}
                                  | {operators[int(h.subject)] for h in hits if int(h.subject) in operators})
    out = []
    for h in hits:
        sid, category = int(h.subject), h.evidence["category"]
        n, nos, pid = counts[(sid, category)]
        found = [{**lic, "name": rule.licence_types[lic["kind"]].name.zh} for lic in h.evidence["licences"]]
        operator = operators.get(sid)
        evidence = {"platform": _who(who, pid), "shop": _who(who, sid), "category": category,
                    "category_name": category_names.get(category, category),
                    "required": [{"code": c, "name": rule.licence_types[c].name.zh} for c in required[category]],
                    "licences": found, "problem": _problem(found), "reason": h.reason,
                    "orders": sorted(nos), "order_count": n, "operator": _who(who, operator)}
        title = _("{shop}：销售{category}类商品{n}笔，未见有效的{licences}").format(
            shop=evidence["shop"]["name"], category=evidence["category_name"], n=n,
            licences="或".join(r["name"] for r in evidence["required"]))
        out.append(Candidate("missing_licence", ["shop", sid, "category", category], sid, pid, title, 1.0,
                             evidence, [(operator, "operator")] if operator else []))
    return out, {"shop_categories": len(counts), "checked": len(pairs), "licences": len(held),
                 "findings": len(out)}


# --------------------------------------------------------------------------------------------- channels


def _valid(day: dt.date, start: str | None, end: str | None) -> bool:
    try:
        return (start is None or dt.date.fromisoformat(start) <= day) and \
            (end is None or day <= dt.date.fromisoformat(end))
    except ValueError:
        return False


def channels(cols: exporters.Orders, licensed_rows: list[tuple[int, str, str | None, str | None]], rule,
             on: dt.date, operators_by_name: dict[str, int]) -> tuple[list[Candidate], dict]:
    """Payment channels that are not licensed payment institutions, per platform and channel."""
    usage: dict[tuple[int, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for pid, sid, channel in zip(cols.platform.tolist(), cols.shop.tolist(), cols.channel.tolist()):
        if channel and channel not in rule.exempt:
            usage[(pid, channel)][sid] += 1
    licensed: dict[str, str | None] = {name: None for name in rule.known_licensed}
    holders: set[int] = set()
    for sid, name, start, end in licensed_rows:
        if _valid(on, start, None):
            # An institution holding several licences is licensed until the latest of them ends.
            previous = licensed.get(name, "")
            licensed[name] = None if end is None or previous is None else max(end, previous or end)
        if _valid(on, start, end):
            holders.add(sid)
    out = []
    hits = []
    for (pid, channel), shops in sorted(usage.items()):
        orders = sum(shops.values())
        if orders < rule.min_orders:
            continue
        if channel in rule.platform_operated:
            if pid not in holders:
                hits.append((pid, channel, shops, _("平台自有支付工具"), _("平台未持有有效的支付业务许可"),
                             "not_licensed", None, 0.0, pid))
            continue
        name = rule.institutions.get(channel, channel)
        found = detection.unlicensed_channels([(pid, name)], licensed, on=on, threshold=rule.similarity)
        if not found:
            continue
        h = found[0]
        problem = "expired" if "expired" in h.reason else "not_licensed"
        reason = (_("支付业务许可已于{day}到期").format(day=h.reason.rpartition(" ")[2]) if problem == "expired"
                  else _("不是持牌支付机构；名称近似持牌机构“{name}”").format(name=h.evidence["resembles"])
                  if h.evidence.get("resembles") else _("不是持牌支付机构"))
        operator = operators_by_name.get(normalise_name(name))
        hits.append((pid, channel, shops, name, reason, problem, h.evidence.get("resembles"),
                     float(h.evidence.get("similarity") or 0.0), operator))
    who = exporters.subject_names({h[0] for h in hits} | {h[8] for h in hits if h[8]}
                                  | {s for h in hits for s in h[2]})
    for pid, channel, shops, name, reason, problem, resembles, similarity, operator in hits:
        ranked = sorted(shops.items(), key=lambda kv: (-kv[1], kv[0]))
        evidence = {"platform": _who(who, pid), "channel": channel, "channel_name": name or channel,
                    "reason": reason, "problem": problem, "resembles": resembles, "similarity": round(similarity, 4),
                    "operator": _who(who, operator), "operator_known": operator is not None,
                    "shops": [{**_who(who, s), "orders": n} for s, n in ranked[:rule.max_shops_shown]],
                    "shop_ids": [str(s) for s, _n in ranked], "shop_count": len(shops),
                    "order_count": sum(shops.values())}
        subject = operator or pid
        title = _("{platform}：{n}家网店经支付渠道“{channel}”收款，{reason}").format(
            platform=evidence["platform"]["name"], n=len(shops), channel=name or channel, reason=reason)
        involved = ([(pid, "platform")] if subject != pid else []) + \
            [(s, "uses_channel") for s, _n in ranked[:rule.max_shops_shown]]
        out.append(Candidate("unlicensed_channel", ["platform", pid, "channel", channel], subject, pid, title,
                             1.0, evidence, involved))
    return out, {"channels": len(usage), "findings": len(out)}
