"""A fake-order ring drawn as a bipartite graph, as server-side SVG text (no Django, no script, nothing fetched).

Buyers stand in a column on the left, shops on the right: the ring's shops on top, highlighted, and the shops
outside the ring that its buyers also ordered from (camouflage) below them, greyed. A line joins a buyer to a
shop it ordered from, as wide as the number of orders. Nodes are ordered by the barycentre heuristic
(Sugiyama et al. 1981): each side in turn sorted by the mean position of its neighbours on the other side,
keeping the order with the fewest crossings, so the dense block reads as a band and camouflage lines fan out
below it. Every input is sorted first and every tie broken by id: the same graph always gives the same bytes.

Large rings are capped (the buyers and shops with most orders in the ring are drawn) and the drawing says how
many were left out. Every text is escaped and stripped of characters XML cannot hold; each node and line has
a <title> for tooltips and screen readers. Labels are Chinese by default; the console passes them translated.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from xml.sax.saxutils import escape

import numpy as np

__all__ = ["LABELS", "RingLayout", "crossings", "ring_layout", "ring_svg"]

FONT = "'Noto Sans CJK SC', 'Noto Sans SC', 'Microsoft YaHei', sans-serif"
RING = "#b3261e"
OTHER = "#9aa5b1"
BUYER = "#0b5cad"
INK = "#1f2933"
MUTED = "#616e7c"

# Default texts (zh-Hans); the console passes the same keys through gettext. `{…}` are str.format fields.
LABELS = {
    "title": "刷单团伙关系图",
    "summary": "买家 {buyers} 个 · 网店 {shops} 个（团伙网店 {ring} 个）· 订单 {orders} 笔",
    "hidden": "为保持可读，另有 {buyers} 个买家、{shops} 个网店（{orders} 笔订单）未画出",
    "buyers": "买家（平台化名）",
    "shops": "网店",
    "ring_shop": "团伙网店",
    "other_shop": "团伙外网店（伪装订单）",
    "width": "线宽：订单笔数",
    "buyer_tip": "买家 {id} · {orders} 笔订单",
    "shop_tip": "{kind} {name}（{id}）· 团伙买家订单 {orders} 笔",
    "edge_tip": "{buyer} → {shop} · {orders} 笔订单",
    "empty": "没有可画出的订单",
}

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def _text(value: object) -> str:
    """Element text: characters XML 1.0 cannot carry removed, markup escaped."""
    return escape(_CONTROL.sub("", str(value)))


def _attr(value: object) -> str:
    return escape(_CONTROL.sub("", str(value)), {'"': "&quot;", "\n": " ", "\r": " ", "\t": " "})


def _short(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[:limit - 1] + "…"


def _count(value: object) -> int:
    """A non-negative whole number of orders from whatever the evidence holds."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0
    return int(number) if math.isfinite(number) and number > 0 else 0


@dataclass(frozen=True)
class RingLayout:
    """Where everything goes: drawn buyers and shops in drawing order (top to bottom), edges as index pairs
    into them, and what the caps left out. `buyers`: (id, orders); `shops`: (id, name, in_ring, orders)."""

    buyers: list[tuple[str, int]]
    shops: list[tuple[str, str, bool, int]]
    edges: list[tuple[int, int, int]]       # (buyer index, shop index, orders)
    total_buyers: int
    total_shops: int
    ring_shops: int
    total_orders: int
    hidden_buyers: int
    hidden_shops: int
    hidden_orders: int


def _normalise(graph: Mapping) -> tuple[dict[str, int], dict[str, tuple[str, bool]], dict[tuple[str, str], int]]:
    """Buyers' order counts, shops' (name, in_ring) and orders per (buyer, shop), keyed by string ids."""
    edges: dict[tuple[str, str], int] = {}
    for edge in graph.get("edges") or ():
        key = (str(edge.get("buyer", "")), str(edge.get("shop", "")))
        edges[key] = edges.get(key, 0) + _count(edge.get("orders", 1))
    edges = {k: v for k, v in edges.items() if v > 0}
    shops: dict[str, tuple[str, bool]] = {}
    for shop in graph.get("shops") or ():
        sid = str(shop.get("id", ""))
        name = shop.get("name")
        shops.setdefault(sid, (str(name) if name not in (None, "") else sid, bool(shop.get("in_ring"))))
    buyers: dict[str, int] = {}
    for buyer in graph.get("buyers") or ():
        bid = str(buyer.get("id", ""))
        buyers[bid] = max(buyers.get(bid, 0), _count(buyer.get("orders", 0)))
    for (b, s), n in edges.items():   # an edge names its ends even when the lists forgot them
        shops.setdefault(s, (s, False))
        buyers.setdefault(b, 0)
    edge_sum: dict[str, int] = {}
    for (b, _s), n in edges.items():
        edge_sum[b] = edge_sum.get(b, 0) + n
    buyers = {b: max(n, edge_sum.get(b, 0)) for b, n in buyers.items()}
    return buyers, shops, edges


def crossings(buyer_pos: np.ndarray, shop_pos: np.ndarray, edge_b: np.ndarray, edge_s: np.ndarray) -> int:
    """Number of pairs of edges that cross, with both columns drawn in the given positions (edges sharing an
    end only touch). Counted on the buyer x shop matrix of edges in O(buyers x shops), not over edge pairs."""
    if len(edge_b) < 2:
        return 0
    _, rb = np.unique(np.asarray(buyer_pos, dtype=np.float64)[edge_b], return_inverse=True)
    _, rs = np.unique(np.asarray(shop_pos, dtype=np.float64)[edge_s], return_inverse=True)
    counts = np.zeros((int(rb.max()) + 1, int(rs.max()) + 1), dtype=np.int64)
    np.add.at(counts, (rb.reshape(-1), rs.reshape(-1)), 1)
    # above[b, s]: edges from buyers drawn above b to shops drawn below s; each crosses every edge (b, s).
    below = np.cumsum(counts[:, ::-1], axis=1)[:, ::-1]
    below = np.concatenate([below[:, 1:], np.zeros((counts.shape[0], 1), dtype=np.int64)], axis=1)
    above = np.cumsum(below, axis=0) - below
    return int((counts * above).sum())


def _sorted_by(keys: list[np.ndarray]) -> np.ndarray:
    """Indices sorted by the keys, first key primary (np.lexsort takes the primary key last)."""
    return np.lexsort(tuple(reversed(keys)))


def ring_layout(graph: Mapping, *, max_buyers: int = 60, max_shops: int = 16, sweeps: int = 8) -> RingLayout:
    """The drawing order of a ring's buyers and shops (ring shops above the others), the caps applied."""
    buyers, shops, edges = _normalise(graph)
    ring_total = sum(1 for _name, ring in shops.values() if ring)
    shop_orders: dict[str, int] = {}
    ring_orders: dict[str, int] = {}
    for (b, s), n in edges.items():
        shop_orders[s] = shop_orders.get(s, 0) + n
        if shops[s][1]:
            ring_orders[b] = ring_orders.get(b, 0) + n
    # Caps: ring shops before the others, then the shops with most orders; buyers with most ring orders.
    shop_ids = sorted(shops, key=lambda s: (not shops[s][1], -shop_orders.get(s, 0), s))[:max(max_shops, 0)]
    kept_shops = set(shop_ids)
    buyer_ids = sorted(buyers, key=lambda b: (-ring_orders.get(b, 0), -buyers[b], b))[:max(max_buyers, 0)]
    kept_buyers = set(buyer_ids)
    drawn = sorted((b, s, n) for (b, s), n in edges.items() if b in kept_buyers and s in kept_shops)
    total_orders = sum(edges.values())

    nb, ns = len(buyer_ids), len(shop_ids)
    bi = {b: i for i, b in enumerate(buyer_ids)}
    si = {s: j for j, s in enumerate(shop_ids)}
    eb = np.array([bi[b] for b, _s, _n in drawn], dtype=np.int64)
    es = np.array([si[s] for _b, s, _n in drawn], dtype=np.int64)
    ew = np.array([n for _b, _s, n in drawn], dtype=np.float64)
    group = np.array([0 if shops[s][1] else 1 for s in shop_ids], dtype=np.int64)
    id_rank_b = np.arange(nb)   # buyer_ids and shop_ids are already in a deterministic order
    id_rank_s = np.arange(ns)

    def place(order: np.ndarray) -> np.ndarray:
        pos = np.empty(len(order), dtype=np.float64)
        pos[order] = np.arange(len(order), dtype=np.float64)
        return pos

    def bary(own: int, other_pos: np.ndarray, ends_own: np.ndarray, ends_other: np.ndarray,
             fallback: np.ndarray) -> np.ndarray:
        total = np.bincount(ends_own, weights=ew, minlength=own)
        pull = np.bincount(ends_own, weights=ew * other_pos[ends_other], minlength=own)
        return np.where(total > 0, pull / np.maximum(total, 1e-12), fallback)

    shop_pos = place(_sorted_by([group, id_rank_s]))
    buyer_pos = place(_sorted_by([-np.bincount(eb, weights=ew, minlength=nb), id_rank_b]))
    best = (crossings(buyer_pos, shop_pos, eb, es), buyer_pos, shop_pos)
    for _ in range(max(sweeps, 0)):
        # Buyers without a drawn edge keep their place relative to the others (fallback: their position).
        b_key = bary(nb, shop_pos, eb, es, fallback=buyer_pos * (ns / max(nb, 1)))
        buyer_pos = place(_sorted_by([b_key, id_rank_b]))
        s_key = bary(ns, buyer_pos, es, eb, fallback=shop_pos * (nb / max(ns, 1)))
        shop_pos = place(_sorted_by([group, s_key, id_rank_s]))
        score = crossings(buyer_pos, shop_pos, eb, es)
        if score < best[0]:
            best = (score, buyer_pos, shop_pos)
    _, buyer_pos, shop_pos = best
    b_order = np.argsort(buyer_pos, kind="stable")
    s_order = np.argsort(shop_pos, kind="stable")
    b_new = place(b_order).astype(np.int64)
    s_new = place(s_order).astype(np.int64)
    return RingLayout(
        buyers=[(buyer_ids[i], buyers[buyer_ids[i]]) for i in b_order],
        shops=[(shop_ids[j], shops[shop_ids[j]][0], shops[shop_ids[j]][1], shop_orders.get(shop_ids[j], 0))
               for j in s_order],
        edges=[(int(b_new[b]), int(s_new[s]), int(n)) for b, s, n in zip(eb, es, ew)],
        total_buyers=len(buyers), total_shops=len(shops), ring_shops=ring_total, total_orders=total_orders,
        hidden_buyers=len(buyers) - nb, hidden_shops=len(shops) - ns,
        hidden_orders=total_orders - int(ew.sum()))


def ring_svg(graph: Mapping, *, max_buyers: int = 60, max_shops: int = 16, labels: Mapping[str, str] | None = None,
             width: int = 760) -> str:
    """The ring as inline SVG markup (a string safe to put in a page as is)."""
    text = {**LABELS, **(labels or {})}
    lay = ring_layout(graph, max_buyers=max_buyers, max_shops=max_shops)
    title = text["title"]
    head = [f'<text x="0" y="16" font-weight="bold" font-size="14">{_text(title)}</text>',
            f'<text x="0" y="34" fill="{MUTED}">' + _text(text["summary"].format(
                buyers=lay.total_buyers, shops=lay.total_shops, ring=lay.ring_shops, orders=lay.total_orders))
            + "</text>"]
    top = 48
    if lay.hidden_buyers or lay.hidden_shops:
        head.append(f'<text x="0" y="52" fill="{RING}" class="ring-hidden">' + _text(text["hidden"].format(
            buyers=lay.hidden_buyers, shops=lay.hidden_shops, orders=lay.hidden_orders)) + "</text>")
        top = 66
    if not lay.buyers or not lay.shops:
        head.append(f'<text x="0" y="{top + 16}" fill="{MUTED}">{_text(text["empty"])}</text>')
        return _svg(width, top + 30, title, head)

    row = 15.0
    plot = max(len(lay.buyers) * row, len(lay.shops) * 30.0, 90.0)
    top += 22   # column headings
    xb, xs = 150.0, float(width - 240)
    yb = [top + (i + 0.5) * plot / len(lay.buyers) for i in range(len(lay.buyers))]
    ys = [top + (j + 0.5) * plot / len(lay.shops) for j in range(len(lay.shops))]
    body = head + [
        f'<text x="{xb:.1f}" y="{top - 8:.1f}" text-anchor="end" font-weight="bold">{_text(text["buyers"])}</text>',
        f'<text x="{xs:.1f}" y="{top - 8:.1f}" font-weight="bold">{_text(text["shops"])}</text>']

    peak = max([n for _b, _s, n in lay.edges] + [1])
    mid = (xb + xs) / 2
    lines = []
    for b, s, n in sorted(lay.edges, key=lambda e: (lay.shops[e[1]][2], e[0], e[1])):   # ring lines on top
        bid, name, ring = lay.buyers[b][0], lay.shops[s][1], lay.shops[s][2]
        stroke, opacity = (RING, "0.55") if ring else (OTHER, "0.6")
        tip = text["edge_tip"].format(buyer=bid, shop=name, orders=n)
        lines.append(f'<path d="M{xb + 5:.1f} {yb[b]:.1f} C{mid:.1f} {yb[b]:.1f} {mid:.1f} {ys[s]:.1f} '
                     f'{xs - 8:.1f} {ys[s]:.1f}" fill="none" stroke="{stroke}" stroke-opacity="{opacity}" '
                     f'stroke-width="{0.8 + 3.6 * math.sqrt(n / peak):.2f}"><title>{_text(tip)}</title></path>')
    body.append('<g class="ring-edges">' + "".join(lines) + "</g>")

    nodes = []
    for i, (bid, orders) in enumerate(lay.buyers):
        tip = text["buyer_tip"].format(id=bid, orders=orders)
        nodes.append(f'<g class="ring-buyer"><title>{_text(tip)}</title>'
                     f'<circle cx="{xb:.1f}" cy="{yb[i]:.1f}" r="4" fill="{BUYER}"/>'
                     f'<text x="{xb - 8:.1f}" y="{yb[i] + 4:.1f}" text-anchor="end" font-size="11">'
                     f'{_text(_short(bid, 16))}</text></g>')
    shop_peak = max([o for *_x, o in lay.shops] + [1])
    for j, (sid, name, ring, orders) in enumerate(lay.shops):
        kind = text["ring_shop"] if ring else text["other_shop"]
        tip = text["shop_tip"].format(kind=kind, name=name, id=sid, orders=orders)
        fill, ink, weight = (RING, INK, "bold") if ring else ("#cbd2d9", MUTED, "normal")
        nodes.append(f'<g class="{"ring-shop" if ring else "other-shop"}"><title>{_text(tip)}</title>'
                     f'<circle cx="{xs:.1f}" cy="{ys[j]:.1f}" r="{5 + 5 * math.sqrt(orders / shop_peak):.1f}" '
                     f'fill="{fill}" stroke="#fff"/>'
                     f'<text x="{xs + 14:.1f}" y="{ys[j] + 4:.1f}" fill="{ink}" font-weight="{weight}">'
                     f'{_text(_short(name, 16))}</text></g>')
    body.append("".join(nodes))

    y = top + plot + 26
    body.append(
        f'<g class="ring-legend" font-size="11">'
        f'<circle cx="6" cy="{y - 4:.1f}" r="4" fill="{BUYER}"/><text x="16" y="{y:.1f}">{_text(text["buyers"])}</text>'
        f'<circle cx="156" cy="{y - 4:.1f}" r="6" fill="{RING}"/><text x="168" y="{y:.1f}">{_text(text["ring_shop"])}</text>'
        f'<circle cx="276" cy="{y - 4:.1f}" r="6" fill="#cbd2d9"/><text x="288" y="{y:.1f}">{_text(text["other_shop"])}</text>'
        f'<line x1="470" y1="{y - 4:.1f}" x2="500" y2="{y - 4:.1f}" stroke="{OTHER}" stroke-width="1"/>'
        f'<line x1="506" y1="{y - 4:.1f}" x2="536" y2="{y - 4:.1f}" stroke="{OTHER}" stroke-width="4"/>'
        f'<text x="544" y="{y:.1f}">{_text(text["width"])}</text></g>')
    return _svg(width, y + 12, title, body)


def _svg(width: float, height: float, title: str, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="ring-graph" role="img" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
            f'aria-label="{_attr(title)}" font-family="{_attr(FONT)}" font-size="12" fill="{INK}">'
            f"<title>{_text(title)}</title>" + "".join(body) + "</svg>")
