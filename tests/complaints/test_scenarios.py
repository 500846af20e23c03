"""Runs the handling scenarios written in tests/complaints/scenarios/*.yaml (one case's life per file).

A scenario names the hotline whose sample item (tests/complaints/samples.py) is received, and dated steps. Each
step travels to its day and time in Nantong and is taken by the department handling the case (or `by`):

  receive  {with: {column: value}, kind: complaint|report}   the hotline sends its item (columns overridden);
                                                             the case followed is the one of `kind`
  accept, not_accept {reason}, transfer {department|outside}, start_mediation, pause {reason}, resume,
  record_clue {text}, check_clue {result, extend}, mediated {agreement, merchant_at_fault, compensation},
  terminate {reason}, notify_termination {channel}, close {outcome, text}, decide_filing {file, note},
  extend_filing {reason}, notify_reporter, daily (the daily pass; its counts can be expected as `daily`)

After each step `expect` may say: status, any date or field of the case (accept_due, mediation_due, next_due,
next_due_estimated, escalation_level, was_overdue, upheld, handling …); `pushed`: the hotline status codes
queued for the case so far, in order; `record: true|false` (an archive record was written); `daily: {overdue,
level_1, level_2}`; `refused: <code>` (the step must be refused with this error code and change nothing).
At the end the change log must verify.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from ecredit.audit.services import verify
from ecredit.complaints import flows, services
from ecredit.complaints.models import Complaint
from ecredit.kit.errors import DomainError

from .conftest import on_day
from .samples import SAMPLES

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.yaml"))
STEPS = {"accept", "not_accept", "transfer", "start_mediation", "pause", "resume", "record_clue", "check_clue",
         "mediated", "terminate", "notify_termination", "close", "decide_filing", "extend_filing",
         "notify_reporter"}
NOT_ARGUMENTS = {"on", "do", "expect", "note_for_reader", "by", "with", "kind"}


class Loader(yaml.SafeLoader):
    """`on:` is a key and yes/no are words: only true/false are booleans."""


Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))


def _when(value: Any) -> tuple[dt.date, int]:
    text = str(value)
    day = dt.date.fromisoformat(text[:10])
    return day, int(text[11:13]) if len(text) > 10 else 10


def _compare(case: Complaint, name: str, wanted: Any) -> None:
    if name == "handling":
        assert case.handling_org.code == wanted
        return
    got = getattr(case, name)
    if isinstance(got, dt.datetime):
        got = got.date()
    if isinstance(wanted, dt.date) or (isinstance(got, dt.date) and isinstance(wanted, str)):
        wanted = dt.date.fromisoformat(str(wanted))
    assert got == wanted, f"{name}: {got!r} != {wanted!r}"


@pytest.mark.django_db
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(city, path):
    scenario = yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)  # noqa: S506 (a SafeLoader)
    number = str(scenario["hotline"])
    case: Complaint | None = None
    for index, step in enumerate(scenario["steps"]):
        where = f"{path.stem} step {index + 1} ({step['do']})"
        day, hour = _when(step["on"])
        expect = dict(step.get("expect") or {})
        refused = expect.pop("refused", None)
        arguments = {k: v for k, v in step.items() if k not in NOT_ARGUMENTS}
        with on_day(day, hour):
            try:
                if step["do"] == "receive":
                    item = {**SAMPLES[number][0], **(step.get("with") or {})}
                    report = services.intake_hotline(number, [item], city.hotline(number))
                    assert report.count("rejected") == 0, report.as_dict()
                    case = Complaint.objects.filter(channel=number, kind=step.get("kind", "complaint")) \
                        .order_by("-id").first()
                elif step["do"] == "daily":
                    counts = flows.advance()
                    if "daily" in expect:
                        assert counts == expect.pop("daily"), (where, counts)
                else:
                    assert step["do"] in STEPS, where
                    actor = city.principal(step.get("by") or case.handling_org.code)
                    getattr(flows, step["do"])(case.pk, actor, **arguments)
                assert refused is None, f"{where}: expected refusal {refused}"
            except DomainError as exc:
                if refused is None:
                    raise AssertionError(f"{where}: refused {exc.code}: {exc.message}") from None
                assert exc.code == refused, (where, exc.code)
        case = Complaint.objects.select_related("handling_org").get(pk=case.pk)
        pushed = expect.pop("pushed", None)
        if pushed is not None:
            assert list(case.updates.order_by("id").values_list("status_code", flat=True)) == \
                [str(p) for p in pushed], where
        record = expect.pop("record", None)
        if record is not None:
            assert (case.record_id is not None) == record, where
        for name, wanted in expect.items():
            try:
                _compare(case, name, wanted)
            except AssertionError as exc:
                raise AssertionError(f"{where}: {exc}") from None
    assert verify().ok


def test_every_required_scenario_is_written():
    assert {p.stem for p in SCENARIOS} >= {"national_day", "spring_festival", "inspection_pause", "escalation",
                                           "report_real_name", "termination_notice", "unknown_year"}
