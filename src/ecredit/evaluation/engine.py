"""Scoring formulas: pure functions over arrays (no Django), the same for one subject or a million.

Raw indicator values come in as a float matrix (subjects × indicators; NaN = no data). Every contribution is
computed in hundredths of a point and rounded once, so a score is exactly base + the sum of its contributions
+ its bound adjustment, and an explanation shown to a person adds up to the number they see.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HUNDRED = 100


def model_version(code: str, model) -> str:
    """The name of one version of a model, as scores store it: `shop@2024-01-01`."""
    return f"{code}@{model.effective.isoformat()}"


def contributions(model, raw: np.ndarray) -> np.ndarray:
    """Each indicator's contribution in hundredths of a point (int64, subjects × indicators)."""
    raw = np.asarray(raw, dtype=np.float64).reshape(-1, len(model.indicators))
    out = np.zeros(raw.shape, dtype=np.int64)
    for j, indicator in enumerate(model.indicators):
        value = np.nan_to_num(raw[:, j], nan=0.0)
        if indicator.kind == "records":
            points = value * indicator.points_each
            points = np.maximum(points, indicator.cap) if indicator.cap < 0 else np.minimum(points, indicator.cap)
        elif indicator.kind == "figure":
            share = (raw[:, j] - indicator.from_) / (indicator.to - indicator.from_)
            points = np.nan_to_num(np.clip(share, 0.0, 1.0), nan=0.0) * indicator.points
        else:
            points = (value != 0) * float(indicator.points)
        out[:, j] = np.rint(points * HUNDRED).astype(np.int64)
    return out


@dataclass(frozen=True)
class Scored:
    """Scores of a model for many subjects, all in hundredths of a point."""

    contributions: np.ndarray     # subjects × indicators
    bound: np.ndarray             # adjustment that keeps the score inside [min_score, max_score]
    scores: np.ndarray
    grades: np.ndarray            # grade letters


def grade_of(model, scores_hundredths: np.ndarray) -> np.ndarray:
    """The grade band each score falls in (bands run from the best down; the last catches the rest)."""
    grades = np.full(scores_hundredths.shape, model.bands[-1].grade, dtype=object)
    for band in reversed(model.bands[:-1]):
        grades[scores_hundredths >= round(band.min * HUNDRED)] = band.grade
    return grades


def evaluate(model, raw: np.ndarray) -> Scored:
    """Contributions, bound adjustment, score and grade for every row of `raw`."""
    parts = contributions(model, raw)
    base = round(model.base * HUNDRED)
    unbounded = base + parts.sum(axis=1)
    bounded = np.clip(unbounded, round(model.min_score * HUNDRED), round(model.max_score * HUNDRED))
    return Scored(parts, bounded - unbounded, bounded, grade_of(model, bounded))
