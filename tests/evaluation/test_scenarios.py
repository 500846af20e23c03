"""The evaluation models' scenarios (tests/evaluation/scenarios/*.yaml): a situation a policy officer can read,
and the grade, score and points per indicator the model in force must give. Runs without a database: the same
counting rules as the archive path (features.counted_types, window_start), the same engine."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
import yaml

from ecredit.archive.models import LIVE_STATUSES
from ecredit.evaluation import engine, features

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.yaml"))
CASES = [(path, case) for path in SCENARIOS for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]]


def _raw(model, case: dict, as_of: dt.date) -> np.ndarray:
    records = [r for r in case.get("records", []) for _ in range(r.get("repeat", 1))
               if r.get("status", "active") in LIVE_STATUSES]
    raw = []
    for indicator in model.indicators:
        if indicator.kind == "records":
            types, start = features.counted_types(indicator), features.window_start(indicator, as_of)
            raw.append(sum(1 for r in records if r["type"] in types and start <= r["decided"] <= as_of))
        elif indicator.kind == "figure":
            raw.append(case.get("figures", {}).get(indicator.figure, math.nan))
        else:
            raw.append(1.0 if case.get("verified") else 0.0)
    return np.array([raw], dtype=np.float64)


@pytest.mark.parametrize("path, case", CASES, ids=[f"{p.stem}: {c['name']}" for p, c in CASES])
def test_scenario(path, case):
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    as_of = spec["as_of"]
    model = features.models_in_force(as_of)[spec["model"]].rule
    scored = engine.evaluate(model, _raw(model, case, as_of))
    expect = case["expect"]
    points = {i.code: Decimal(int(scored.contributions[0, j])) / 100 for j, i in enumerate(model.indicators)}
    for code, value in expect.get("lines", {}).items():
        assert points[code] == Decimal(str(value)), f"{code}: {points[code]} != {value}"
    assert Decimal(int(scored.bound[0])) / 100 == Decimal(str(expect.get("bound", 0)))
    assert Decimal(int(scored.scores[0])) / 100 == Decimal(str(expect["score"]))
    assert scored.grades[0] == expect["grade"]


def test_every_model_has_scenarios():
    from ecredit import policy

    covered = {yaml.safe_load(p.read_text(encoding="utf-8"))["model"] for p in SCENARIOS}
    assert covered == set(policy.current().evaluation.models)
