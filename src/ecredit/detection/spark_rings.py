"""Fake-order rings on PySpark: the same blocks as `ecredit.detection.rings.find_rings`, on a DataFrame.

`find_rings_spark` takes a Spark DataFrame of orders (columns buyer, shop and optionally time) and
returns exactly the `Ring` objects `find_rings` returns for the same orders as numpy arrays: same
members, same edges (order indices), same scores, same ranks.

How the work is split:

* **In Spark** (per-order work): the order index, node codes (broadcast joins), time buckets, the
  first order of each cell (groupBy + min), buyer/shop degrees (groupBy), the per-order weights
  (a join with a small table of weights per degree pair), the initial weighted degrees of every peel
  (groupBy + sum), the orders killed by each peeling round (orders of the removed batch whose other
  nodes are still present) and their degree decrements (groupBy + sum), and the orders inside each
  block found.
* **On the driver** (per-node bookkeeping, as the brief allows): the sorted distinct ids per mode (to
  give the same integer codes as numpy), the weight of each distinct (buyer degree, shop degree) pair
  computed with the very numpy expression of `rings._weights`, and the peeling loop itself over the
  aggregated degree vectors: mode choice, the batch at or below the average degree, its ordering
  (lowest degree first, node code breaking ties), the best prefix by density.

Exactness: weights are fixed-point integers (`rings._SCALE`), Spark sums them as 64-bit integers, so
every degree, mass and density is bitwise the one numpy computes whatever order Spark adds in; the
driver then runs the same round functions as `rings._peel` (`_take_batch`, `_best_prefix`), so ties break identically.

Rows are indexed in the DataFrame's partition order (the order `spark.createDataFrame` keeps for local
data); pass `index="col"` to use an explicit 0-based order index column instead. The order index is
what `Ring.edges` holds, as the positions in the arrays do for `find_rings`.

Limits: one Spark job per peeling round (tens of rounds per block on marketplace data), so this pays
off on inputs that do not fit the driver, not on small ones; node sets sent to the executors as
literal `isin` sets up to `_INSET_MAX` codes and as broadcast joins beyond.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from ecredit.detection.rings import _SCALE, Ring, _best_prefix, _bucket_starts, _take_batch

__all__ = ["find_rings_spark"]

_DAY_SECONDS = 86_400
_INSET_MAX = 20_000


def _F():
    from pyspark.sql import functions as F

    return F


def _with_index(df, index: str | None):
    """Add a 0-based `_idx` in partition order (monotonically_increasing_id shifted by the sizes of
    the earlier partitions, all in the JVM), or take it from `index`."""
    F = _F()
    if index is not None:
        return df.withColumn("_idx", F.col(index).cast("long"))
    df = df.withColumn("_mid", F.monotonically_increasing_id()).withColumn("_pid", F.spark_partition_id())
    df = df.cache()
    counts = {r["_pid"]: r["n"] for r in df.groupBy("_pid").agg(F.count(F.lit(1)).alias("n")).collect()}
    offsets, total = {}, 0
    for pid in sorted(counts):
        offsets[pid] = total
        total += counts[pid]
    # mid = (pid << 33) + row in partition
    expr = F.col("_mid") - F.shiftleft(F.col("_pid").cast("long"), 33)
    off = F.lit(0).cast("long")
    for pid, o in offsets.items():
        off = F.when(F.col("_pid") == pid, F.lit(o).cast("long")).otherwise(off)
    return df.withColumn("_idx", expr + off).drop("_mid", "_pid")


def _isin(df, col: str, codes, *, keep: bool = True):
    """Rows whose `col` is (or with keep=False is not) among the integer `codes`."""
    F = _F()
    codes = [int(c) for c in np.asarray(codes).tolist()]
    if len(codes) <= _INSET_MAX:
        # One SQL string parsed in the JVM: `isin(list)` would cross py4j once per literal.
        cond = f"{col} IN ({','.join(map(str, codes))})" if codes else "false"
        return df.filter(cond if keep else f"NOT ({cond})")
    table = df.sparkSession.createDataFrame([(c,) for c in codes], f"{col} int")
    return df.join(F.broadcast(table), col, "left_semi" if keep else "left_anti")


def _code(df, col: str, out: str):
    """Codes of `col` as numpy's: index among the sorted distinct values. Distinct values are sorted
    on the driver and joined back (broadcast)."""
    from pyspark.sql.types import IntegerType

    F = _F()
    values = [r[0] for r in df.select(col).distinct().collect()]
    ids = np.unique(np.asarray(values))
    table = df.sparkSession.createDataFrame(
        [(v.item() if isinstance(v, np.generic) else v, i) for i, v in enumerate(ids)],
        df.select(col).schema.add(out, IntegerType()))
    return df.join(F.broadcast(table), col, "inner"), ids


def _weight_table(pairs: np.ndarray, total: int, *, weighting: str, margin: float, c: float) -> np.ndarray:
    """The numpy expression of `rings._weights` on distinct (buyer degree, shop degree) pairs."""
    buyer_deg, shop_deg = pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)
    if weighting == "count":
        w = np.ones(len(shop_deg))
    elif weighting == "fraudar":
        w = 1.0 / np.log(shop_deg + c)
    elif weighting == "surprise":
        expected = buyer_deg * shop_deg / float(total)
        w = np.maximum(np.log(1.0 / expected) - margin, 0.0)
    else:
        raise ValueError(f"unknown weighting {weighting!r}: surprise, fraudar or count")
    return np.rint(_SCALE * w)


def _degrees(df, cols: list[str], sizes: list[int]) -> list[np.ndarray]:
    """Weighted degree of every node of every mode (float64 holding exact integer sums): one job."""
    F = _F()
    parts = F.explode(F.array(*[F.struct(F.lit(m).alias("m"), F.col(c).alias("n"))
                                for m, c in enumerate(cols)]))
    rows = (df.select(parts.alias("p"), "w").groupBy("p.m", "p.n").agg(F.sum("w").alias("d"))
            .collect())
    deg = [np.zeros(n, dtype=np.float64) for n in sizes]
    for r in rows:
        deg[r["m"]][r["n"]] = float(r["d"])
    return deg


def _peel(live, cols: list[str], sizes: list[int], eps: float) -> tuple[float, list[np.ndarray]]:
    """`rings._peel` with the per-order passes in Spark. `live`: cached DataFrame of the positive-weight
    orders alive at the start of this peel (zero-weight orders change no degree)."""
    modes = len(cols)
    deg = _degrees(live, cols, sizes)
    present = [d > 0 for d in deg]
    removed_at = [np.where(p, np.iinfo(np.int64).max, -1) for p in present]
    mass = float(deg[0].sum())  # every order has one node per mode; integers: exact
    members = int(sum(int(p.sum()) for p in present))
    if mass <= 0:
        return 0.0, [np.zeros(n, dtype=bool) for n in sizes]
    best, best_at, step = mass / members, 0, 0
    removed: list[list[np.ndarray]] = [[] for _ in range(modes)]

    while mass > 0:
        m, batch, d = _take_batch(deg, present, mass, members, eps)
        k = len(batch)
        peak, top = _best_prefix(d, mass, members)
        if peak > best:
            best, best_at = peak, step + top + 1
        removed_at[m][batch] = step + np.arange(k)
        step += k
        present[m][batch] = False
        members -= k

        # Orders killed now: those of the batch whose other nodes were not removed in earlier rounds.
        others = [o for o in range(modes) if o != m]
        hit = _isin(live, cols[m], batch)
        for o in others:
            if removed[o]:
                hit = _isin(hit, cols[o], np.concatenate(removed[o]), keep=False)
        dec = _degrees(hit, [cols[o] for o in others], [sizes[o] for o in others])
        for o, dd in zip(others, dec):
            deg[o] -= dd
        deg[m][batch] = 0.0
        mass -= float(dec[0].sum())
        removed[m].append(batch)

    return best, [r >= best_at for r in removed_at]


def find_rings_spark(spark, orders_df, *, blocks: int = 5, times: bool = False, bucket: Any = None,
                     weighting: str = "surprise", margin: float = 2.0, c: float = 5.0,
                     repeats: bool = False, eps: float = 0.0, min_orders: int = 2,
                     buyer: str = "buyer", shop: str = "shop", time: str = "time",
                     index: str | None = None) -> list[Ring]:
    """`find_rings` on a Spark DataFrame of orders: same arguments and the very same rings.

    `orders_df` has columns `buyer`, `shop` and, with `times=True`, `time` (numbers of seconds, or
    timestamps, bucketed by `bucket`: seconds or a timedelta, one day by default). `Ring.edges` are
    0-based order indices: the rows' positions in partition order, or the `index` column if given.
    `spark` is the session (kept for symmetry with other engines; the DataFrame's own is used).
    With timestamp times, `Ring.start`/`end` are the Python datetimes Spark returns (numpy gives
    datetime64); buckets count from the Unix epoch (UTC), as numpy does for datetime64.
    """
    F = _F()
    del spark  # the DataFrame carries its session
    if blocks <= 0:
        return []
    cols_in = [buyer, shop] + ([time] if times else [])
    df = orders_df.select(*cols_in, *([index] if index else []))
    is_ts = False
    if times:
        from pyspark.sql.types import TimestampNTZType, TimestampType

        is_ts = isinstance(df.schema[time].dataType, (TimestampType, TimestampNTZType))
        if is_ts:
            width = int(np.timedelta64(1, "D") / np.timedelta64(1, "s")) if bucket is None else \
                int(np.timedelta64(bucket) / np.timedelta64(1, "s"))
            secs = F.unix_seconds(F.col(time).cast("timestamp"))
            # Integer floor division of whole seconds, as numpy's floor_divide on datetime64[s].
            df = df.withColumn("_bkt", F.floor(secs.cast("decimal(38,0)") / F.lit(width)).cast("long"))
        else:
            width = _DAY_SECONDS if bucket is None else bucket
            df = df.withColumn("_bkt", F.floor(F.col(time).cast("double") / F.lit(float(width)))
                               .cast("long"))
    df = _with_index(df, index)
    if df.limit(1).count() == 0:
        return []
    df, buyer_ids = _code(df, buyer, "_b")
    df, shop_ids = _code(df, shop, "_s")
    cols, ids = ["_b", "_s"], [buyer_ids, shop_ids]
    if times:
        df, bucket_ids = _code(df, "_bkt", "_t")
        cols.append("_t")
        ids.append(bucket_ids)
    sizes = [len(i) for i in ids]

    # Weights: the first order of each cell counts (unless repeats), degrees count counted orders.
    if repeats:
        df = df.withColumn("_cnt", F.lit(True))
    else:
        first = df.groupBy(*cols).agg(F.min("_idx").alias("_first"))
        df = df.join(first, cols, "inner").withColumn("_cnt", F.col("_idx") == F.col("_first"))
    counted = df.filter("_cnt")
    df = (df.join(counted.groupBy("_b").agg(F.count(F.lit(1)).alias("_bd")), "_b", "left")
            .join(counted.groupBy("_s").agg(F.count(F.lit(1)).alias("_sd")), "_s", "left"))
    df = df.cache()
    total = counted.count()
    pairs = np.array([(r["_bd"], r["_sd"]) for r in
                      df.filter("_cnt").select("_bd", "_sd").distinct().collect()], dtype=np.int64)
    w = _weight_table(pairs, total, weighting=weighting, margin=margin, c=c)
    table = df.sparkSession.createDataFrame(
        [(int(a), int(b), int(x)) for (a, b), x in zip(pairs.tolist(), w.tolist())],
        "_bd long, _sd long, w long")
    keep = [*cols, "_idx"] + ([time] if times else [])
    E = (df.join(F.broadcast(table), ["_bd", "_sd"], "left")
           .withColumn("w", F.when(F.col("_cnt"), F.col("w")).otherwise(F.lit(0)).cast("long"))
           .select(*keep, "w").cache())
    weight_sum = E.agg(F.sum("w")).collect()[0][0] or 0
    whole = max(float(weight_sum), 1.0) / sum(sizes)

    found: list[tuple[float, int, list[np.ndarray], list]] = []
    gone: list[int] = []
    for n in range(blocks):
        alive = _isin(E, "_idx", gone, keep=False) if gone else E
        live = alive.filter(F.col("w") > 0).coalesce(2).cache()
        dens, masks = _peel(live, cols, sizes, eps)
        live.unpersist()
        if dens <= 0:
            break
        inside = alive
        for col, mask in zip(cols, masks):
            inside = _isin(inside, col, np.flatnonzero(mask))
        rows = sorted(inside.select("_idx", *cols, "w", *([time] if times else [])).collect(),
                      key=lambda r: r["_idx"])
        if len(rows) < min_orders:
            break
        found.append((dens, n, masks, rows))
        gone.extend(r["_idx"] for r in rows)
    E.unpersist()
    df.unpersist()

    rings = []
    for dens, n, masks, rows in found:
        edges = np.array([r["_idx"] for r in rows], dtype=np.int64)
        used = [np.unique(np.array([r[col] for r in rows], dtype=np.int64)) for col in cols]
        mass = float(sum(int(r["w"]) for r in rows))
        score = mass / _SCALE / sum(len(u) for u in used)
        span, bucket_starts = (None, None), None
        if times:
            tv = [r[time] for r in rows]
            span = (min(tv), max(tv))
            if is_ts:
                sample = np.array([np.datetime64(0, "s")])
            else:
                sample = np.asarray(tv)
            bucket_starts = _bucket_starts(ids[2][used[2]], sample, bucket)
        rings.append(Ring(
            rank=0, found=n + 1, score=score, lift=score / (whole / _SCALE),
            mass=mass / _SCALE, buyers=ids[0][used[0]], shops=ids[1][used[1]],
            buckets=bucket_starts, edges=edges, start=span[0], end=span[1]))
    rings.sort(key=lambda r: (-r.score, r.found))
    return [replace(r, rank=i) for i, r in enumerate(rings, start=1)]
