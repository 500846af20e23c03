"""Fake reviews: planted fake accounts rank first, the classifier round-trips, the YelpChi loader."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from ecredit.detection.reviews import (DEFAULT_GRID, Features, ReviewClassifier, account_signals,
                                       average_rank, choose_params, neighbour_features, review_features,
                                       roc_auc, unsupervised_score)
from ecredit.detection.yelpchi import load_yelpchi, yelpchi_available

DAY = 86_400


def planted(seed: int, *, n_real: int = 300, n_products: int = 40, n_fake: int = 20, targets: int = 2):
    """Genuine accounts post 2-8 reviews over a year at random products, rating near each product's
    quality; fake one-off accounts each post one 5-star review of one of `targets` poor products within
    one day. Returns (users, products, ratings, times, fake account ids)."""
    rng = np.random.default_rng(seed)
    quality = rng.uniform(1.5, 4.5, size=n_products)
    quality[:targets] = 1.8  # the targets are poor products, lifted by the fakes
    users, products, ratings, times = [], [], [], []
    for a in range(n_real):
        k = int(rng.integers(2, 9))
        ps = rng.choice(n_products, size=k, replace=False)
        users += [f"real{a}"] * k
        products += ps.tolist()
        ratings += np.clip(np.rint(quality[ps] + rng.normal(0, 0.7, size=k)), 1, 5).tolist()
        times += rng.integers(0, 365 * DAY, size=k).tolist()
    fakes = [f"fake{a}" for a in range(n_fake)]
    start = 200 * DAY
    for a, name in enumerate(fakes):
        users.append(name)
        products.append(a % targets)
        ratings.append(5.0)
        times.append(start + int(rng.integers(0, DAY)))
    return (np.array(users), np.array(products), np.array(ratings), np.array(times), np.array(fakes))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_fake_accounts_rank_first(seed):
    users, products, ratings, times, fakes = planted(seed)
    feats = review_features(users, products, ratings=ratings, times=times)
    score = unsupervised_score(feats)
    top = set(feats.ids[np.argsort(-score)[:len(fakes)]].tolist())
    assert top == set(fakes.tolist())
    for name in ("mean:burst", "mean:rating_deviation", "one_off"):
        assert name in account_signals(feats)


def test_structure_alone_puts_one_off_accounts_first():
    users, products, _, _, fakes = planted(3)
    feats = review_features(users, products)
    score = unsupervised_score(feats)
    is_fake = np.isin(feats.ids, fakes)
    assert score[is_fake].min() > score[~is_fake].max()


def test_per_review_table_and_directions():
    users, products, ratings, times, fakes = planted(4)
    accounts, reviews = review_features(users, products, ratings=ratings, times=times, per_review=True)
    assert accounts.values.shape == (len(np.unique(users)), len(accounts.names))
    assert reviews.values.shape == (len(users), len(reviews.names))
    assert np.isfinite(accounts.values).all() and np.isfinite(reviews.values).all()
    s = unsupervised_score(reviews)
    assert roc_auc(np.isin(users, fakes), s) > 0.99
    burst = reviews.column("burst")
    assert burst[np.isin(users, fakes)].min() > np.median(burst)


def test_features_do_not_depend_on_row_order_or_ids():
    users, products, ratings, times, _ = planted(5)
    prior = np.random.default_rng(0).random(len(users))
    a = review_features(users, products, ratings=ratings, times=times, review_prior=prior)
    perm = np.random.default_rng(1).permutation(len(users))
    b = review_features(users[perm], products[perm], ratings=ratings[perm], times=times[perm],
                        review_prior=prior[perm])
    np.testing.assert_array_equal(a.ids, b.ids)
    np.testing.assert_allclose(a.values, b.values)
    # Renaming the accounts (same graph) changes nothing but the ids.
    renamed = np.char.add("x", users)
    c = review_features(renamed, products, ratings=ratings, times=times, review_prior=prior)
    order = np.argsort(np.char.lstrip(c.ids.astype(str), "x"))
    np.testing.assert_allclose(c.values[order], a.values[np.argsort(a.ids.astype(str))])


def test_priors_are_used_when_given():
    users, products, _, _, fakes = planted(6)
    uids, pids = np.unique(users), np.unique(products)
    rng = np.random.default_rng(0)
    review_prior = rng.uniform(0, 0.3, len(users)) + 0.5 * np.isin(users, fakes)
    feats = review_features(users, products, review_prior=review_prior,
                            user_prior=rng.random(len(uids)), product_prior=rng.random(len(pids)))
    for name in ("user_prior", "mean:review_prior", "mean:review_prior_rank_in_product",
                 "max:product_prior", "hop2_mean:user_prior"):
        assert name in feats.names
    assert roc_auc(np.isin(feats.ids, fakes), unsupervised_score(feats)) > 0.99
    with pytest.raises(ValueError):
        review_features(users, products, user_prior=np.ones(3))


def test_average_rank_ties_and_groups():
    np.testing.assert_allclose(average_rank([3, 1, 2, 2]), [1.0, 0.0, 0.5, 0.5])
    np.testing.assert_allclose(average_rank([5, 1, 7, 7, 9], groups=[0, 0, 1, 1, 2]),
                               [1.0, 0.0, 0.5, 0.5, 0.5])
    assert roc_auc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]) == 1.0
    assert roc_auc([0, 1], [0.5, 0.5]) == 0.5


def test_supervised_fit_score_round_trip_and_retraining():
    pytest.importorskip("sklearn")
    users, products, ratings, times, fakes = planted(7, n_fake=40, targets=4)
    feats = review_features(users, products, ratings=ratings, times=times)
    y = np.isin(feats.ids, fakes).astype(np.float64)
    rng = np.random.default_rng(0)
    known = rng.random(len(y)) < 0.5
    labels = np.where(known, y, np.nan)  # unconfirmed accounts are skipped
    for engine in ("sklearn", "lightgbm"):
        if engine == "lightgbm":
            pytest.importorskip("lightgbm")
        params = {"learning_rate": 0.1, "n_estimators": 50, "num_leaves": 7, "min_child_samples": 5}
        model = ReviewClassifier(params, engine=engine).fit(feats, labels)
        s = model.score(feats)
        assert s.shape == (len(y),) and ((s >= 0) & (s <= 1)).all()
        assert roc_auc(y[~known], s[~known]) > 0.95
        np.testing.assert_allclose(ReviewClassifier(params, engine=engine).fit(feats, labels).score(feats), s)
    # Retrained with more confirmed findings: still a model of the same columns.
    model = model.fit(feats, y)
    with pytest.raises(ValueError):
        model.score(feats.select(list(feats.names[:3])))
    with pytest.raises(ValueError):
        ReviewClassifier().fit(feats, np.zeros(len(y)))


def test_choose_params_uses_only_the_rows_given():
    pytest.importorskip("sklearn")
    users, products, ratings, times, fakes = planted(8, n_fake=40, targets=4)
    feats = review_features(users, products, ratings=ratings, times=times)
    y = np.isin(feats.ids, fakes).astype(np.int64)
    grid = ({"learning_rate": 0.1, "n_estimators": 20, "num_leaves": 7, "min_child_samples": 5},
            {"learning_rate": 0.1, "n_estimators": 40, "num_leaves": 7, "min_child_samples": 5})
    params, cv = choose_params(feats, y, grid, folds=3, engine="sklearn")
    assert params in [dict(g) for g in grid] and 0.5 < cv <= 1.0
    assert len(DEFAULT_GRID) >= 2


def test_neighbour_features_of_an_outside_score():
    users, products, _, _, _ = planted(9)
    uids = np.unique(users)
    outside = Features(uids, ("risk",), np.random.default_rng(0).random((len(uids), 1)), np.array([1]))
    nb = neighbour_features(users, products, outside)
    assert nb.names == ("hop2_mean:risk", "hop2_max:risk") and nb.values.shape == (len(uids), 2)
    assert list(nb.directions) == [1, 1]


@pytest.mark.skipif(not yelpchi_available(), reason="UGFraud (YelpChi) is not installed")
def test_yelpchi_loader_shapes():
    d = load_yelpchi()
    assert d.n_reviews == 67_395 and len(d.products) == 67_395 and len(d.review_prior) == 67_395
    assert len(d.user_ids) == 38_063 and len(d.user_labels) == 38_063 and len(d.user_prior) == 38_063
    assert len(d.product_ids) == 201 and len(d.product_prior) == 201
    assert set(np.unique(d.review_labels).tolist()) == {0, 1}
    assert int(d.review_labels.sum()) == 8_919  # label -1 in the file
    # create_ground_truth: a user is spam if any of their reviews is.
    per_user = np.zeros(len(d.user_ids), dtype=np.int64)
    np.add.at(per_user, d.user_index, d.review_labels)
    np.testing.assert_array_equal(d.user_labels, (per_user > 0).astype(np.int8))
    np.testing.assert_array_equal(d.user_ids[d.user_index], d.users)
    np.testing.assert_array_equal(d.product_ids[d.product_index], d.products)
    # Shuffled by default, the same way for the same seed.
    np.testing.assert_array_equal(load_yelpchi(seed=0).users, d.users)
    assert not np.array_equal(load_yelpchi(shuffle=False).users, d.users)


def test_reviews_and_loader_import_no_django():
    code = ("import sys, ecredit.detection.reviews, ecredit.detection.yelpchi; "
            "sys.exit('django' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
