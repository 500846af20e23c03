"""Duplicate ids inside one batch: the second item is refused in the batch's report, naming it (or, where
re-sending is harmless by design, counted as unchanged), and nothing is stored twice: the batch with the item
twice changes what the batch with it once changes, no more."""

from __future__ import annotations

import copy

import pytest
from django.db import transaction

from .bodies import dumps
from .checks import changes, fingerprint, item_refusals, send
from .operations import BATCHES, batch_of, call_for, ids, operations

pytestmark = pytest.mark.django_db

OPS = [op for op in operations() if op.id in BATCHES]
EPCIS_EVENT_ID = "urn:uuid:6f1f7f5e-0000-4000-8000-000000000001"


def _media(op) -> str:
    return "application/ld+json" if op.api == "epcis" else "application/json"


def _with_items(body: dict, where: tuple[str, ...], items: list) -> dict:
    out = copy.deepcopy(body)
    holder = out
    for key in where[:-1]:
        holder = holder[key]
    holder[where[-1]] = items
    return out


def _items(body: dict, where: tuple[str, ...]) -> list:
    for key in where:
        body = body[key]
    return body


def _effect(world, call, body, media) -> tuple[dict, object]:
    """What sending `body` changes (row counts and the change log's length), then undone."""
    sid = transaction.savepoint()
    before = fingerprint()
    response = send(world, call.caller, call.path(world), dumps(body), media)
    after = fingerprint()
    transaction.savepoint_rollback(sid)
    assert response.status_code < 500, response.content[:300]
    counted = {k: v for k, v in changes(before, after).items() if k != "chain_head"}
    counted["change log entries"] = after["chain_head"][0] - before["chain_head"][0]
    return counted, response


@pytest.mark.parametrize("op", OPS, ids=ids(OPS))
def test_a_duplicate_in_a_batch_is_refused_and_stored_once(world, op):
    call, batch = call_for(op), batch_of(op)
    body = call.valid_body(world)
    item = copy.deepcopy(_items(body, batch.items)[0])
    if op.api == "epcis":
        item["eventID"] = EPCIS_EVENT_ID
    once, first = _effect(world, call, _with_items(body, batch.items, [item]), _media(op))
    assert 200 <= first.status_code < 300 and not item_refusals(first.json()), first.content[:300]
    pair = _with_items(body, batch.items, [item, copy.deepcopy(item)])
    twice, second = _effect(world, call, pair, _media(op))
    answer = second.json()
    if 200 <= second.status_code < 300:
        if batch.duplicates == "absorbed":
            counted = answer.get("unchanged", 0) == 1 or \
                answer.get("storedCount") == answer.get("eventCount", 0) - 1
            assert counted, f"the report does not count the duplicate as stored once: {answer}"
        else:
            assert item_refusals(answer), f"the duplicate was not refused: {answer}"
        assert twice == once, f"one item changed {once}, the item twice {twice}"
    else:
        assert second.status_code in (400, 409, 422) and answer["code"], answer
        assert not {k: v for k, v in twice.items() if v}, twice


def _lists_of_objects(value, path=()) -> list[tuple]:
    """Where a body carries a list of objects."""
    found = []
    if isinstance(value, dict):
        for key, member in value.items():
            found += _lists_of_objects(member, (*path, key))
    elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
        found.append(path)
    return found


def test_every_route_that_takes_a_list_of_objects_is_declared_a_batch(world):
    """A route whose valid body carries a list of objects is a batch: declared in operations.BATCHES (where
    its items are, what names one), so that a duplicate among them is tried."""
    undeclared = {}
    for op in operations():
        if op.json_body and op.id not in BATCHES:
            found = _lists_of_objects(call_for(op).valid_body(world))
            if found:
                undeclared[op.id] = found
    assert not undeclared
    for op_id, batch in BATCHES.items():
        op = next(o for o in operations() if o.id == op_id)
        assert batch.items in _lists_of_objects(call_for(op).valid_body(world)), op_id
