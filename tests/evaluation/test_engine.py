"""The scoring engine's promises, for any input: contributions respect their caps, a score is exactly base +
contributions + bound, it stays inside the model's range, and grades follow the bands."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ecredit.evaluation import engine, features

MODELS = features.models_in_force(dt.date(2026, 6, 30))


def raw_for(model):
    """Random raw values: counts for records indicators, any float or none for figures, 0/1 for flags."""
    columns = []
    for indicator in model.indicators:
        if indicator.kind == "records":
            columns.append(st.integers(0, 50).map(float))
        elif indicator.kind == "figure":
            columns.append(st.one_of(st.just(float("nan")), st.floats(-10, 10, allow_nan=False)))
        else:
            columns.append(st.sampled_from([0.0, 1.0]))
    return st.lists(st.tuples(*columns), min_size=1, max_size=30).map(lambda rows: np.array(rows, dtype=np.float64))


@settings(max_examples=60, deadline=None)
@given(data=st.data(), code=st.sampled_from(sorted(MODELS)))
def test_score_is_exactly_the_sum_of_its_parts(data, code):
    model = MODELS[code].rule
    raw = data.draw(raw_for(model))
    scored = engine.evaluate(model, raw)
    base = round(model.base * 100)
    assert (scored.scores == base + scored.contributions.sum(axis=1) + scored.bound).all()
    assert (scored.scores >= round(model.min_score * 100)).all() and (scored.scores <= round(model.max_score * 100)).all()
    for j, indicator in enumerate(model.indicators):
        column = scored.contributions[:, j]
        if indicator.kind == "records":
            limit = round(indicator.cap * 100)
            assert ((column >= limit) & (column <= 0)).all() if limit < 0 else ((column <= limit) & (column >= 0)).all()
        elif indicator.kind == "figure":
            bound = round(indicator.points * 100)
            assert ((column >= min(0, bound)) & (column <= max(0, bound))).all()
    bands = {b.grade: round(b.min * 100) for b in model.bands}
    for score, grade in zip(scored.scores, scored.grades):
        better = [b for b in model.bands if round(b.min * 100) <= score]
        assert grade == better[0].grade and score >= bands[grade]


@settings(max_examples=40, deadline=None)
@given(count=st.integers(0, 40), more=st.integers(1, 5), code=st.sampled_from(sorted(MODELS)))
def test_a_further_negative_record_never_raises_a_score(count, more, code):
    model = MODELS[code].rule
    for j, indicator in enumerate(model.indicators):
        if indicator.kind != "records" or indicator.points_each > 0:
            continue
        raw = np.zeros((2, len(model.indicators)))
        raw[0, j], raw[1, j] = count, count + more
        scored = engine.evaluate(model, raw)
        assert scored.scores[1] <= scored.scores[0]
