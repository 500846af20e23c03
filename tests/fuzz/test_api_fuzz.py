"""Schemathesis over the whole OpenAPI documents (/api/v1/ and /epcis/): every operation, every caller's credentials,
generated bodies, paths and query strings. No answer may be a 5xx, and every answer must match the schema its
operation declares (status code, content type, body). `make fuzz` runs it with enough examples for >= 1,000 cases;
in `make test` it is skipped (marker `fuzz`), because a generated case that breaks is a finding to fix, not noise
in every run.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from tests.api.conftest import CALLERS

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("ECREDIT_FUZZ_EXAMPLES", "10"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
CASES: dict[str, int] = {}


def _schema(path: str):
    from ecredit.wsgi import application

    return schemathesis.openapi.from_wsgi(path, application)


api = schemathesis.pytest.from_fixture("api_schema")
epcis = schemathesis.pytest.from_fixture("epcis_schema")


@pytest.fixture(scope="session")
def api_schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return _schema("/api/v1/openapi.json")


@pytest.fixture(scope="session")
def epcis_schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return _schema("/epcis/openapi.json")


def _headers(world, caller: str) -> dict[str, str]:
    if caller == "anon":
        return {}
    if caller == "badtoken":
        return {"Authorization": "Bearer ec_not_a_token"}
    if caller == "subject":
        client = world.client("subject")
        return {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}
    return {"Authorization": f"Bearer {world.tokens[caller]}"}


def _run(case, world, caller: str) -> None:
    CASES[caller] = CASES.get(caller, 0) + 1
    response = case.call(headers=_headers(world, caller))
    case.validate_response(response, checks=CHECKS)


_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                     suppress_health_check=list(HealthCheck))


@api.given(caller=st.sampled_from(CALLERS))
@api.parametrize()
@_SETTINGS
def test_api(case, caller, world):
    _run(case, world, caller)


@epcis.given(caller=st.sampled_from(CALLERS))
@epcis.parametrize()
@_SETTINGS
def test_epcis(case, caller, world):
    _run(case, world, caller)


def test_enough_cases_were_generated():
    """Runs last in this module: the run generated at least the cases `make fuzz` promises."""
    total = sum(CASES.values())
    if os.environ.get("ECREDIT_FUZZ_MIN"):
        assert total >= int(os.environ["ECREDIT_FUZZ_MIN"]), CASES
    print(f"fuzz cases: {total} by caller {CASES}")
