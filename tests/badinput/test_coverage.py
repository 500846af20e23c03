"""Every write operation of both served OpenAPI documents is tried with broken bodies, and the body they are
broken from is a good one: its caller gets it accepted, so what refuses a broken one is what is broken in it."""

from __future__ import annotations

import pytest

from . import test_epcis_bodies, test_formula, test_members, test_whole_bodies
from .bodies import dumps
from .checks import item_refusals, send
from .operations import WRITE_METHODS, call_for, ids, operations

pytestmark = pytest.mark.django_db

OPS = operations()


def test_every_write_operation_of_the_served_documents_is_tried(client):
    served = []
    for url, prefix in (("/api/v1/openapi.json", "/api/v1/"), ("/epcis/openapi.json", "/epcis/")):
        document = client.get(url).json()
        served += [f"{m.upper()} {p}" for p, item in document["paths"].items() for m in item
                   if m in WRITE_METHODS]
        assert all(p.startswith(prefix) for p in document["paths"]), url
    assert sorted(served) == sorted(ids(OPS))
    tried = {
        "whole bodies": ids(test_whole_bodies.JSON_OPS + test_epcis_bodies.EPCIS_OPS),
        "members": ids(test_members.JSON_OPS + test_epcis_bodies.EPCIS_OPS),
        "formula text": ids(test_formula.JSON_OPS),
    }
    for what, ops in tried.items():
        json_ops = [op.id for op in OPS if op.json_body]
        assert sorted(set(ops)) == sorted(json_ops), what
    others = ids(test_whole_bodies.NO_BODY + test_whole_bodies.FILE_OPS)
    assert sorted(others) == sorted(op.id for op in OPS if not op.json_body)


@pytest.mark.parametrize("op", OPS, ids=ids(OPS))
def test_the_body_broken_bodies_come_from_is_accepted(world, op):
    call = call_for(op)
    body = call.valid_body(world)
    if op.raw_file:
        data, media = body, "application/octet-stream"
    elif body is None:
        data, media = b"", "application/json"
    else:
        data, media = dumps(body), "application/ld+json" if op.api == "epcis" else "application/json"
    response = send(world, call.caller, call.path(world), data, media)
    assert response.status_code == call.status, response.content[:400]
    if 200 <= response.status_code < 300:
        answer = response.json() if response.content else None
        assert not item_refusals(answer), answer
