"""Runs after the fuzzing modules (files run in name order): the run generated the cases `make fuzz` promises."""

from __future__ import annotations

import os

import pytest

from .fuzzing import CASES

pytestmark = pytest.mark.fuzz


def test_enough_cases_were_generated():
    total = sum(CASES.values())
    if os.environ.get("ECREDIT_FUZZ_MIN"):
        assert total >= int(os.environ["ECREDIT_FUZZ_MIN"]), CASES
    print(f"fuzz cases: {total} by caller {CASES}")
