"""The ring drawn as SVG: the same ring gives the same bytes whatever the order of its input, hostile names stay
text, ring shops stand above the camouflage ones, line widths follow orders, and big rings are capped with the
rest counted."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ecredit.findings.graph import crossings, ring_layout, ring_svg

SVG = "{http://www.w3.org/2000/svg}"


def ring(n_buyers: int = 50, n_ring: int = 3, n_other: int = 7, seed: int = 1) -> dict:
    """A ring of `n_buyers` ordering at `n_ring` shops, each buyer also at two popular shops (camouflage)."""
    rng = np.random.default_rng(seed)
    edges: dict[tuple[str, str], int] = {}
    for b in range(n_buyers):
        for s in range(n_ring):
            if rng.random() < 0.8:
                edges[(f"u{b:04d}", f"R{s}")] = int(rng.integers(1, 4))
        for s in rng.choice(n_other, size=min(2, n_other), replace=False):
            edges[(f"u{b:04d}", f"P{s}")] = 1
    orders: dict[str, int] = {}
    for (b, _s), n in edges.items():
        orders[b] = orders.get(b, 0) + n
    return {"buyers": [{"id": b, "orders": n} for b, n in orders.items()],
            "shops": [{"id": f"R{s}", "name": f"团伙网店{s}", "in_ring": True} for s in range(n_ring)]
            + [{"id": f"P{s}", "name": f"热门旗舰店{s}", "in_ring": False} for s in range(n_other)],
            "edges": [{"buyer": b, "shop": s, "orders": n} for (b, s), n in edges.items()]}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)   # raises on anything not well-formed


def groups(root: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == cls]


def test_the_same_ring_gives_the_same_bytes_in_any_input_order():
    graph = ring()
    first = ring_svg(graph)
    shuffled = {key: list(value) for key, value in graph.items()}
    for value in shuffled.values():
        random.Random(7).shuffle(value)
    assert ring_svg(shuffled) == first == ring_svg(ring())
    assert ring_svg(ring(seed=2)) != first


def test_ring_shops_stand_above_the_camouflage_shops_and_are_highlighted():
    root = parse(ring_svg(ring()))
    ring_shops, others = groups(root, "ring-shop"), groups(root, "other-shop")
    assert len(ring_shops) == 3 and len(others) == 7
    lowest_ring = max(float(g.find(f"{SVG}circle").get("cy")) for g in ring_shops)
    highest_other = min(float(g.find(f"{SVG}circle").get("cy")) for g in others)
    assert lowest_ring < highest_other
    assert {g.find(f"{SVG}circle").get("fill") for g in ring_shops}.isdisjoint(
        {g.find(f"{SVG}circle").get("fill") for g in others})
    assert "团伙网店0" in ring_shops[0].find(f"{SVG}title").text + "".join(
        g.find(f"{SVG}title").text for g in ring_shops)
    # the legend names both kinds of shop and what a line's width means
    legend = "".join(groups(root, "ring-legend")[0].itertext())
    assert "团伙网店" in legend and "伪装" in legend and "订单" in legend


def test_line_width_grows_with_the_orders_of_the_pair():
    graph = {"buyers": [{"id": "a", "orders": 9}, {"id": "b", "orders": 1}],
             "shops": [{"id": "S", "name": "甲店", "in_ring": True}],
             "edges": [{"buyer": "a", "shop": "S", "orders": 9}, {"buyer": "b", "shop": "S", "orders": 1}]}
    root = parse(ring_svg(graph))
    widths = {p.find(f"{SVG}title").text.split(" ")[0]: float(p.get("stroke-width")) for p in root.iter(f"{SVG}path")}
    assert widths["a"] > 2 * widths["b"]


def test_hostile_names_stay_text():
    hostile = '<script>alert(1)</script>"onload="x" & ]]> \x00\x07'
    graph = {"buyers": [{"id": hostile, "orders": 2}],
             "shops": [{"id": "S<1>", "name": hostile, "in_ring": True}],
             "edges": [{"buyer": hostile, "shop": "S<1>", "orders": 2}]}
    svg = ring_svg(graph, labels={"title": "<b>图</b>"})
    root = parse(svg)
    assert "<script" not in svg
    assert not [e for e in root.iter() if e.tag.split("}")[-1] in ("script", "foreignObject", "b")]
    assert all(not a.startswith("on") for e in root.iter() for a in e.attrib)
    shop_tip = groups(root, "ring-shop")[0].find(f"{SVG}title").text
    assert '<script>alert(1)</script>"onload="x" & ]]>' in shop_tip      # shown as written, minus control chars
    assert root.get("aria-label") == "<b>图</b>"


def test_a_big_ring_is_capped_and_says_what_is_left_out():
    graph = ring(n_buyers=300, n_ring=12, n_other=40)
    root = parse(ring_svg(graph, max_buyers=60, max_shops=16))
    assert len(groups(root, "ring-buyer")) == 60
    assert len(groups(root, "ring-shop")) == 12 and len(groups(root, "other-shop")) == 4   # ring shops kept first
    hidden = next(t for t in root.iter(f"{SVG}text") if t.get("class") == "ring-hidden").text
    lay = ring_layout(graph, max_buyers=60, max_shops=16)
    assert lay.hidden_buyers == 240 and lay.hidden_shops == 36 and lay.hidden_orders > 0
    assert "240" in hidden and "36" in hidden and str(lay.hidden_orders) in hidden
    total = sum(e["orders"] for e in graph["edges"])
    assert sum(n for _b, _s, n in lay.edges) + lay.hidden_orders == total
    # the drawn buyers are those with most orders at the ring's shops
    ring_orders: dict[str, int] = {}
    for e in graph["edges"]:
        if e["shop"].startswith("R"):
            ring_orders[e["buyer"]] = ring_orders.get(e["buyer"], 0) + e["orders"]
    drawn = {b for b, _n in lay.buyers}
    assert min(ring_orders[b] for b in drawn) >= max(v for b, v in ring_orders.items() if b not in drawn)


def test_a_small_ring_draws_everything_and_says_nothing_is_hidden():
    root = parse(ring_svg(ring(n_buyers=8)))
    assert len(groups(root, "ring-buyer")) == 8
    assert not [t for t in root.iter(f"{SVG}text") if t.get("class") == "ring-hidden"]


def test_barycentre_ordering_crosses_fewer_lines_than_the_input_order():
    # Two rings sharing no shop, buyers interleaved by id: drawn in id order every line crosses the other ring's.
    edges = [{"buyer": f"b{i:02d}", "shop": f"S{i % 2}{k}", "orders": 1} for i in range(20) for k in range(2)]
    graph = {"buyers": [{"id": f"b{i:02d}", "orders": 2} for i in range(20)],
             "shops": [{"id": f"S{g}{k}", "name": f"店{g}{k}", "in_ring": True} for g in range(2) for k in range(2)],
             "edges": edges}
    lay = ring_layout(graph)
    pos_b = {b: i for i, (b, _n) in enumerate(lay.buyers)}
    pos_s = {s: j for j, (s, *_x) in enumerate(lay.shops)}
    eb = np.array([pos_b[e["buyer"]] for e in edges])
    es = np.array([pos_s[e["shop"]] for e in edges])
    naive = crossings(np.arange(20.0), np.arange(4.0), np.array([int(e["buyer"][1:]) for e in edges]),
                      np.array([["S00", "S01", "S10", "S11"].index(e["shop"]) for e in edges]))
    assert crossings(np.arange(20.0), np.arange(4.0), eb, es) < naive
    # The two rings drawn apart: what is left is within each ring, where two buyers at the same two shops
    # always cross once (10 buyers per ring: 45 pairs each).
    assert crossings(np.arange(20.0), np.arange(4.0), eb, es) == 2 * 45


def test_an_empty_graph_says_so():
    root = parse(ring_svg({"buyers": [], "shops": [], "edges": []}))
    assert "没有可画出的订单" in "".join(root.itertext())


ids = st.text(min_size=0, max_size=12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(ids, ids, st.integers(-2, 50)), max_size=40), st.dictionaries(ids, st.text(max_size=30)),
       st.sets(ids, max_size=5), st.integers(0, 8), st.integers(0, 5))
def test_any_graph_gives_well_formed_svg_within_the_caps(edges, names, ring_ids, max_buyers, max_shops):
    graph = {"buyers": [{"id": b, "orders": n} for b, _s, n in edges],
             "shops": [{"id": s, "name": names.get(s, s), "in_ring": s in ring_ids} for _b, s, _n in edges],
             "edges": [{"buyer": b, "shop": s, "orders": n} for b, s, n in edges]}
    svg = ring_svg(graph, max_buyers=max_buyers, max_shops=max_shops)
    root = parse(svg)
    assert len(groups(root, "ring-buyer")) <= max_buyers
    assert len(groups(root, "ring-shop")) + len(groups(root, "other-shop")) <= max_shops
    assert svg == ring_svg(graph, max_buyers=max_buyers, max_shops=max_shops)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 12), st.integers(1, 6), st.data())
def test_crossings_counts_every_crossing_pair(n_buyers, n_shops, data):
    cells = data.draw(st.sets(st.tuples(st.integers(0, n_buyers - 1), st.integers(0, n_shops - 1)), max_size=40))
    eb = np.array([b for b, _s in sorted(cells)], dtype=np.int64)
    es = np.array([s for _b, s in sorted(cells)], dtype=np.int64)
    yb = np.array(data.draw(st.permutations(range(n_buyers))), dtype=float)
    ys = np.array(data.draw(st.permutations(range(n_shops))), dtype=float)
    brute = sum(1 for i in range(len(eb)) for j in range(i + 1, len(eb))
                if (yb[eb[i]] - yb[eb[j]]) * (ys[es[i]] - ys[es[j]]) < 0)
    assert crossings(yb, ys, eb, es) == brute
