"""Fake and malicious reviews: per-account and per-review suspiciousness from the review graph.

Reviews are edges of a bipartite graph account × product (a shop, a good). What a review graph offers
without text:

* **Structure**: an account's number of reviews (one-off accounts, opened to post a single review, are
  the classic fake reviewer), the degrees of the products it reviewed, the share of one-off accounts
  among a product's reviewers (a campaign brings many).
* **Priors** when the data carry them (SpEagle's per-user, per-review and per-product spam priors on
  YelpChi): the review's prior, its prior against the other reviews of the same product (difference
  to the product mean and average rank within the product), the product's prior and its reviewers'.
* **Ratings** (optional): deviation from the product's mean rating of the others, extreme ratings.
* **Times** (optional): bursts (reviews of the product within the window around this one, over what
  the product's review rate would give) and early reviews (rank in the product's timeline).
* **Neighbourhood** (the GADBench recipe, Tang et al. NeurIPS 2023: features aggregated over graph
  neighbours): each account takes the mean and max of its reviews' features, and two hops away the mean
  and max over its products of the product's mean over its reviewers of the account features (so an
  account co-reviewing with one-off, high-prior accounts looks like them).

`review_features` builds these as a `Features` table (one row per account, named columns, each with a
declared direction: +1 suspicious when high, -1 when low). `unsupervised_score` rank-averages the
oriented columns about the account's own behaviour (`account_signals`; product context and two-hop
aggregates are left to the classifier), with no labels; `ReviewClassifier` fits gradient-boosted trees on the same table from
confirmed cases (lightgbm when installed, else scikit-learn's HistGradientBoosting) and is refitted
whenever reviewers confirm or dismiss more findings; `choose_params` picks its hyper-parameters by
cross-validation inside the labelled rows only.

Every feature is invariant to the order of the input rows and never looks at ids: ties are broken by
average ranks. (On YelpChi row order and numeric ids leak the labels; see `yelpchi.py`.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["DEFAULT_GRID", "Features", "ReviewClassifier", "account_signals", "average_rank", "choose_params",
           "neighbour_features", "review_features", "roc_auc", "unsupervised_score"]

_DAY_SECONDS = 86_400


@dataclass(frozen=True, eq=False)
class Features:
    """A feature table: `values[i, j]` is feature `names[j]` of the row with id `ids[i]`. `directions[j]`
    is +1 when a high value is suspicious, -1 when a low one is, 0 when neither is known."""

    ids: np.ndarray
    names: tuple[str, ...]
    values: np.ndarray
    directions: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.values.shape != (len(self.ids), len(self.names)):
            raise ValueError("values must have one row per id and one column per name")
        if self.directions is None:
            object.__setattr__(self, "directions", np.zeros(len(self.names), dtype=np.int8))

    def column(self, name: str) -> np.ndarray:
        return self.values[:, self.names.index(name)]

    def select(self, names: list[str] | tuple[str, ...]) -> Features:
        cols = [self.names.index(n) for n in names]
        return Features(self.ids, tuple(names), self.values[:, cols], self.directions[cols])

    def rows(self, index: np.ndarray) -> Features:
        return Features(self.ids[index], self.names, self.values[index], self.directions)

    def join(self, other: Features) -> Features:
        """Columns of both (same rows in the same order)."""
        if len(other.ids) != len(self.ids) or not np.array_equal(other.ids, self.ids):
            raise ValueError("join needs the same rows in the same order")
        return Features(self.ids, self.names + other.names, np.column_stack([self.values, other.values]),
                        np.concatenate([self.directions, other.directions]))


# ---------------------------------------------------------------------------------------------- helpers

def average_rank(values: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
    """Rank of each value scaled to [0, 1] (within its group when `groups` is given), ties sharing
    their average rank, so the result does not depend on the order of the input. A group of one gets 0.5."""
    values = np.asarray(values, dtype=np.float64)
    n = len(values)
    if n == 0:
        return np.empty(0)
    g = np.zeros(n, dtype=np.int64) if groups is None else np.asarray(groups, dtype=np.int64)
    order = np.lexsort((values, g))
    gs, vs = g[order], values[order]
    new_group = np.r_[True, gs[1:] != gs[:-1]]
    new_tie = new_group | np.r_[True, vs[1:] != vs[:-1]]
    pos = np.arange(n)
    group_start = np.maximum.accumulate(np.where(new_group, pos, 0))
    tie_first = np.flatnonzero(new_tie)
    tie_last = np.r_[tie_first[1:], n] - 1
    tie_id = np.cumsum(new_tie) - 1
    avg = (tie_first + tie_last) / 2.0
    group_end = np.r_[np.flatnonzero(new_group)[1:], n] - 1
    size = (group_end - np.flatnonzero(new_group) + 1)[np.cumsum(new_group) - 1]
    local = avg[tie_id] - group_start
    out = np.empty(n)
    out[order] = np.where(size > 1, local / np.maximum(size - 1, 1), 0.5)
    return out


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC-AUC (Mann-Whitney, ties counted half), numpy only."""
    y = np.asarray(labels).astype(bool)
    pos, neg = int(y.sum()), int((~y).sum())
    if pos == 0 or neg == 0:
        raise ValueError("ROC-AUC needs both classes")
    r = average_rank(scores) * (len(y) - 1) + 1  # 1-based average ranks
    return float((r[y].sum() - pos * (pos + 1) / 2) / (pos * neg))


def _mean(values: np.ndarray, index: np.ndarray, n: int) -> np.ndarray:
    count = np.bincount(index, minlength=n)
    return np.bincount(index, weights=values, minlength=n) / np.maximum(count, 1)


def _max(values: np.ndarray, index: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n, -np.inf)
    np.maximum.at(out, index, values)
    return np.where(np.isfinite(out), out, 0.0)


def _codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    uniques, codes = np.unique(np.asarray(values), return_inverse=True)
    return uniques, codes.reshape(-1).astype(np.int64)


def _aligned(prior: Any, n: int, what: str) -> np.ndarray | None:
    if prior is None:
        return None
    prior = np.asarray(prior, dtype=np.float64)
    if prior.shape != (n,):
        raise ValueError(f"{what} must have one value per {what.split('_')[0]} ({n})")
    return prior


# ------------------------------------------------------------------------------------------- features

def _review_table(u: np.ndarray, p: np.ndarray, nu: int, np_: int, *, ratings: np.ndarray | None,
                  times: np.ndarray | None, user_prior: np.ndarray | None,
                  review_prior: np.ndarray | None, product_prior: np.ndarray | None,
                  burst_window: float) -> tuple[list[str], list[np.ndarray], list[int]]:
    """Per-review columns: (names, arrays, directions)."""
    udeg = np.bincount(u, minlength=nu).astype(np.float64)
    pdeg = np.bincount(p, minlength=np_).astype(np.float64)
    one_off = (udeg[u] == 1).astype(np.float64)
    names = ["product_log_degree", "product_one_off_share", "product_reviewer_log_degree"]
    cols = [np.log(pdeg[p]), _mean(one_off, p, np_)[p], _mean(np.log(udeg[u]), p, np_)[p]]
    dirs = [-1, +1, -1]
    if review_prior is not None:
        pm = _mean(review_prior, p, np_)
        names += ["review_prior", "review_prior_vs_product", "review_prior_rank_in_product"]
        cols += [review_prior, review_prior - pm[p], average_rank(review_prior, p)]
        dirs += [+1, +1, +1]
    if product_prior is not None:
        names.append("product_prior")
        cols.append(product_prior[p])
        dirs.append(+1)
    if user_prior is not None:
        names.append("product_reviewer_prior")
        cols.append(_mean(user_prior[u], p, np_)[p])
        dirs.append(+1)
    if ratings is not None:
        r = np.asarray(ratings, dtype=np.float64)
        s, c = np.bincount(p, weights=r, minlength=np_), pdeg
        others = np.where(c[p] > 1, (s[p] - r) / np.maximum(c[p] - 1, 1), r)  # the others' mean
        extreme = ((r == r.min()) | (r == r.max())).astype(np.float64)
        names += ["rating_deviation", "rating_extreme"]
        cols += [np.abs(r - others), extreme]
        dirs += [+1, +1]
    if times is not None:
        t = np.asarray(times)
        if np.issubdtype(t.dtype, np.datetime64):
            t = t.astype("datetime64[s]").astype(np.int64)
        t = t.astype(np.float64)
        # Reviews of the same product within +-window/2: sort by (product, time), search in one array.
        span = t.max() - t.min() + burst_window + 1.0
        key = p * span + (t - t.min())
        sk = np.sort(key)
        near = (np.searchsorted(sk, key + burst_window / 2, side="right")
                - np.searchsorted(sk, key - burst_window / 2, side="left"))
        tmin = np.full(np_, np.inf)
        tmax = np.full(np_, -np.inf)
        np.minimum.at(tmin, p, t)
        np.maximum.at(tmax, p, t)
        expected = pdeg[p] * burst_window / np.maximum(tmax[p] - tmin[p], burst_window)
        # Reviews per account per day: many in one day is a bot or a paid batch.
        day = np.floor(t / _DAY_SECONDS)
        _, cell = np.unique(np.stack([u, day.astype(np.int64)], axis=1), axis=0, return_inverse=True)
        per_day = np.bincount(cell.reshape(-1))[cell.reshape(-1)].astype(np.float64)
        names += ["burst", "early_in_product", "account_reviews_that_day"]
        cols += [np.log(near / np.maximum(expected, 1e-9)), 1.0 - average_rank(t, p), per_day]
        dirs += [+1, +1, +1]
    return names, cols, dirs


def review_features(users: np.ndarray, products: np.ndarray, *, ratings: np.ndarray | None = None,
                    times: np.ndarray | None = None, user_prior: np.ndarray | None = None,
                    review_prior: np.ndarray | None = None, product_prior: np.ndarray | None = None,
                    burst_window: float = 3 * _DAY_SECONDS,
                    per_review: bool = False) -> Features | tuple[Features, Features]:
    """Feature table of the accounts (rows in `np.unique(users)` order) from the reviews given as
    parallel arrays `users`, `products` (one entry per review).

    Optional per-review `ratings`, `times` (datetime64 or seconds; `burst_window` in seconds) and
    `review_prior`; per-account `user_prior` aligned with `np.unique(users)`; per-product
    `product_prior` aligned with `np.unique(products)`. With `per_review`, also returns the per-review
    table (rows in input order, ids = review positions), whose columns include the account's own."""
    users, products = np.asarray(users), np.asarray(products)
    if users.shape != products.shape or users.ndim != 1 or len(users) == 0:
        raise ValueError("users and products must be non-empty 1-d arrays of the same length")
    for name, a in (("ratings", ratings), ("times", times), ("review_prior", review_prior)):
        if a is not None and np.shape(a) != users.shape:
            raise ValueError(f"{name} must have one entry per review")
    user_ids, u = _codes(users)
    product_ids, p = _codes(products)
    nu, np_ = len(user_ids), len(product_ids)
    up = _aligned(user_prior, nu, "user_prior")
    pp = _aligned(product_prior, np_, "product_prior")
    rp = None if review_prior is None else np.asarray(review_prior, dtype=np.float64)
    rnames, rcols, rdirs = _review_table(u, p, nu, np_, ratings=ratings, times=times, user_prior=up,
                                         review_prior=rp, product_prior=pp, burst_window=burst_window)

    udeg = np.bincount(u, minlength=nu).astype(np.float64)
    base_names = ["log_degree", "one_off"]
    base = [np.log(udeg), (udeg == 1).astype(np.float64)]
    base_dirs = [-1, +1]
    if up is not None:
        base_names.append("user_prior")
        base.append(up)
        base_dirs.append(+1)
    names, cols, dirs = list(base_names), list(base), list(base_dirs)
    for n, c, d in zip(rnames, rcols, rdirs):
        names += [f"mean:{n}", f"max:{n}"]
        cols += [_mean(c, u, nu), _max(c, u, nu)]
        dirs += [d, d]
    # Two hops: account feature -> mean over each product's reviewers -> mean / max over the account's
    # products.
    for n, c, d in zip(base_names, base, base_dirs):
        at_product = _mean(c[u], p, np_)[p]
        names += [f"hop2_mean:{n}", f"hop2_max:{n}"]
        cols += [_mean(at_product, u, nu), _max(at_product, u, nu)]
        dirs += [d, d]
    accounts = Features(user_ids, tuple(names), np.column_stack(cols), np.array(dirs, dtype=np.int8))
    if not per_review:
        return accounts
    own = [accounts.values[u, names.index(n)] for n in base_names]
    reviews = Features(np.arange(len(users)), tuple(rnames) + tuple(f"account:{n}" for n in base_names),
                       np.column_stack(rcols + own), np.array(rdirs + base_dirs, dtype=np.int8))
    return accounts, reviews


def neighbour_features(users: np.ndarray, products: np.ndarray, accounts: Features) -> Features:
    """GADBench-style aggregation of any account table (e.g. an outside risk score) over the bipartite
    graph: for each column, the mean and max over the account's products of the product's mean over its
    reviewers. Rows follow `accounts.ids`, which must be `np.unique(users)`."""
    user_ids, u = _codes(users)
    if not np.array_equal(user_ids, accounts.ids):
        raise ValueError("accounts must have one row per account, in np.unique(users) order")
    product_ids, p = _codes(products)
    nu, np_ = len(user_ids), len(product_ids)
    names, cols = [], []
    for j, n in enumerate(accounts.names):
        at_product = _mean(accounts.values[u, j], p, np_)[p]
        names += [f"hop2_mean:{n}", f"hop2_max:{n}"]
        cols += [_mean(at_product, u, nu), _max(at_product, u, nu)]
    return Features(user_ids, tuple(names), np.column_stack(cols),
                    np.repeat(accounts.directions, 2).astype(np.int8))


# --------------------------------------------------------------------------------------- unsupervised

# Columns describing a product (or an account's co-reviewers) rather than the account's own behaviour:
# every reviewer of a product shares them, fake and genuine alike, so they cannot rank the accounts of
# one product. They are context for the classifier, not votes in the unsupervised score.
_CONTEXT = frozenset({"product_log_degree", "product_one_off_share", "product_reviewer_log_degree",
                      "product_prior", "product_reviewer_prior"})


def account_signals(features: Features) -> list[str]:
    """The columns `unsupervised_score` uses by default: the directed columns about the account's own
    behaviour (its degree, prior, and the mean over its reviews of review-level signals; on a per-review
    table, the review's own signals and its account's), without the
    product context (see `_CONTEXT`), the two-hop aggregates, or the per-account maxima (a max over more
    reviews is larger, so it would reward the many-review accounts the degree signal calls least
    suspicious)."""
    out = []
    for name, d in zip(features.names, features.directions):
        agg, _, base = name.rpartition(":")
        if d != 0 and agg in ("", "mean", "account") and base not in _CONTEXT:
            out.append(name)
    return out


def unsupervised_score(features: Features, columns: list[str] | tuple[str, ...] | None = None) -> np.ndarray:
    """Suspiciousness in [0, 1] of every row, without labels: the mean over `columns` (default
    `account_signals`) of each column's average rank, flipped where low values are the suspicious ones.
    Columns derived from one base signal (e.g. `review_prior` and `mean:review_prior`) share one vote,
    so a signal with several aggregates does not drown the others. Order-invariant: rows with equal
    features get equal scores."""
    names = list(columns) if columns is not None else account_signals(features)
    if not names:
        raise ValueError("no directed columns to score")
    votes: dict[str, list[np.ndarray]] = {}
    for n in names:
        j = features.names.index(n)
        r = average_rank(features.values[:, j])
        votes.setdefault(n.split(":", 1)[-1], []).append(1.0 - r if features.directions[j] < 0 else r)
    return np.mean([np.mean(v, axis=0) for v in votes.values()], axis=0)


# ----------------------------------------------------------------------------------------- supervised

DEFAULT_GRID: tuple[dict[str, Any], ...] = (
    {"learning_rate": 0.03, "n_estimators": 300, "num_leaves": 15, "min_child_samples": 50},
    {"learning_rate": 0.03, "n_estimators": 600, "num_leaves": 31, "min_child_samples": 50},
    {"learning_rate": 0.02, "n_estimators": 800, "num_leaves": 63, "min_child_samples": 100},
)


class ReviewClassifier:
    """Gradient-boosted trees on a `Features` table, from confirmed cases.

    `fit(features, labels)`: labels 1 (confirmed fake), 0 (confirmed genuine / dismissed) or NaN
    (unknown, skipped), one per row. Refit from scratch with the latest confirmed findings whenever they
    change. `score(features)` gives each row's probability of being fake; its columns must be the ones
    fitted on. `engine` is "lightgbm", "sklearn" (HistGradientBoostingClassifier) or "auto" (lightgbm
    when importable)."""

    def __init__(self, params: dict[str, Any] | None = None, *, engine: str = "auto", seed: int = 0) -> None:
        self.params = dict(DEFAULT_GRID[1] if params is None else params)
        self.engine = engine
        self.seed = seed
        self.names: tuple[str, ...] | None = None
        self._model: Any = None

    def _make(self) -> Any:
        p = self.params
        engine = self.engine
        if engine == "auto":
            try:
                import lightgbm  # noqa: F401
                engine = "lightgbm"
            except ImportError:
                engine = "sklearn"
        if engine == "lightgbm":
            import lightgbm as lgb
            return lgb.LGBMClassifier(
                n_estimators=p["n_estimators"], learning_rate=p["learning_rate"], num_leaves=p["num_leaves"],
                min_child_samples=p["min_child_samples"], subsample=0.8, subsample_freq=1,
                colsample_bytree=0.8, random_state=self.seed, n_jobs=1, verbose=-1)
        if engine == "sklearn":
            from sklearn.ensemble import HistGradientBoostingClassifier
            return HistGradientBoostingClassifier(
                max_iter=p["n_estimators"], learning_rate=p["learning_rate"], max_leaf_nodes=p["num_leaves"],
                min_samples_leaf=p["min_child_samples"], random_state=self.seed)
        raise ValueError(f"unknown engine {engine!r}: auto, lightgbm or sklearn")

    def fit(self, features: Features, labels: np.ndarray) -> ReviewClassifier:
        y = np.asarray(labels, dtype=np.float64)
        if y.shape != (len(features.ids),):
            raise ValueError("labels must have one entry per row (NaN where unknown)")
        known = ~np.isnan(y)
        if len(np.unique(y[known])) < 2:
            raise ValueError("fitting needs confirmed cases of both classes")
        self._model = self._make().fit(features.values[known], y[known].astype(np.int64))
        self.names = features.names
        return self

    def to_text(self) -> str:
        """The fitted model in LightGBM's own text format (`lightgbm.Booster(model_str=...)` reads it back;
        its `predict` gives the same probabilities as `score`). Only for the lightgbm engine: a model kept
        as text is never pickled code."""
        if self._model is None:
            raise RuntimeError("fit first")
        booster = getattr(self._model, "booster_", None)
        if booster is None:
            raise RuntimeError("only a lightgbm model has a text form")
        return booster.model_to_string()

    def score(self, features: Features) -> np.ndarray:
        if self._model is None:
            raise RuntimeError("fit first")
        if features.names != self.names:
            raise ValueError("features must have the columns the model was fitted on")
        return self._model.predict_proba(features.values)[:, 1]


def _folds(labels: np.ndarray, folds: int, seed: int, groups: np.ndarray | None = None) -> np.ndarray:
    """Stratified fold number of every row. With `groups` (one key per row, e.g. the finding an account was
    labelled in), every group falls whole into one fold, the groups stratified by their (majority) label:
    rows of one group share features (a burst, the same neighbours), so a group split across folds would
    let the model recognise the group rather than learn the label."""
    rng = np.random.default_rng(seed)
    out = np.empty(len(labels), dtype=np.int64)
    if groups is None:
        for cls in np.unique(labels):
            idx = rng.permutation(np.flatnonzero(labels == cls))
            out[idx] = np.arange(len(idx)) % folds
        return out
    keys, code = np.unique(np.asarray(groups), return_inverse=True)
    code = code.reshape(-1)
    y = np.asarray(labels, dtype=np.float64)
    group_label = np.rint(np.bincount(code, weights=y, minlength=len(keys))
                          / np.bincount(code, minlength=len(keys)))
    group_fold = np.empty(len(keys), dtype=np.int64)
    for cls in np.unique(group_label):
        idx = rng.permutation(np.flatnonzero(group_label == cls))
        group_fold[idx] = np.arange(len(idx)) % folds
    return group_fold[code]


def choose_params(features: Features, labels: np.ndarray, grid: tuple[dict[str, Any], ...] = DEFAULT_GRID,
                  *, folds: int = 4, seed: int = 0, engine: str = "auto",
                  groups: np.ndarray | None = None) -> tuple[dict[str, Any], float]:
    """The hyper-parameters of `grid` with the best mean ROC-AUC over stratified `folds`, using only the
    labelled rows given (never a test split), and that AUC. With `groups`, the folds keep each group whole
    (see `_folds`). The AUC returned is the best of the grid on the same folds, so it is optimistic:
    `nested_auc` estimates the quality of the whole procedure."""
    y = np.asarray(labels)
    fold = _folds(y, folds, seed, groups)
    best: tuple[float, dict[str, Any]] | None = None
    for params in grid:
        aucs = []
        for k in range(folds):
            train, test = fold != k, fold == k
            model = ReviewClassifier(params, engine=engine, seed=seed).fit(features.rows(train), y[train])
            aucs.append(roc_auc(y[test], model.score(features.rows(test))))
        mean = float(np.mean(aucs))
        if best is None or mean > best[0]:
            best = (mean, params)
    assert best is not None
    return dict(best[1]), best[0]


def nested_auc(features: Features, labels: np.ndarray, grid: tuple[dict[str, Any], ...] = DEFAULT_GRID,
               *, folds: int = 4, seed: int = 0, engine: str = "auto",
               groups: np.ndarray | None = None) -> float:
    """Mean ROC-AUC on held-out folds (groups kept whole when given) of the whole procedure: in each outer
    fold the hyper-parameters are chosen by `choose_params` on the other folds only, then scored on this one.
    Unlike `choose_params`'s figure, no held-out row helped choose the setting it is scored with."""
    y = np.asarray(labels)
    fold = _folds(y, folds, seed, groups)
    aucs = []
    for k in range(folds):
        train, test = fold != k, fold == k
        inner_groups = None if groups is None else np.asarray(groups)[train]
        inner = _inner_folds(y[train], inner_groups, folds)
        params, _auc = choose_params(features.rows(train), y[train], grid, folds=inner, seed=seed + 1,
                                     engine=engine, groups=inner_groups)
        model = ReviewClassifier(params, engine=engine, seed=seed).fit(features.rows(train), y[train])
        aucs.append(roc_auc(y[test], model.score(features.rows(test))))
    return float(np.mean(aucs))


def _inner_folds(y: np.ndarray, groups: np.ndarray | None, folds: int) -> int:
    """Inner folds: as many as asked, but no more than the units (rows or groups) of the rarer class."""
    if groups is None:
        units = [int((y == c).sum()) for c in np.unique(y)]
    else:
        units = [len(np.unique(np.asarray(groups)[y == c])) for c in np.unique(y)]
    return max(2, min([folds, *units]))
