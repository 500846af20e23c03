"""safe_consumption.yaml is checked when the rules load: every record type, category, details field, list type,
grade and department it names must exist, and a malformed criterion stops start-up naming the file and key."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from ecredit import policy
from ecredit.policy import PolicyError, load
from ecredit.policy.loader import RULES_DIR
from ecredit.policy.safe_consumption_rules import SafeConsumptionRules

RULES = yaml.safe_load((RULES_DIR / "safe_consumption.yaml").read_text(encoding="utf-8"))


def problems(change) -> list[str]:
    data = copy.deepcopy(RULES)
    change(data["schemes"][0])
    rules = SafeConsumptionRules.model_validate(data)
    return [f"{key}: {reason}" for _file, key, reason in rules.problems(policy.current())]


def criterion(scheme: dict, code: str) -> dict:
    return next(c for c in scheme["criteria"] if c["code"] == code)


def test_the_rules_in_force_resolve():
    assert problems(lambda s: None) == []
    scheme = policy.current().safe_consumption.scheme()
    assert scheme.valid_for.years == 1 and {"market_regulation", "commerce", "credit_office"} <= set(scheme.reviewers)
    assert all(c.reference for c in scheme.criteria)


@pytest.mark.parametrize("change, expected", [
    (lambda s: criterion(s, "complaints_within_limit")["check"]["records"].update(types=["complaint_maybe"]),
     "no record type 'complaint_maybe'"),
    (lambda s: criterion(s, "no_recent_penalty")["check"]["records"].update(categories=["penalties"]),
     "no category 'penalties'"),
    (lambda s: criterion(s, "commitment_signed")["check"]["records"]["details"].update(kind=["x"]),
     "details.kind: not a field"),
    (lambda s: criterion(s, "commitment_signed")["check"]["records"]["details"].update(
        commitment_type=["industry_self_discipline", "self_praise"]), "'self_praise' is not one of its values"),
    (lambda s: criterion(s, "complaints_within_limit")["check"]["records"].update(in_force=True),
     "has no valid_until"),
    (lambda s: criterion(s, "not_on_punishment_list")["check"].update(no_list_entry={"list_types": ["grey_list"]}),
     "no list type 'grey_list'"),
    (lambda s: criterion(s, "good_grade")["check"].update(grade={"grades": ["A", "AA"]}), "no grade 'AA'"),
    (lambda s: s.update(reviewers=["market_regulation", "tourism"]), "no department 'tourism'"),
    (lambda s: s.update(honour_record_type="complaint_upheld"), "no positive record type"),
    (lambda s: s.update(source_department="tourism"), "no department 'tourism'"),
    (lambda s: s.update(honour_level="galactic"), "'galactic' is not a level"),
])
def test_a_reference_that_does_not_resolve_is_named(change, expected):
    found = problems(change)
    assert any(expected in p for p in found), found


@pytest.mark.parametrize("change", [
    lambda s: criterion(s, "complaints_within_limit")["check"]["records"].update(at_least=1),   # both bounds
    lambda s: criterion(s, "good_grade")["check"].update(verified={}),                          # two checks
    lambda s: criterion(s, "good_grade").update(while_held="warn"),
    lambda s: s["criteria"].append(copy.deepcopy(s["criteria"][0])),                             # duplicate code
    lambda s: s.update(valid_for="one year"),
])
def test_a_malformed_scheme_is_refused(change):
    data = copy.deepcopy(RULES)
    change(data["schemes"][0])
    with pytest.raises(ValidationError):
        SafeConsumptionRules.model_validate(data)


def test_loading_stops_on_a_broken_file_naming_it(tmp_path: Path):
    target = tmp_path / "rules"
    shutil.copytree(policy.current().directory, target)
    data = copy.deepcopy(RULES)
    criterion(data["schemes"][0], "good_grade")["check"]["grade"]["grades"] = ["Z"]
    (target / "safe_consumption.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PolicyError) as refused:
        load(target)
    assert refused.value.file == "safe_consumption.yaml" and "good_grade" in refused.value.key
