"""One member wrong at a time, on every write operation of /api/v1/ that takes JSON: a value of the wrong type
(an object for a text, a number for a list, a list for an object), null, a 1 MB string. Each is refused in
our error shape and changes nothing; in a batch the item may instead be refused in the batch's report (its
receipt kept). Then hypothesis puts arbitrary JSON values into arbitrary members of both APIs' bodies
(derandomised: the same examples every run)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .bodies import MEMBERS, dumps, fields, label, replaced
from .checks import judge, report
from .operations import batch_of, call_for, must_not_be_null, operations

pytestmark = pytest.mark.django_db

JSON_OPS = [op for op in operations() if op.api == "api" and op.json_body]
CASES = [(op, kind) for op in JSON_OPS for kind in MEMBERS]
ALL_JSON_OPS = [op for op in operations() if op.json_body]


@pytest.mark.parametrize("op, kind", CASES, ids=[f"{op.id} {kind}" for op, kind in CASES])
def test_a_wrong_member_is_refused_and_changes_nothing(world, op, kind):
    call, batch = call_for(op), batch_of(op)
    outcomes = []
    for name, data, content_type in MEMBERS[kind](call.valid_body(world)):
        # null in a member the document lets be absent may mean "absent": accepted or refused, never a crash
        lenient = kind == "nulls" and name != "(body)" and not must_not_be_null(op, name)
        outcomes.append(judge(world, call.caller, call.path(world), name, data, content_type,
                              may_accept=lenient, batch_receipts=batch.receipts if batch else None))
    assert not report(outcomes), report(outcomes)


SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | \
    st.text(max_size=40)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8)


@given(data=st.data())
@settings(max_examples=120, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_any_json_value_in_any_member_is_never_a_crash(world, data):
    """Hypothesis puts any JSON value in any member of any operation's body: an acceptance or a refusal in our
    error shape that changed nothing, never a server error."""
    op = data.draw(st.sampled_from(ALL_JSON_OPS), label="operation")
    call, batch = call_for(op), batch_of(op)
    body = call.valid_body(world)
    members = [path for path, _value in fields(body)]
    if not members:
        return
    path = data.draw(st.sampled_from(members), label="member")
    value = data.draw(JSON_VALUES, label="value")
    media = "application/ld+json" if op.api == "epcis" else "application/json"
    outcome = judge(world, call.caller, call.path(world), label(path), dumps(replaced(body, path, value)), media,
                    api=op.api, may_accept=True, batch_receipts=batch.receipts if batch else None)
    assert not outcome.wrong, outcome
