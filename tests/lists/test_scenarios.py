"""Runs the list procedures written in tests/lists/scenarios/*.yaml (one whole procedure per file).

A scenario names the list, the subject it follows (and any others), the records the subject starts with, and
dated steps. Each step travels to its date (10:00 in Nantong) and is taken by whoever `by` names (default: the
department that decides the list); background work that a step sets off (rescoring, entries following their
archive records) runs as it does in production. After each step the runner checks what `expect` says:

  status, grounds, origin and any date of the entry (notice_due, objection_due, decision_due, publication_due,
  published_on, repair_from, ends_on, exited_on, ...) — the subject's latest entry on the scenario's list;
  entry: none              the subject has no entry on the list;
  public: true|false       the list record is shown to the public today (archive public records and the
                           portal profile's list section, which must agree);
  tasks: {status: n}       the entry's measure tasks by status (every status not named: none); tasks: 0;
  task: {implementer, measure?, <field>: value, escalated: true|false}   one task (or a list of them);
  proposed: {list: n}      entries a scan (or the daily pass's scan) proposed, per list type;
  windows_closed, expired, escalated, revoked: n   what the daily pass did;
  entries: [{list, subject?, status | none}]        other entries;
  visible_to: {who: bool}  whether `who` finds the entry among the entries it may see;
  log: [action, ...]       the entry's change log, in order;
  figures: {implementer: {field: value}}            the credit office's supervision figures per implementer;
  exit_reason_contains: text;
  refused: <code>          the step must be refused with this error code (and change nothing).

At the end the change log must verify (`ecredit verify-log`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from ecredit.audit.services import verify
from ecredit.evaluation.services import rescore_subjects
from ecredit.archive.signals import batch_follows
from ecredit.kit.errors import DomainError
from ecredit.lists import joint, services
from ecredit.lists.models import MeasureTask
from ecredit.registry.models import Subject

from .world import World, background_tasks, on_day

SCENARIO_DIR = Path(__file__).parent / "scenarios"
SCENARIOS = sorted(SCENARIO_DIR.glob("*.yaml"))
ENTRY_STEPS = {"notify", "object", "decide_objection", "decide", "publish", "remove", "respond",
               "archive_repair"}
DECIDER_STEPS = {"notify", "decide_objection", "decide", "publish", "remove"}
DAILY_COUNTS = ("windows_closed", "expired", "escalated", "revoked")
NOT_ARGUMENTS = {"on", "do", "expect", "note"}


class ScenarioLoader(yaml.SafeLoader):
    """YAML as people write it: `on:` is a key, `yes`/`no`/`on`/`off` are words, only true/false booleans."""


ScenarioLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
ScenarioLoader.add_implicit_resolver("tag:yaml.org,2002:bool",
                                     re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def load(path: Path) -> dict[str, Any]:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=ScenarioLoader)  # noqa: S506 (a SafeLoader)


def test_every_required_scenario_is_written():
    assert {p.stem for p in SCENARIOS} >= {
        "objection_upheld", "repair_early", "repair_through_archive", "expiry", "revoke_by_department",
        "red_list_exit_ground", "platform_report", "escalation_national_day", "abnormal_operation"}


@pytest.mark.django_db
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path):
    scenario = load(path)
    Runner(scenario, path.name).run()


class Runner:
    def __init__(self, scenario: dict[str, Any], name: str) -> None:
        self.scenario, self.name = scenario, name
        self.list_type = scenario["list"]
        self.main = scenario["subject"]["name"]

    def run(self) -> None:
        steps = self.scenario["steps"]
        day = steps[0]["on"]
        with on_day(day):
            self.world = World()
            with batch_follows():  # the starting records are an initial load; grades are computed after it
                for name, spec in [(self.main, self.scenario["subject"])] + list(
                        (self.scenario.get("others") or {}).items()):
                    self.world.add_subject(name, spec)
                for spec in self.scenario.get("records", []):
                    self.world.record(spec, self.world.subject(spec.get("subject", self.main)))
            rescore_subjects(list(Subject.objects.values_list("id", flat=True)))
        for number, step in enumerate(steps, 1):
            day = step.get("on", day)
            where = f"{self.name} step {number} ({day}, {step['do']})"
            with on_day(day):
                self.step(step, day, where)
        result = verify()
        assert result.ok, f"{self.name}: change log does not verify: {result}"

    # ------------------------------------------------------------------------------------------ one step

    def step(self, step: dict[str, Any], day: dt.date, where: str) -> None:
        world, do = self.world, step["do"]
        args = {k: v for k, v in step.items() if k not in NOT_ARGUMENTS}
        list_type = args.pop("list_type", self.list_type)
        subject = world.subject(args.pop("subject", self.main))
        if do in DECIDER_STEPS:
            args.setdefault("by", world.decider(list_type))
        if do == "propose":
            args["evidence"] = [world.records[i] for i in args.pop("evidence_records", [])]
            action = lambda: world.propose(subject=subject, list_type=list_type, **args)  # noqa: E731
        elif do == "add_record":
            action = lambda: world.record(args, subject)  # noqa: E731
        elif do in ENTRY_STEPS:
            entry = world.entry(list_type, subject)
            assert entry is not None, f"{where}: no {list_type} entry for {subject.name}"
            action = lambda: getattr(world, do)(entry, **args)  # noqa: E731
        elif hasattr(world, do) and do in ("scan", "daily", "revoke_record"):
            action = lambda: getattr(world, do)(**args)  # noqa: E731
        else:
            raise AssertionError(f"{where}: unknown step {do!r}")
        expect = step.get("expect") or {}
        result = None
        if "refused" in expect:
            with pytest.raises(DomainError) as refusal:
                with background_tasks():
                    action()
            code = refusal.value.code
            assert code == expect["refused"], \
                f"{where}: refused with {code!r} ({refusal.value.message}), expected {expect['refused']!r}"
        else:
            try:
                with background_tasks():
                    result = action()
            except DomainError as exc:
                raise AssertionError(f"{where}: refused with {exc.code!r}: {exc.message}") from exc
        self.check(expect, result, list_type, subject, day, where)

    # ------------------------------------------------------------------------------------------ checks

    def check(self, expect: dict[str, Any], result: Any, list_type: str, subject, day: dt.date,
              where: str) -> None:
        world = self.world
        entry = world.entry(list_type, subject)
        for key, want in expect.items():
            if key == "refused":
                continue
            if key == "entry":
                assert want in (None, "none"), f"{where}: `entry:` only says none"
                assert entry is None, f"{where}: expected no {list_type} entry, found {entry}"
                continue
            if key == "proposed":
                got = result.proposed if hasattr(result, "proposed") else result["scan"]["proposed"]
                for code, n in want.items():
                    assert got.get(code, 0) == n, f"{where}: proposed {code}: {got.get(code, 0)} != {n}"
                continue
            if key in DAILY_COUNTS:
                assert result[key] == want, f"{where}: daily {key}: {result[key]} != {want} ({result})"
                continue
            if key == "figures":
                office = world.principal("credit_office")
                figures = {fig.code: fig for fig in joint.implementer_figures(office, day)}
                for who, fields in want.items():
                    fig = figures[world.orgs[who].code]
                    for name, value in fields.items():
                        got = getattr(fig, name)
                        assert got == value, f"{where}: figures {who}.{name}: {got} != {value}"
                continue
            if key == "entries":
                for spec in want:
                    other = world.entry(spec["list"], world.subject(spec.get("subject", self.main)))
                    status = other.status if other else "none"
                    assert status == spec["status"], f"{where}: {spec}: status {status}"
                continue
            assert entry is not None, f"{where}: no {list_type} entry to check {key} on"
            if key == "status":
                assert entry.status == want, f"{where}: status {entry.status} != {want}"
            elif key == "grounds":
                codes = [g["code"] for g in entry.grounds]
                assert codes == want, f"{where}: grounds {codes} != {want}"
            elif key == "public":
                shown = world.shown_publicly(list_type, subject, day)
                assert shown == want, f"{where}: shown publicly {shown} != {want}"
            elif key == "tasks":
                statuses = MeasureTask.objects.filter(entry=entry).values_list("status", flat=True)
                counts = dict(Counter(statuses))
                assert counts == (want or {}), f"{where}: tasks {counts} != {want}"
            elif key == "task":
                for spec in want if isinstance(want, list) else [want]:
                    task = world.task(entry, spec["implementer"], spec.get("measure"))
                    for name, value in spec.items():
                        if name in ("implementer", "measure"):
                            continue
                        got = bool(task.escalated_at) if name == "escalated" else getattr(task, name)
                        assert got == value, f"{where}: task {spec['implementer']} {name}: {got} != {value}"
            elif key == "visible_to":
                for who, visible in want.items():
                    seen = services.entries(world.principal(who, subject)).filter(pk=entry.pk).exists()
                    assert seen == visible, f"{where}: {who} sees the entry: {seen} != {visible}"
            elif key == "log":
                actions = [s["action"] for s in services.steps(entry)]
                assert actions == want, f"{where}: log {actions} != {want}"
            elif key == "exit_reason_contains":
                assert want in entry.exit_reason, f"{where}: exit reason {entry.exit_reason!r}"
            elif hasattr(entry, key):
                got = getattr(entry, key)
                if isinstance(got, dt.datetime):
                    got = got.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
                assert got == want, f"{where}: {key} {got} != {want}"
            else:
                raise AssertionError(f"{where}: unknown expectation {key!r}")
