"""Schemathesis over the EPCIS 2.0 binding at /epcis/ (its own OpenAPI document), as test_api_fuzz.py does for
/api/v1/, in a world of its own."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import strategies as st

from tests.api.conftest import CALLERS

from .fuzzing import SETTINGS, run

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]
epcis = schemathesis.pytest.from_fixture("epcis_schema")


@epcis.given(caller=st.sampled_from(CALLERS))
@epcis.parametrize()
@SETTINGS
def test_epcis(case, caller, world):
    run(case, world, caller)
