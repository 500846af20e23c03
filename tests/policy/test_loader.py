"""Rule files: every value dated and cited; a bad file stops start-up naming file, key and reason."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ecredit.policy import PolicyError, load
from tests.rulefiles import edit




def test_shipped_rules_load_and_every_version_is_dated_and_cited():
    current = load()
    assert len(current.catalog.record_types) >= 21
    for versions in current.publicity.values():
        for version in versions:
            assert version.effective and len(version.reference) > 4
    for rule in current.catalog.record_types:
        assert rule.reference and rule.legal_basis
    assert {d.code for d in current.departments.departments} >= {"market_regulation", "credit_office", "postal"}


def test_policy_version_changes_when_a_value_changes(rules_copy):
    before = load(rules_copy).version
    edit(rules_copy / "deadlines.yaml", lambda d: d["objection"]["decide"][0].update(working_days=6))
    assert load(rules_copy).version != before


@pytest.mark.parametrize("file, change, key, words", [
    ("catalog.yaml", lambda d: d["record_types"][0].update(polarity="bad"), "record_types.0", "polarity"),
    ("catalog.yaml", lambda d: d["record_types"][1].update(publicity="nope"), "publicity", "no publicity rule"),
    ("catalog.yaml", lambda d: d["record_types"][2].update(sources=["martians"]), "sources", "martians"),
    ("publicity.yaml", lambda d: d["penalty"][-1]["general"].update(min="P5Y"), "penalty", "min must not exceed max"),
    ("publicity.yaml", lambda d: d["penalty"][-1].update(general={"min": "three months", "max": "P3Y"}),
     "penalty", "ISO 8601"),
    ("deadlines.yaml", lambda d: d["objection"]["check"][0].pop("reference"), "objection.check.0", "reference"),
    ("access.yaml", lambda d: d["roles"]["public"]["permissions"].append("record.delete_all"), "roles.public",
     "record.delete_all"),
    ("masking.yaml", lambda d: d["phone"][0].update(keep_hed=3), "phone.0", "keep_hed"),
])
def test_bad_rule_file_names_file_key_and_reason(rules_copy, file, change, key, words):
    edit(rules_copy / file, change)
    with pytest.raises(PolicyError) as exc:
        load(rules_copy)
    message = str(exc.value)
    assert message.startswith(file) and key in message and words in message, message


def test_invalid_yaml_names_the_line(rules_copy):
    (rules_copy / "regions.yaml").write_text("city: [unclosed\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"regions.yaml: line \d+: not valid YAML"):
        load(rules_copy)


def test_start_up_fails_on_a_bad_rule_file(rules_copy, tmp_path):
    edit(rules_copy / "catalog.yaml", lambda d: d["record_types"][0].update(disclosure="everyone"))
    env = {**os.environ, "ECREDIT_POLICY_DIR": str(rules_copy), "ECREDIT_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "ecredit", "check"], env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "catalog.yaml: record_types.0" in result.stderr and "disclosure" in result.stderr
