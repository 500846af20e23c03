"""The labelled complaint sample (dev and holdout) and the precision/recall figures of a classifier over it.

How the sample was made is in README.md next to this file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

HERE = Path(__file__).resolve().parent
SPLITS = ("dev", "holdout")


def sample(split: str) -> list[tuple[str, str]]:
    """(category, text) pairs of one split: "dev" (used for tuning) or "holdout" (never used for tuning)."""
    if split not in SPLITS:
        raise ValueError(f"no sample split {split!r}; one of {SPLITS}")
    pairs = []
    for number, line in enumerate((HERE / f"{split}.txt").read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        category, sep, text = line.partition("\t")
        if not sep or not text.strip():
            raise ValueError(f"{split}.txt line {number}: expected <category><TAB><text>")
        pairs.append((category.strip(), text.strip()))
    return pairs


@dataclass(frozen=True)
class Scores:
    """Precision and recall per category, micro and macro, of predictions against labels."""

    per_category: dict[str, dict[str, float]]   # code -> {"precision", "recall", "support"}
    micro_precision: float
    micro_recall: float
    macro_precision: float
    macro_recall: float
    accuracy: float
    errors: tuple[tuple[str, str, str], ...]    # (label, predicted, text)


def score(pairs: Iterable[tuple[str, str]], predict: Callable[[str], str], *,
          default: str = "other") -> Scores:
    """Score `predict` over labelled `pairs`.

    The default category is the classifier's "don't know": micro figures count a prediction of it as no
    answer (so micro precision is over the texts given a real category, micro recall over those that have
    one), and macro figures average the real categories only. Accuracy counts every text."""
    pairs = list(pairs)
    predicted = [predict(text) for _, text in pairs]
    codes = sorted({label for label, _ in pairs} | set(predicted))
    per: dict[str, dict[str, float]] = {}
    for code in codes:
        tp = sum(1 for (label, _), guess in zip(pairs, predicted) if label == code and guess == code)
        fp = sum(1 for (label, _), guess in zip(pairs, predicted) if label != code and guess == code)
        fn = sum(1 for (label, _), guess in zip(pairs, predicted) if label == code and guess != code)
        per[code] = {"precision": tp / (tp + fp) if tp + fp else 0.0,
                     "recall": tp / (tp + fn) if tp + fn else 0.0, "support": tp + fn}
    real = [code for code in codes if code != default and per[code]["support"]]
    tp = sum(1 for (label, _), guess in zip(pairs, predicted) if guess == label != default)
    answered = sum(1 for guess in predicted if guess != default)
    labelled = sum(1 for label, _ in pairs if label != default)
    return Scores(
        per_category=per,
        micro_precision=tp / answered if answered else 0.0,
        micro_recall=tp / labelled if labelled else 0.0,
        macro_precision=sum(per[c]["precision"] for c in real) / len(real) if real else 0.0,
        macro_recall=sum(per[c]["recall"] for c in real) / len(real) if real else 0.0,
        accuracy=sum(1 for (label, _), guess in zip(pairs, predicted) if label == guess) / len(pairs),
        errors=tuple((label, guess, text) for (label, text), guess in zip(pairs, predicted)
                     if label != guess),
    )
