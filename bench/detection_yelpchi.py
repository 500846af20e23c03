"""YelpChi part of the detection benchmark (first version of the yelpchi part of bench/detection.py).

    .venv/bin/python bench/detection_yelpchi.py [--seed 0] [--no-fraudar]

Prints one JSON line on stdout (progress on stderr). Needs UGFraud (data and its FRAUDAR), lightgbm
and scikit-learn (metrics, split).

* Data: YelpChi from UGFraud, reviews shuffled (the file order leaks the labels; see
  `ecredit.detection.yelpchi`). User label: spam if any review is spam (UGFraud's create_ground_truth).
* Unsupervised, all 38,063 users (and the 60 % test users, for comparison with the supervised part):
  ours = `unsupervised_score(review_features(...))` with the SpEagle priors; baselines measured in the
  same run: UGFraud's FRAUDAR (`detect_blocks` with `logWeightedAveDegree`, users scored by the
  normalised density of the first block holding them as UGFraud's `runFraudar` does, 1e-6 outside any
  block; users enter the matrix in a random order so its tie-breaking by index cannot read the
  label-revealing id order), the SpEagle user prior, and the review count (fewer reviews = more
  suspicious, the one-off-account rule; the opposite orientation is reported too).
* Supervised: a stratified 40 % of users (seed) for training, scored on the other 60 %. Ours: all
  features of `review_features` into `ReviewClassifier`, hyper-parameters by `choose_params` (4-fold
  CV inside the 40 %). Baseline: the same booster and the same CV on per-user degree features only
  (the user's degree, one-off flag, mean and max degree of its products).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def fraudar_user_scores(user_index: np.ndarray, product_index: np.ndarray, n_users: int,
                        n_products: int, seed: int) -> tuple[np.ndarray, int, float]:
    """UGFraud's FRAUDAR over the user x product matrix; returns user scores, blocks and seconds."""
    from scipy import sparse
    from UGFraud.Detector.Fraudar import detect_blocks, logWeightedAveDegree

    perm = np.random.default_rng(seed + 1).permutation(n_users)
    rows = perm[user_index]
    m = (sparse.coo_matrix((np.ones(len(rows)), (rows, product_index)),
                           shape=(n_users, n_products)) > 0).astype(int)
    t0 = time.perf_counter()
    blocks = detect_blocks(m, logWeightedAveDegree)
    seconds = time.perf_counter() - t0
    dens = [b[1] for b in blocks]
    lo, span = min(dens), max(dens) - min(dens)
    score_by_row = np.full(n_users, 1e-6)
    seen = np.zeros(n_users, dtype=bool)
    for (row_set, _), d in blocks:  # first block holding a user gives its score (runFraudar)
        r = np.fromiter(row_set, dtype=np.int64)
        r = r[~seen[r]]
        score_by_row[r] = (d - lo) / span if span > 0 else 1.0
        seen[r] = True
    return score_by_row[perm], len(blocks), seconds


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-fraudar", action="store_true", help="skip the FRAUDAR reference")
    args = ap.parse_args()

    from sklearn.metrics import average_precision_score, roc_auc_score
    from sklearn.model_selection import train_test_split

    from ecredit.detection.reviews import (ReviewClassifier, choose_params, review_features,
                                           unsupervised_score)
    from ecredit.detection.yelpchi import load_yelpchi

    t_start = time.perf_counter()
    d = load_yelpchi(seed=args.seed)
    y = d.user_labels.astype(np.int64)
    log(f"yelpchi: {d.n_reviews} reviews, {len(d.user_ids)} users, {len(d.product_ids)} products, "
        f"{y.mean():.3f} spam users")
    t0 = time.perf_counter()
    feats = review_features(d.users, d.products, user_prior=d.user_prior, review_prior=d.review_prior,
                            product_prior=d.product_prior)
    feature_s = time.perf_counter() - t0
    train, test = train_test_split(np.arange(len(y)), train_size=0.4, stratify=y, random_state=args.seed)

    def auc(s: np.ndarray, idx: np.ndarray | None = None) -> float:
        return round(float(roc_auc_score(y if idx is None else y[idx], s if idx is None else s[idx])), 4)

    def avp(s: np.ndarray) -> float:
        return round(float(average_precision_score(y, s)), 4)

    ours = unsupervised_score(feats)
    count = np.bincount(d.user_index, minlength=len(y)).astype(np.float64)
    baselines = {"prior": d.user_prior, "review_count": -count}
    out: dict = {"bench": "detection", "part": "yelpchi", "ours_unsup_auc": auc(ours),
                 "ours_unsup_ap": avp(ours)}
    if not args.no_fraudar:
        log("fraudar (UGFraud) ...")
        fr, n_blocks, fr_s = fraudar_user_scores(d.user_index, d.product_index, len(y), len(d.product_ids),
                                                 args.seed)
        baselines["fraudar"] = fr
        out.update(fraudar_blocks=n_blocks, fraudar_s=round(fr_s, 1))
    for name, s in baselines.items():
        out[f"{name}_auc"] = auc(s)
        out[f"{name}_ap"] = avp(s)
    out["review_count_more_is_suspicious_auc"] = auc(count)
    best = max(baselines, key=lambda n: out[f"{n}_auc"])
    out["best_baseline"] = best
    out["best_baseline_auc"] = out[f"{best}_auc"]
    out["ours_unsup_auc_test60"] = auc(ours, test)
    out["unsup_goal_met"] = out["ours_unsup_auc"] > out["best_baseline_auc"]

    log("supervised: CV inside the 40 % ...")
    degree_cols = ["log_degree", "one_off", "mean:product_log_degree", "max:product_log_degree"]
    sup = {}
    for name, f in (("ours", feats), ("baseline", feats.select(degree_cols))):
        t0 = time.perf_counter()
        params, cv_auc = choose_params(f.rows(train), y[train], seed=args.seed)
        model = ReviewClassifier(params, seed=args.seed).fit(f.rows(train), y[train])
        s = model.score(f.rows(test))
        sup[name] = {"auc": round(float(roc_auc_score(y[test], s)), 4),
                     "ap": round(float(average_precision_score(y[test], s)), 4),
                     "cv_auc": round(cv_auc, 4), "params": params, "s": round(time.perf_counter() - t0, 1)}
        log(f"  {name}: {sup[name]}")
    out.update(ours_sup_auc=sup["ours"]["auc"], ours_sup_ap=sup["ours"]["ap"],
               sup_baseline_auc=sup["baseline"]["auc"], sup_baseline_ap=sup["baseline"]["ap"],
               ours_sup_cv_auc=sup["ours"]["cv_auc"], sup_baseline_cv_auc=sup["baseline"]["cv_auc"],
               ours_sup_params=sup["ours"]["params"],
               sup_goal_met=sup["ours"]["auc"] > sup["baseline"]["auc"] and sup["ours"]["auc"] >= 0.80,
               train_users=len(train), test_users=len(test), features=len(feats.names),
               feature_s=round(feature_s, 3), seed=args.seed,
               seconds=round(time.perf_counter() - t_start, 1))
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
