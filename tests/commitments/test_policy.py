"""commitments.yaml loads, is cited, and refuses at start-up what would break signing or recording."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from ecredit import policy
from ecredit.policy import loader
from ecredit.policy.loader import PolicyError

TYPES = {"approval_substitute", "tolerance_acceptance", "certification", "credit_repair",
         "industry_self_discipline", "voluntary", "other"}
PROMISES = {"truthful", "lawful", "supervision", "liability", "publicity"}


def test_the_seven_types_each_with_the_standard_promises_and_a_citation():
    rules = policy.current().commitments
    assert set(rules.types) == TYPES
    assert set(rules.promises) == PROMISES
    for code in TYPES:
        rule = rules.type_rule(code)
        assert rule.reference and rule.template.title
        assert {"truthful", "supervision", "liability", "publicity"} <= set(rule.template.promises)
        assert rule.acceptors or not rule.needs_acceptance
    # R7: platforms, merchants, individual sellers (persons, shops) and logistics firms may sign.
    industry = rules.type_rule("industry_self_discipline").signers
    assert {"platform", "merchant", "logistics"} <= set(industry.roles) and "person" in industry.kinds
    assert rules.code_rule().serial_digits == 6
    assert rules.person_cap() == "restricted"


def _load_with(tmp_path: Path, change) -> None:
    directory = tmp_path / "rules"
    shutil.copytree(loader.RULES_DIR, directory)
    path = directory / "commitments.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    loader.load(directory)


def _first(data, code):
    return data["types"][code][0]


@pytest.mark.parametrize("change, key, reason", [
    (lambda d: _first(d, "voluntary")["template"]["opening"].append("承诺人电话：{phone}"), "types.voluntary.0.template",
     "unknown placeholder"),
    (lambda d: _first(d, "voluntary")["template"]["promises"].append("nonsense"),
     "types.voluntary.0.template.promises", "no promise"),
    (lambda d: _first(d, "voluntary").update(assessors=["platform"]), "types.voluntary.0.assessors",
     "may not submit commitment_breach"),
    (lambda d: _first(d, "other").update(acceptors=["bank"]), "types.other.0.acceptors", "may not submit"),
    (lambda d: _first(d, "other").update(acceptors=["ministry"]), "types.other.0.acceptors", "no organisation kind"),
    (lambda d: _first(d, "industry_self_discipline")["signers"].update(roles=["wholesaler"]),
     "types.industry_self_discipline.0.signers.roles", "unknown role"),
    (lambda d: d["types"].pop("other"), "types", "catalog's commitment types"),
])
def test_broken_references_stop_start_up(tmp_path, change, key, reason):
    with pytest.raises(PolicyError) as refused:
        _load_with(tmp_path, change)
    assert refused.value.file == "commitments.yaml" and refused.value.key == key and reason in refused.value.reason


@pytest.mark.parametrize("change", [
    lambda d: _first(d, "other").update(needs_acceptance=True, acceptors=[]),
    lambda d: _first(d, "voluntary").update(default_matter=""),
    lambda d: _first(d, "voluntary").update(visibility="everyone"),
    lambda d: d["code"][0].update(serial_digits=5),
    lambda d: _first(d, "voluntary").pop("reference"),
])
def test_malformed_values_stop_start_up(tmp_path, change):
    with pytest.raises(PolicyError) as refused:
        _load_with(tmp_path, change)
    assert refused.value.file == "commitments.yaml"
