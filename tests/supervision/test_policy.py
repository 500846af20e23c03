"""plan.yaml: the plan's 18 tasks load, joined with departments.yaml; an inconsistent file stops start-up."""

from __future__ import annotations


import pytest

from ecredit.policy import PolicyError, in_force, load
from tests.rulefiles import edit
from ecredit.policy.plan_rules import task_departments




def test_the_plans_eighteen_tasks_load_with_their_departments():
    current = load()
    plan = current.plan
    assert [t.number for t in plan.tasks] == list(range(1, 19))
    assert plan.task(11).title.zh == "落实电子商务平台主体责任" and plan.task(11).section == "supervision"
    assert "R11.3" in plan.task(11).requirements and plan.task(18).requirements == ["R18.1", "R18.2"]
    assigned = task_departments(plan, current.departments)
    assert assigned[11].leads == ("commerce", "market_regulation")           # 牵头单位：市工商局、市商务局
    assert assigned[1].leads == ("public_security",) and "telecom" in assigned[1].supports
    assert assigned[12].role("civil_affairs") == "support" and assigned[12].role("postal") is None
    assert all(assigned[n].leads for n in range(1, 19))


def test_reporting_and_compliance_rules_are_dated_and_cited():
    plan = load().plan
    for version in [*plan.reporting, *plan.compliance]:
        assert version.effective and len(version.reference) > 4
    rule = in_force(plan.reporting, __import__("datetime").date(2026, 1, 1))
    assert rule.period == "quarter" and "任务十八" in rule.reference and rule.due_working_days > 0
    assert "platform_interview" in plan.compliance[-1].interview_types


def _drop_task(number):
    def change(data):
        data["tasks"] = [t for t in data["tasks"] if t["number"] != number]
    return change


@pytest.mark.parametrize("file, change, key, words", [
    # a department names a task the plan does not have
    ("departments.yaml", lambda d: d["departments"][1]["leads"].append(19), "departments.1(public_security).leads",
     "task 19 is not in plan.yaml"),
    # a task number missing from the plan (task 5 is still named in departments.yaml)
    ("plan.yaml", _drop_task(5), "tasks", "task 5 is missing"),
    # a task listed twice
    ("plan.yaml", lambda d: d["tasks"].append(dict(d["tasks"][0])), "tasks.18.number", "task 1 is listed twice"),
    # a task whose only lead department was removed from departments.yaml
    ("departments.yaml", lambda d: next(x for x in d["departments"] if x["code"] == "pbc_nantong").update(
        leads=[10, 12]), "tasks.2.number", "task 3 has no lead department"),
    ("departments.yaml", lambda d: d["departments"][1]["supports"].append(1), "public_security",
     "leads and supports the same task"),
    ("plan.yaml", lambda d: d["tasks"][0].update(section="elsewhere"), "tasks.0.section", "unknown section"),
    ("plan.yaml", lambda d: d["tasks"][0].update(requirements=["R1.1", "one"]), "tasks.0", "pattern"),
    ("plan.yaml", lambda d: d["reporting"][0].pop("reference"), "reporting.0", "reference"),
    ("plan.yaml", lambda d: d["reporting"][0].update(due_working_days=0), "reporting.0", "greater than or equal"),
    ("plan.yaml", lambda d: d["compliance"][0].update(interview_types=["nope"]), "compliance.0.interview_types",
     "no record type 'nope'"),
    ("plan.yaml", lambda d: d["compliance"][0].update(risk_alert_kinds=["rumour"]), "compliance.0.risk_alert_kinds",
     "no notice kind 'rumour'"),
])
def test_an_inconsistent_plan_is_refused_at_load(rules_copy, file, change, key, words):
    edit(rules_copy / file, change)
    with pytest.raises(PolicyError) as exc:
        load(rules_copy)
    message = str(exc.value)
    assert key in message and words in message, message
