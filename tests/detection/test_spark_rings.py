"""The PySpark ring engine finds exactly the rings of the numpy engine (local-mode Spark)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pyspark")

from ecredit.detection import find_rings  # noqa: E402
from ecredit.detection.spark_rings import find_rings_spark  # noqa: E402
from ecredit.detection.synthetic import plant_ring, powerlaw_orders  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    try:
        session = (SparkSession.builder.master("local[2]").appName("ecredit-rings-test")
                   .config("spark.ui.enabled", "false")
                   .config("spark.sql.shuffle.partitions", "4")
                   # Tiny jobs, one per peeling round: adaptive re-planning only adds latency here.
                   .config("spark.sql.adaptive.enabled", "false")
                   .config("spark.driver.host", "127.0.0.1")
                   .config("spark.driver.bindAddress", "127.0.0.1")
                   .getOrCreate())
    except Exception as exc:  # no Java, no local networking: nothing to compare against
        pytest.skip(f"cannot start a local SparkSession: {exc}")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def orders():
    # ~5,000 orders of a heavy-tailed marketplace with a 20 x 5 ring hiding behind camouflage.
    return plant_ring(powerlaw_orders(5000, seed=0), n_buyers=20, n_shops=5, camouflage=5, seed=100)


def same_rings(mine, theirs) -> None:
    assert len(mine) == len(theirs) > 0
    for a, b in zip(mine, theirs):
        assert (a.rank, a.found) == (b.rank, b.found)
        assert a.score == b.score and a.lift == b.lift and a.mass == b.mass
        np.testing.assert_array_equal(a.buyers, b.buyers)
        np.testing.assert_array_equal(a.shops, b.shops)
        np.testing.assert_array_equal(a.edges, b.edges)
        if b.buckets is None:
            assert a.buckets is None
        else:
            np.testing.assert_array_equal(a.buckets, b.buckets)
        assert (a.start, a.end) == (b.start, b.end)


@pytest.mark.parametrize("with_times", [False, True])
def test_spark_engine_finds_the_same_rings_as_numpy(spark, orders, with_times):
    columns = {"buyer": orders.buyers.tolist(), "shop": orders.shops.tolist(),
               "time": orders.times.tolist()}
    rows = list(zip(*columns.values()))
    df = spark.createDataFrame(rows, "buyer long, shop long, time long")
    expected = find_rings(orders.buyers, orders.shops, orders.times if with_times else None, blocks=3)
    got = find_rings_spark(spark, df, blocks=3, times=with_times)
    same_rings(got, expected)
    # The planted ring is the top block in both (the numpy engine's own test allows F1 >= 0.9).
    assert set(orders.rings[0][1].tolist()) <= set(got[0].shops.tolist())
    assert len(set(orders.rings[0][0].tolist()) & set(got[0].buyers.tolist())) >= 15
