"""Several fake-order rings of any shape at once: seeded local search for significant blocks.

`find_rings` peels the single densest block (FRAUDAR's average degree), which finds one ring well but
not several of different shapes together: average degree favours large, moderately dense blocks (the
sparse periphery of a heavy-tailed marketplace, thousands of buyers and shops at density ~15, outweighs
a 10 x 3 ring), and a ring whose members have low degree (100 buyers x 2 shops, 8 x 8) is never the
densest block. `find_ring_candidates` stays in the family (blocks of buyer x shop x time bucket found
by greedy local search, as M-Zoom/M-Biz and D-Cube do) but changes what a block is worth and where the
search starts:

* **Hypothesis and null.** A candidate is (S, W): "the shops S bought fake orders during the window W
  (a run of buckets, or all time)". Under the degree-preserving null of `find_rings`' surprise
  weighting, each of a buyer's d_b distinct (buyer, shop) cells lands on shop s with probability
  d_s / E and in a bucket in proportion to the market's volume there, so her cells into S within W
  are a sum of |S| trials of mean λ_b = d_b · vol(S) · f_W / E, taken as binomial (the widest tail
  of such sums, Hoeffding 1956; unlike a Poisson it knows a buyer has one cell per shop). A buyer's
  **surprise** is -log P(count ≥ her count): a light buyer at 3 of 3 small shops is far more
  surprising than a heavy buyer there.
* **Statistic and score (suspiciousness).** For a level z of a fixed grid, M(z) is the number of
  buyers whose surprise reaches z and ν(z) its expectation under the null, summed exactly over the
  buyers' degree histogram. The block's score is the best over levels of the Poisson tail surprise
  of M against ν·e^margin (Chernoff bound M·log(M/ν') - M + ν', a lower bound on -log p) less the
  log of the number of hypotheses: log C(shops, |S|) + log(windows) + log(levels). It is a
  Bonferroni-corrected -log p-value in nats: on generated marketplaces without rings, at 10**5 and
  10**6 orders, the best block any seed climbs to scores about -10, whatever its size, and
  `threshold` (10) asks for 20 nats more. This is CrossSpot's suspiciousness (Jiang et al., ICDM
  2015; M-Zoom and D-Cube's ρ_susp) with the degree-preserving null in place of the uniform one and
  the multiple-testing cost that makes blocks of different sizes comparable: large sparse blocks
  and tiny accidental ones both score low. `margin` asks for a lift of e^margin over the null before
  anything counts.
* **Members.** The score's level is often strict (few buyers, tiny ν): it says how suspicious the
  block is. Who is in: from that level, loosen level by level while at most half of the buyers each
  step adds are expected by chance (past that, adding them lowers the expected F1). The block's
  orders are its members' orders at its shops within its window.
* **Seeds.** (a) Shop pairs sharing significantly many buyers, for every pair at once as AᵀA of
  the 0/1 buyer x shop matrix (scipy sparse), over light buyers (degree ≤ `buyer_cap`) and
  informative cells only (null probability below e^-2, the cells the surprise weighting gives
  weight); both conditions are functions of the degrees, so the pair's ν counts the same buyers.
  Every ring of two or more shops has such pairs. (b) With times, bursts of one shop: a window of
  up to `max_window` buckets holding far more of its units (distinct buyer, shop, bucket) than its
  volume spread like the market's would. This is the only trace of a ring around a single shop (a
  shop buying its own sales), whose block is otherwise an ordinary star.
* **Local search (M-Biz).** From each seed: greedy growth by the shop most over-represented among
  the block's near-members, keeping the best block met (peeling's best prefix, mirrored; it goes
  on through up to 3 steps without gain, as the level grid makes the score jumpy); then
  best-improvement hill climbing (add or drop a shop, set the window to the block's own span or to
  all time, move an end by one bucket), each hypothesis at its best level; then shops that its
  buyers do not crowd significantly (popular shops in the members' camouflage) are dropped. A climb
  touches only the units of its own shops and members, through shop- and buyer-wise indexes.
* **Result.** Blocks reaching `threshold` (and `min_lift`), most significant first; a block sharing
  half its orders with a better one is dropped, and a seed whose shops all lie in an accepted block
  is skipped. Deterministic: seeds and moves are ordered by score, then node codes, never by input
  order.

Cost: one sort of the orders' packed (buyer, shop, bucket) keys, a sparse product over light buyers'
informative cells, a shop x bucket scan, and a climb per seed over the seed's own orders. 10**6
orders take a few seconds; 10**7 about twice `find_rings(blocks=1)`, ~2 GB with the input.

Limits, honestly: without times a ring around one shop is invisible (the statistic needs two shops or
a window). A ring whose shop pairs share few buyers each (say 20 x 20 at 30 % density) has no seed; a
very small ring (6 buyers) at shops with genuine trade, and a ring at popular shops whose fake orders
are a small share of their sales, fall below the threshold. The null knows degrees, not geography or
category: in a market where buyers keep to their district, districts are significant blocks too
(lift ~ the districts' own, tens, where rings reach hundreds to thousands): ask `min_lift`, or run
per district (which is the stratified null).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from scipy.special import betainc, gammaln

from ecredit.detection.rings import Ring, _bucket_starts, _buckets, _codes, _stable_order

__all__ = ["find_ring_candidates"]


def _distinct(values: np.ndarray, counts: bool = False):
    """Sorted distinct values (and how often each occurs): `np.unique` by an explicit sort, which
    numpy 2's hash-based unique is several times slower than on large integer arrays."""
    values = np.sort(values)
    first = np.ones(len(values), dtype=bool)
    first[1:] = values[1:] != values[:-1]
    if not counts:
        return values[first]
    starts = np.flatnonzero(first)
    return values[first], np.diff(np.append(starts, len(values)))


def _csr(keys: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Index pointer and element order grouping elements by key (stable)."""
    order = _stable_order(keys, max(n, 1))
    return np.concatenate(([0], np.cumsum(np.bincount(keys, minlength=n)))), order


def _gather(ptr: np.ndarray, order: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """Elements of all `nodes` (a CSR range each, laid end to end)."""
    starts = ptr[nodes]
    counts = ptr[nodes + 1] - starts
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    shift = np.repeat(starts - (np.cumsum(counts) - counts), counts)
    return order[shift + np.arange(total)]


def _surprise(observed, expected):
    """Chernoff bound on -log P(Poisson(expected) >= observed): 0 unless observed > expected."""
    observed = np.asarray(observed, dtype=np.float64)
    expected = np.maximum(np.asarray(expected, dtype=np.float64), 1e-300)
    safe = np.maximum(observed, 1e-300)
    value = observed * np.log(safe / expected) - observed + expected
    return np.where(observed > expected, value, 0.0)


def _log_choose(n: float, k: float) -> float:
    return float(gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1))


def _log_tail(k, lam, n):
    """log P(X >= k) for X binomial over `n` trials of mean `lam` (1 <= k <= n): a buyer's cells
    into n shops, each a Bernoulli trial of the degree-preserving null. The binomial of equal trials
    has the widest tail of all sums of n Bernoulli trials with that mean (Hoeffding 1956), so this
    overstates chance hits a little when the shops differ; unlike a Poisson it knows a buyer has at
    most one cell per shop. Where the tail underflows, the series' leading terms."""
    k = np.asarray(k, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    p = np.clip(np.asarray(lam, dtype=np.float64) / n, 1e-300, 1.0)
    tail = betainc(k, np.maximum(n - k + 1, 1e-300), p)
    series = (gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1) + k * np.log(p)
              + (n - k) * np.log1p(-np.minimum(p, 1 - 1e-16)) + np.log1p((n - k) * p / (k + 1)))
    return np.where(tail > 1e-280, np.log(np.maximum(tail, 1e-300)), series)


# Per-buyer surprise thresholds (nats) a block may ask of its buyers: a geometric grid.
_LEVELS = (1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 11.0, 16.0, 22.0, 32.0, 45.0, 64.0)
# Most buckets the times may span (the burst scan holds a shop x bucket grid).
_MAX_BUCKETS = 20_000
# Least units in a window for the burst scan to score it: fewer cannot clear the multiple-testing bar.
_BURST_MIN = 5
# Share of the buyers added by loosening a block's level that may be expected by chance (see
# `_Search.evaluate`): past one half, adding them would lower the block's expected F1.
_FALSE_MEMBERS = 0.5


@dataclass(frozen=True)
class _Block:
    """One evaluated hypothesis: shops (codes, sorted), window (bucket numbers, inclusive) and the
    per-buyer surprise level asked (an index into `_LEVELS`)."""

    shops: tuple[int, ...]
    window: tuple[int, int] | None
    level: int
    score: float
    members: int  # M
    expected: float  # ν
    buyers: np.ndarray  # buyer codes of the block
    near: np.ndarray  # buyers passing one level lower: where new shops are looked for


class _Market:
    """Orders as codes, their distinct cells (buyer, shop) and units (cell, bucket), with indexes."""

    def __init__(self, buyers, shops, times, bucket) -> None:
        if buyers.shape != shops.shape or buyers.ndim != 1:
            raise ValueError("buyers and shops must be 1-d arrays of the same length")
        self.buyer_ids, b = _codes(buyers)
        self.shop_ids, s = _codes(shops)
        self.nb, self.ns = len(self.buyer_ids), len(self.shop_ids)
        self.times = None if times is None else np.asarray(times)
        if self.times is not None:
            if self.times.shape != buyers.shape:
                raise ValueError("times must have one entry per order")
            numbers = _buckets(self.times, bucket)
            self.t0 = int(numbers.min())
            t = numbers - self.t0
            self.nt = int(t.max()) + 1
            if self.nt > _MAX_BUCKETS:
                raise ValueError(f"times span {self.nt} buckets (at most {_MAX_BUCKETS}): use wider buckets")
        else:
            t = np.zeros(len(b), dtype=np.int64)
            self.nt = 1
        self.bucket = bucket
        self.order_b, self.order_s, self.order_t = b, s, t
        if float(self.nb) * self.ns * self.nt >= 2.0 ** 62:
            raise ValueError("too many buyers x shops x buckets to pack into 64 bits: use wider buckets")
        # Units: distinct (buyer, shop, bucket) triples, by one sort of a packed key (no inverse is
        # needed: a block's orders are found by masks, see `_edges`); sorted by buyer, then shop,
        # then bucket, so they are grouped by buyer and by cell as they come.
        key = _distinct((b * self.ns + s) * self.nt + t)
        self.unit_t = key % self.nt
        pair = key // self.nt
        self.unit_b, self.unit_s = pair // self.ns, pair % self.ns
        new_cell = np.ones(len(pair), dtype=bool)
        new_cell[1:] = pair[1:] != pair[:-1]
        self.unit_cell = np.cumsum(new_cell) - 1
        self.cell_b, self.cell_s = self.unit_b[new_cell], self.unit_s[new_cell]
        self.E = len(self.cell_b)
        self.deg_b = np.bincount(self.cell_b, minlength=self.nb)
        self.deg_s = np.bincount(self.cell_s, minlength=self.ns)
        volume = np.bincount(self.unit_t, minlength=self.nt).astype(np.float64)
        self.cum_volume = np.concatenate(([0.0], np.cumsum(volume)))
        self.shop_ptr, self.shop_units = _csr(self.unit_s, self.ns)
        self.buyer_ptr = np.concatenate(([0], np.cumsum(np.bincount(self.unit_b, minlength=self.nb))))
        self.buyer_units = np.arange(len(key))
        self.degrees, self.per_degree = _distinct(self.deg_b, counts=True)
        self.per_degree = self.per_degree.astype(np.float64)

    def share(self, window: tuple[int, int] | None) -> float:
        """f_W: the market's share of units in the window."""
        if window is None:
            return 1.0
        return float((self.cum_volume[window[1] + 1] - self.cum_volume[window[0]]) / self.cum_volume[-1])

    def rate(self, volume: float, window: tuple[int, int] | None) -> float:
        """λ per unit of buyer degree: expected cells of a buyer into shops of total degree `volume`
        within the window, per cell of hers."""
        return volume * self.share(window) / self.E

    def expected(self, rate: float, most: int) -> np.ndarray:
        """ν for every level of `_LEVELS`: buyers expected, over the degree histogram, to have so many
        cells into the shops (at most `most`, the number of shops) that their surprise reaches the
        level. Surprise grows with the count, so per degree the least count reaching a level is a
        search in the row of surprises for counts 1..most."""
        lam = self.degrees * rate
        counts = np.arange(1, most + 1, dtype=np.float64)
        surprise = -_log_tail(counts[None, :], lam[:, None], most)  # degrees x counts, rising
        out = np.zeros(len(_LEVELS))
        for i, level in enumerate(_LEVELS):
            first = np.argmax(surprise >= level, axis=1)
            reach = surprise[np.arange(len(lam)), first] >= level
            if reach.any():
                out[i] = float(np.dot(self.per_degree[reach], np.exp(-surprise[reach, first[reach]])))
        return out

    def cells_in(self, shops: np.ndarray, window: tuple[int, int] | None) -> np.ndarray:
        """Distinct cells with a unit at `shops` in the window."""
        units = _gather(self.shop_ptr, self.shop_units, shops)
        if window is not None:
            t = self.unit_t[units]
            units = units[(t >= window[0]) & (t <= window[1])]
        return _distinct(self.unit_cell[units])


class _Search:
    """Score and hill-climb hypotheses on one market."""

    def __init__(self, market: _Market, *, margin: float, max_window: int) -> None:
        self.m = market
        self.lift = float(np.exp(margin))
        self.max_window = max_window
        windows = 1 + (market.nt * min(max_window, market.nt) if market.nt > 1 else 0)
        self.window_cost = float(np.log(windows))
        self.level_cost = float(np.log(len(_LEVELS)))
        self.cache: dict[tuple, _Block] = {}

    def penalty(self, n_shops: int) -> float:
        return _log_choose(self.m.ns, n_shops) + self.window_cost + self.level_cost

    def evaluate(self, shops: tuple[int, ...], window: tuple[int, int] | None) -> _Block:
        """The hypothesis (shops, window) at the buyer surprise level that scores best."""
        key = (shops, window)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        m = self.m
        nodes = np.array(shops, dtype=np.int64)
        rate = m.rate(float(m.deg_s[nodes].sum()), window)
        cells = m.cells_in(nodes, window)
        buyers, count = _distinct(m.cell_b[cells], counts=True)
        surprise = -_log_tail(count, m.deg_b[buyers] * rate, len(shops))
        passing = (surprise[:, None] >= np.array(_LEVELS)[None, :]).sum(axis=0)
        nu = m.expected(rate, len(shops))
        scores = _surprise(passing, nu * self.lift) - self.penalty(len(shops))
        level = int(np.argmax(scores))  # the lowest level among equals
        # Members: from the score's level (often strict: few buyers, far smaller ν; it says how
        # suspicious the block is), loosen level by level while most of the buyers each step adds
        # are not expected by chance (ν, with the lift asked): the level that says who is in.
        member_level = level
        for looser in range(level - 1, -1, -1):
            added = passing[looser] - passing[member_level]
            if added == 0:
                continue  # a level that adds nobody is passed over
            if (nu[looser] - nu[member_level]) * self.lift > _FALSE_MEMBERS * added:
                break
            member_level = looser
        members = buyers[surprise >= _LEVELS[member_level]]
        near = buyers[surprise >= _LEVELS[max(member_level - 1, 0)]]
        block = _Block(shops, window, level, float(scores[level]), len(members), float(nu[level]),
                       members, near)
        self.cache[key] = block
        return block

    def candidate_shops(self, block: _Block, limit: int = 6) -> np.ndarray:
        """Shops outside the block most over-represented among its near-members' cells in the window."""
        m = self.m
        if len(block.near) == 0:
            return np.empty(0, dtype=np.int64)
        units = _gather(m.buyer_ptr, m.buyer_units, block.near)
        if block.window is not None:
            t = m.unit_t[units]
            units = units[(t >= block.window[0]) & (t <= block.window[1])]
        cells = _distinct(m.unit_cell[units])
        shops, count = _distinct(m.cell_s[cells], counts=True)
        keep = ~np.isin(shops, np.array(block.shops)) & (count >= 2)
        shops, count = shops[keep], count[keep]
        if len(shops) == 0:
            return shops
        rate = m.rate(float(m.deg_b[block.near].sum()), block.window)
        gain = _surprise(count, m.deg_s[shops] * rate * self.lift)
        good = gain > 0
        shops, gain = shops[good], gain[good]
        top = np.lexsort((shops, -gain))[:limit]
        return shops[top]

    def span(self, block: _Block) -> tuple[int, int] | None:
        """The buckets spanned by the block's own units (its buyers at its shops), if narrow enough."""
        m = self.m
        if m.nt <= 1 or len(block.buyers) == 0:
            return None
        units = _gather(m.shop_ptr, m.shop_units, np.array(block.shops, dtype=np.int64))
        units = units[np.isin(m.unit_b[units], block.buyers)]
        if len(units) == 0:
            return None
        t = m.unit_t[units]
        # The central 90 % of the units: a few genuine orders of members at other times don't
        # stretch the window.
        lo, hi = np.quantile(t, [0.05, 0.95], method="nearest")
        if hi - lo + 1 > self.max_window:
            return None
        return int(lo), int(hi)

    def moves(self, block: _Block) -> list[tuple[tuple[int, ...], tuple[int, int] | None]]:
        shops, window = block.shops, block.window
        out = [(tuple(sorted(shops + (s,))), window) for s in self.candidate_shops(block).tolist()]
        if len(shops) > 1:
            out.extend((tuple(x for x in shops if x != s), window) for s in shops)
        if self.m.nt > 1:
            if window is not None:
                out.append((shops, None))
                lo, hi = window
                for w in ((lo - 1, hi), (lo + 1, hi), (lo, hi - 1), (lo, hi + 1)):
                    if 0 <= w[0] <= w[1] < self.m.nt and w[1] - w[0] + 1 <= self.max_window:
                        out.append((shops, w))
            tight = self.span(block)
            if tight is not None and tight != window:
                out.append((shops, tight))
        return out

    def grow(self, block: _Block, steps: int = 32, patience: int = 3) -> _Block:
        """Greedy growth: add the best candidate shop even when the score drops for a few steps (a
        ring's score can dip between levels of the grid), and keep the best block met, the mirror
        image of peeling's best prefix."""
        best = current = block
        waited = 0
        for _ in range(steps):
            tried = [self.evaluate(tuple(sorted(current.shops + (s,))), current.window)
                     for s in self.candidate_shops(current).tolist()]
            if not tried:
                break
            current = max(tried, key=lambda b: (b.score, b.shops))
            if current.score > best.score + 1e-9:
                best, waited = current, 0
            else:
                waited += 1
                if waited >= patience:
                    break
        return best

    def weak_shop(self, block: _Block) -> int | None:
        """The block's least significant shop, if it is not significant given the block's buyers:
        its orders from them no more surprising than log(shops) nats (a shop is in a ring because the
        ring's buyers crowd it, not because they also shop there, as camouflage at popular shops)."""
        m = self.m
        if len(block.shops) <= 1 or len(block.buyers) == 0:
            return None
        nodes = np.array(block.shops, dtype=np.int64)
        cells = m.cells_in(nodes, block.window)
        cells = cells[np.isin(m.cell_b[cells], block.buyers)]
        count = np.bincount(np.searchsorted(nodes, m.cell_s[cells]), minlength=len(nodes))
        rate = m.rate(float(m.deg_b[block.buyers].sum()), block.window)
        lam = m.deg_s[nodes] * rate * self.lift
        surprise = np.where(count > 0, -_log_tail(np.maximum(count, 1), lam, len(block.buyers)), 0.0)
        worst = int(np.argmin(surprise))
        return int(nodes[worst]) if surprise[worst] < np.log(m.ns) else None

    def climb(self, shops: tuple[int, ...], window: tuple[int, int] | None, steps: int = 60) -> _Block:
        """Greedy growth, then best-improvement hill climbing (M-Biz), each step to the best neighbour."""
        best = self.grow(self.evaluate(tuple(sorted(shops)), window))
        for _ in range(steps):
            tried = [self.evaluate(*move) for move in self.moves(best)]
            if not tried:
                break
            top = max(tried, key=lambda b: (b.score, -len(b.shops), b.shops))
            if top.score <= best.score + 1e-9:
                break
            best = top
        while (weak := self.weak_shop(best)) is not None:
            best = self.evaluate(tuple(s for s in best.shops if s != weak), best.window)
        return best


def _pair_seeds(market: _Market, search: _Search, buyer_cap: int, limit: int) -> list[tuple]:
    """Shop pairs sharing significantly many buyers (all time): (seed score, shops, None).

    Co-buyers are counted over light buyers (degree 2..`buyer_cap`) and over informative cells only,
    those the null makes rare (p = d_b · d_s / E below e^-2, the cells `find_rings`' surprise
    weighting gives weight): cells of light buyers at the most popular shops are most of the pairs
    and no evidence. Both conditions depend on degrees only, so ν counts exactly the same buyers:
    ν = Σ_b p_b1 · p_b2 over light buyers with d_b < e^-2 · E / max(d_1, d_2)."""
    m = market
    light = (m.deg_b >= 2) & (m.deg_b <= buyer_cap)
    limit_p = float(np.exp(-2.0))
    p = m.deg_b[m.cell_b].astype(np.float64) * m.deg_s[m.cell_s] / m.E
    use = light[m.cell_b] & (p < limit_p)
    if not use.any():
        return []
    a = sparse.csr_matrix((np.ones(int(use.sum()), dtype=np.int32), (m.cell_b[use], m.cell_s[use])),
                          shape=(m.nb, m.ns))
    co = (a.T @ a).tocoo()
    keep = (co.row < co.col) & (co.data >= 3)
    s1, s2, n = co.row[keep].astype(np.int64), co.col[keep].astype(np.int64), co.data[keep].astype(np.float64)
    if len(n) == 0:
        return []
    # Σ d_b² over light buyers below a degree, by a cumulative sum over the sorted light degrees.
    degrees = np.sort(m.deg_b[light]).astype(np.float64)
    squares = np.concatenate(([0.0], np.cumsum(degrees * degrees)))
    bigger = np.maximum(m.deg_s[s1], m.deg_s[s2]).astype(np.float64)
    below = np.searchsorted(degrees, limit_p * m.E / bigger, side="left")
    nu = m.deg_s[s1] * m.deg_s[s2] * squares[below] / float(m.E) ** 2
    # A seed only has to be worth a climb: the pair's surprise beyond the choice of the pair.
    score = _surprise(n, nu * search.lift) - _log_choose(m.ns, 2)
    good = np.flatnonzero(score > 0)
    good = good[np.lexsort((s2[good], s1[good], -score[good]))][:limit]
    return [(float(score[i]), (int(s1[i]), int(s2[i])), None) for i in good]


# Window widths (buckets) the burst scan tries; the local search then moves each end by one bucket.
_BURST_WIDTHS = (1, 2, 3, 5, 8, 13, 21)


def _burst_seeds(market: _Market, search: _Search, max_window: int, limit: int) -> list[tuple]:
    """Windows where one shop has far more units than its volume spread like the market's (k = 1):
    (seed score, (shop,), window). Shops are scanned in chunks as a shop x bucket grid of unit
    counts; only windows of at least `_BURST_MIN` units are scored."""
    m = market
    if m.nt <= 1:
        return []
    total = m.cum_volume[-1]
    units_of_shop = np.bincount(m.unit_s, minlength=m.ns).astype(np.float64)
    bar = float(np.log(m.ns)) + search.window_cost
    widths = [w for w in _BURST_WIDTHS if w <= min(max_window, m.nt)]
    seeds = []
    chunk = max(1, 8_000_000 // (m.nt + 1))
    for lo in range(0, m.ns, chunk):
        hi = min(m.ns, lo + chunk)
        first, last = m.shop_ptr[lo], m.shop_ptr[hi]
        units = m.shop_units[first:last]
        grid = np.bincount((m.unit_s[units] - lo) * m.nt + m.unit_t[units],
                           minlength=(hi - lo) * m.nt).reshape(hi - lo, m.nt)
        cum = np.zeros((hi - lo, m.nt + 1), dtype=np.int64)
        np.cumsum(grid, axis=1, out=cum[:, 1:])
        best = np.zeros(hi - lo)
        where = np.zeros((hi - lo, 2), dtype=np.int64)
        for width in widths:
            count = cum[:, width:] - cum[:, :-width]
            row, start = np.nonzero(count >= _BURST_MIN)
            if len(row) == 0:
                continue
            share = (m.cum_volume[start + width] - m.cum_volume[start]) / total
            score = _surprise(count[row, start], units_of_shop[lo + row] * share * search.lift)
            # The best window of each shop at this width: sort by score, keep each row's last.
            order = np.lexsort((score, row))
            row, start, score = row[order], start[order], score[order]
            end = np.ones(len(row), dtype=bool)
            end[:-1] = row[1:] != row[:-1]
            row, start, score = row[end], start[end], score[end]
            better = score > best[row]
            best[row[better]] = score[better]
            where[row[better], 0] = start[better]
            where[row[better], 1] = start[better] + width - 1
        for i in np.flatnonzero(best > bar):
            seeds.append((float(best[i] - bar), (lo + int(i),), (int(where[i, 0]), int(where[i, 1]))))
    seeds.sort(key=lambda x: (-x[0], x[1]))
    return seeds[:limit]


def find_ring_candidates(buyers: np.ndarray, shops: np.ndarray, times: np.ndarray | None = None, *,
                         bucket: Any = None, threshold: float = 10.0, margin: float = 1.0,
                         min_lift: float = 0.0, max_window: int = 14, buyer_cap: int = 64,
                         max_seeds: int = 2000, max_blocks: int | None = None) -> list[Ring]:
    """Significant fake-order rings of any shape, most suspicious first (see the module notes).

    `buyers`, `shops` and optional `times` as for `find_rings` (times bucketed by `bucket`, one day by
    default). Returns every block whose `score` reaches `threshold` (nats: a Bonferroni-corrected
    -log p-value under the degree-preserving null, a lift of e^`margin` asked) and whose `lift`
    reaches `min_lift`, at most `max_blocks`, ranked by score (`found` is the order the search
    accepted them in). On each `Ring`: `lift` is the block's distinct (buyer, shop) cells over the
    null's expectation between its buyers and shops in its window; `mass` those cells; `edges` its
    orders (indices into the input, sorted); `buckets` the buckets they fall in and `start`/`end`
    their time span (with times). `max_window` bounds a window in buckets, `buyer_cap` the degree of
    buyers counted for pair seeds, `max_seeds` the climbs started. Without `times` a ring around a
    single shop cannot be told from an ordinary shop and is not found.
    """
    buyers, shops = np.asarray(buyers), np.asarray(shops)
    if buyers.shape != shops.shape or buyers.ndim != 1:
        raise ValueError("buyers and shops must be 1-d arrays of the same length")
    if len(buyers) == 0:
        return []
    market = _Market(buyers, shops, times, bucket)
    search = _Search(market, margin=margin, max_window=max_window)
    seeds = (_pair_seeds(market, search, buyer_cap, max_seeds)
             + _burst_seeds(market, search, max_window, max_seeds))
    seeds.sort(key=lambda x: (-x[0], x[1], x[2] or (-1, -1)))

    accepted: list[_Block] = []
    covered: set[int] = set()
    for _, seed_shops, window in seeds[:max_seeds]:
        if all(s in covered for s in seed_shops):
            continue
        block = search.climb(seed_shops, window)
        covered.update(seed_shops)
        if block.score < threshold or block.members < 2:
            continue
        covered.update(block.shops)
        accepted.append(block)

    in_blocks = np.zeros(market.ns, dtype=bool)
    for block in accepted:
        in_blocks[list(block.shops)] = True
    candidates = np.flatnonzero(in_blocks[market.order_s])  # one pass over the orders for all blocks
    taken = np.zeros(len(buyers), dtype=bool)
    rings: list[Ring] = []
    for found, block in sorted(enumerate(accepted, start=1), key=lambda x: (-x[1].score, x[1].shops)):
        edges = _edges(market, block, candidates)
        if len(edges) == 0 or taken[edges].mean() >= 0.5:
            continue
        ring = _ring(market, block, edges, len(rings) + 1, found)
        if ring.lift < min_lift:
            continue
        taken[edges] = True
        rings.append(ring)
        if max_blocks is not None and len(rings) >= max_blocks:
            break
    return rings


def _edges(market: _Market, block: _Block, orders: np.ndarray) -> np.ndarray:
    """The block's orders among `orders` (indices, sorted): its buyers at its shops within its
    window."""
    m = market
    shop = np.zeros(m.ns, dtype=bool)
    shop[list(block.shops)] = True
    member = np.zeros(m.nb, dtype=bool)
    member[block.buyers] = True
    keep = shop[m.order_s[orders]] & member[m.order_b[orders]]
    if block.window is not None:
        t = m.order_t[orders]
        keep &= (t >= block.window[0]) & (t <= block.window[1])
    return orders[keep]


def _ring(market: _Market, block: _Block, edges: np.ndarray, rank: int, found: int) -> Ring:
    m = market
    buyers = _distinct(m.order_b[edges])
    shops = _distinct(m.order_s[edges])
    cells = len(_distinct(m.order_b[edges] * m.ns + m.order_s[edges]))
    buckets, start, end = None, None, None
    if m.times is not None:
        numbers = _distinct(m.order_t[edges]) + m.t0
        buckets = _bucket_starts(numbers, m.times, m.bucket)
        start, end = m.times[edges].min(), m.times[edges].max()
    # Lift: the block's cells over what the null expects between its buyers and shops in its window.
    expected = float(m.deg_b[buyers].sum()) * m.rate(float(m.deg_s[shops].sum()), block.window)
    lift = cells / expected if expected > 0 else float("inf")
    return Ring(rank=rank, found=found, score=block.score, lift=float(lift), mass=float(cells),
                buyers=m.buyer_ids[buyers], shops=m.shop_ids[shops], buckets=buckets, edges=edges,
                start=start, end=end)
