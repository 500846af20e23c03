#!/usr/bin/env python
"""Complaints: classification speed and quality against a same-run baseline; intake throughput (to come).

    .venv/bin/python bench/complaints.py                 # 20,000 texts, 3 rounds
    .venv/bin/python bench/complaints.py --texts 50000

Classification (pure: no database, so none is set up for it):
1. The texts are the labelled sample (src/ecredit/complaints/data: dev + holdout, ~390 complaints of one to
   three sentences), repeated with a distinct order number appended until there are `--texts` of them, so no
   two texts are the same.
2. `classify_per_s`: `ecredit.complaints.classify.classify()` over all texts (regular-expression rules, jieba
   segmentation, keyword scores), the best of `--rounds` rounds. jieba's dictionary loads on the first call,
   before the clock starts; its cost is reported as `cold_start_s`.
3. Baseline `substring_per_s`: the same texts through a plain substring scan over the same keyword lists
   (for each category, the sum of the weights of the keywords found anywhere in the text; the best wins),
   which is the least any keyword classifier does. `ratio` = classify_per_s / substring_per_s.
4. Quality on the sample: micro and macro precision and recall of classify() on the holdout split (never used
   to write or tune the rules) and on the dev split (used for tuning), and the substring baseline's holdout
   figures for comparison. "other" counts as no answer (see ecredit.complaints.data.score).
Intake: `intake_figures()` (empty until the intake service exists).
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def substring_classifier(on: dt.date):
    """The baseline: the keyword lists in force on `on`, scanned as plain substrings of the text."""
    from ecredit import policy
    from ecredit.policy import in_force

    source = policy.current().complaint_categories
    lists = [(code, tuple(in_force(versions, on).keywords.items()))
             for code, versions in source.categories.items()]
    default = source.default

    def predict(text: str) -> str:
        best, winner = 0.0, default
        for code, keywords in lists:
            total = sum(weight for word, weight in keywords if word in text)
            if total > best:
                best, winner = total, code
        return winner

    return predict


def rate(function, texts: list[str], rounds: int) -> float:
    """Texts per second: the best of `rounds` passes over `texts`."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for text in texts:
            function(text)
        best = min(best, time.perf_counter() - started)
    return len(texts) / best


def classification_figures(count: int, rounds: int) -> dict:
    """Classification throughput against the substring baseline, and precision/recall on the sample."""
    from ecredit.complaints.classify import classify
    from ecredit.complaints.data import sample, score

    today = dt.date.today()
    labelled = sample("dev") + sample("holdout")
    texts = [f"{labelled[n % len(labelled)][1]}订单号{100000 + n}。" for n in range(count)]

    started = time.perf_counter()
    classify("快递丢了", on=today)                     # loads the rules and jieba's dictionary
    cold = time.perf_counter() - started
    baseline = substring_classifier(today)

    log(f"classifying {len(texts)} texts, {rounds} rounds")
    ours = rate(lambda text: classify(text, on=today), texts, rounds)
    theirs = rate(baseline, texts, rounds)

    figures: dict = {"texts": len(texts), "sample_dev": len(sample("dev")),
                     "sample_holdout": len(sample("holdout")), "cold_start_s": round(cold, 2), "classify_per_s": round(ours),
                     "substring_per_s": round(theirs), "ratio": round(ours / theirs, 3)}
    for split in ("holdout", "dev"):
        result = score(sample(split), lambda text: classify(text, on=today).category)
        for name in ("micro_precision", "micro_recall", "macro_precision", "macro_recall", "accuracy"):
            figures[f"{split}_{name}"] = round(getattr(result, name), 3)
    result = score(sample("holdout"), baseline)
    for name in ("micro_precision", "micro_recall", "macro_precision", "macro_recall"):
        figures[f"substring_holdout_{name}"] = round(getattr(result, name), 3)
    return figures


def intake_figures() -> dict:
    """Intake throughput: TO BE FILLED IN BY THE LEAD once the intake service exists.

    Expected shape, as in bench/lists.py: a temporary ECREDIT_HOME with its own SQLite file (`ecredit
    migrate`), then complaints sent through the hotline intake (per hotline layout, in bulk) timed against a
    same-run baseline (e.g. the plain insert of the same rows), returned as flat keys ("intake_per_s", ...).
    """
    return {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    figures = classification_figures(args.texts, args.rounds)
    print(json.dumps({"bench": "complaints", **figures, **intake_figures()}, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
