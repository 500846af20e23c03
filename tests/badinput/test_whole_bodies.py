"""Whole-body breakage on every write operation of /api/v1/ that takes JSON: not JSON, cut short, a list or a
number for the object, 10,000 levels of nesting, NaN/Infinity/numbers no column holds, a member twice, bytes
that are not UTF-8, a GBK body. Each is refused (400/422 in our error shape) and changes nothing. Operations
that take no body ignore a junk one; those that take a file refuse a broken one."""

from __future__ import annotations

import re

import pytest

from .bodies import JSON, WHOLE_BODY
from .checks import judge, report
from .operations import call_for, ids, operations

pytestmark = pytest.mark.django_db

OPS = [op for op in operations() if op.api == "api"]
JSON_OPS = [op for op in OPS if op.json_body]
CASES = [(op, kind) for op in JSON_OPS for kind in WHOLE_BODY]


@pytest.mark.parametrize("op, kind", CASES, ids=[f"{op.id} {kind}" for op, kind in CASES])
def test_a_broken_body_is_refused_and_changes_nothing(world, op, kind):
    call = call_for(op)
    outcomes = [judge(world, call.caller, call.path(world), label, data, content_type)
                for label, data, content_type in WHOLE_BODY[kind](call.valid_body(world))]
    assert not report(outcomes), report(outcomes)


NO_BODY = [op for op in OPS if not op.json_body and not op.raw_file]


@pytest.mark.parametrize("op", NO_BODY, ids=ids(NO_BODY))
def test_an_operation_without_a_body_ignores_a_junk_one(world, op):
    """A body where none is expected is not read: the answer is the operation's own (not a crash)."""
    call = call_for(op)
    outcome = judge(world, call.caller, call.path(world), "junk", b"\xff\xfe<not json>", JSON, may_accept=True)
    assert outcome.status == call.status, outcome


FILE_OPS = [op for op in OPS if op.raw_file]


def _broken_files() -> dict[str, tuple[bytes, str]]:
    from tests.test_uploads import bomb, xlsx

    workbook = xlsx([["投诉单号", "投诉内容"], ["F-1", "收到就坏了"]])
    return {
        "random bytes named .xlsx": (bytes(range(256)) * 64, "export.xlsx"),
        "a zip bomb": (bomb(30), "export.xlsx"),
        "a truncated workbook": (workbook[:len(workbook) // 2], "export.xlsx"),
        "a 40,000-character cell": (f"运单号,投诉单号,投诉内容\r\nA1,F-1,{'长' * 40_000}\r\n".encode(), "export.csv"),
        "undecodable bytes": (bytes(range(128, 256)) * 40, "export.csv"),
        "an empty file": (b"", "export.csv"),
    }


@pytest.mark.parametrize("op", FILE_OPS, ids=ids(FILE_OPS))
def test_a_broken_file_is_refused_and_changes_nothing(world, op):
    """Routes that take a file as the raw body (?filename= names it) refuse a broken one whole."""
    call = call_for(op)
    outcomes = []
    for label, (data, name) in _broken_files().items():
        path = re.sub(r"filename=[^&]*", f"filename={name}", call.path(world))
        outcomes.append(judge(world, call.caller, path, label, data, "application/octet-stream"))
    assert not report(outcomes), report(outcomes)
