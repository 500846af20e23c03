"""Shared pieces of the API fuzzing (`make fuzz`): the checks, the callers' credentials, the case count."""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

EXAMPLES = int(os.environ.get("ECREDIT_FUZZ_EXAMPLES", "10"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
CASES: dict[str, int] = {}
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


def load_schema(path: str):
    """One of our OpenAPI documents, calling the app in process."""
    from ecredit.wsgi import application

    return schemathesis.openapi.from_wsgi(path, application)


def headers(world, caller: str) -> dict[str, str]:
    """The credentials of one of the world's callers."""
    if caller == "anon":
        return {}
    if caller == "badtoken":
        return {"Authorization": "Bearer ec_not_a_token"}
    if caller == "subject":
        client = world.client("subject")
        return {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}
    return {"Authorization": f"Bearer {world.tokens[caller]}"}


def run(case, world, caller: str) -> None:
    """Call the operation as `caller` and check the answer."""
    CASES[caller] = CASES.get(caller, 0) + 1
    response = case.call(headers=headers(world, caller))
    case.validate_response(response, checks=CHECKS)
