"""Runs the YAML scenarios in tests/policy/scenarios against the rules in policy/rules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from ecredit import policy
from ecredit.archive import publicity

SCENARIOS = yaml.safe_load((Path(__file__).parent / "scenarios" / "publicity.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", SCENARIOS, ids=[c["name"] for c in SCENARIOS])
def test_publicity_scenario(case):
    record = dict(case["record"])
    type_code, decided_on = record.pop("type"), record.pop("decided_on")
    current = policy.current()
    rule = current.record_types[type_code]
    window = publicity.compute(current.publicity_rule(rule.publicity, decided_on), decided_on,
                               {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in record.items()},
                               rule.disclosure)
    for key, expected in case["expect"].items():
        assert getattr(window, key) == expected, f"{key}: {getattr(window, key)} != {expected} ({window.basis})"
    if window.published:
        assert window.basis and "（" in window.basis  # cites its rule
