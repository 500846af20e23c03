"""Schemathesis over /api/v1/: every operation, every caller's credentials, generated bodies, paths and query
strings. No answer may be a 5xx, and every answer must match the schema its operation declares (status code,
content type, body). `make fuzz` runs it with enough examples for >= 1,000 cases in all; `make test` skips it
(marker `fuzz`): a generated case that breaks is a finding to fix, not noise in every run."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import strategies as st

from tests.api.conftest import CALLERS

from .fuzzing import SETTINGS, run

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]
api = schemathesis.pytest.from_fixture("api_schema")


@api.given(caller=st.sampled_from(CALLERS))
@api.parametrize()
@SETTINGS
def test_api(case, caller, world):
    run(case, world, caller)
