"""logistics.yaml: every value dated and cited, proposals marked, and a broken file refused naming what is wrong."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from ecredit import policy
from ecredit.policy.logistics_rules import LogisticsRules

RAW = yaml.safe_load((Path(policy.__file__).parent / "rules" / "logistics.yaml").read_text(encoding="utf-8"))


def test_the_rules_in_force_resolve_against_the_other_files():
    current = policy.current()
    assert list(current.logistics.problems(current)) == []
    assert current.logistics.record_rule().source_department == "postal"
    assert set(current.logistics.stations().hub_types()) == {"hub", "transit_centre"}


def test_every_version_is_dated_and_cited():
    rules = policy.current().logistics
    versions = [v for vs in rules.vocabularies.values() for v in vs] + [v for vs in rules.layouts.values()
                                                                          for v in vs]
    versions += [*rules.station_types, *rules.service_standards, *rules.figures, *rules.quality_record,
                 *rules.feedback, *rules.public_query]
    assert all(v.effective and len(v.reference) >= 4 for v in versions)
    # Numbers no law fixes are marked as this project's proposals.
    assert all(v.proposal for v in (*rules.figures, *rules.feedback, *rules.public_query, *rules.quality_record))


def _broken(change) -> dict:
    raw = copy.deepcopy(RAW)
    change(raw)
    return raw


@pytest.mark.parametrize("change, words", [
    (lambda r: r["vocabularies"]["aggregator"][0]["codes"].update({"99": {"state": "teleported", "label": "x"}}),
     "teleported"),
    (lambda r: r["vocabularies"].pop("ecredit"), "ecredit"),
    (lambda r: r["layouts"]["carrier_scans"][0]["columns"].pop("time"), "time"),
    (lambda r: r["layouts"]["waybills"][0]["columns"].update({"colour": ["颜色"]}), "colour"),
    (lambda r: r["figures"][0].update({"min_on_time_rate": 1.5}), "min_on_time_rate"),
    (lambda r: r["vocabularies"]["carrier_action"][0]["codes"].update({"got": {"state": "accepted", "label": "x"}}),
     "case"),
])
def test_a_broken_file_is_refused(change, words):
    with pytest.raises(ValidationError) as refused:
        LogisticsRules.model_validate(_broken(change))
    assert words in str(refused.value)


def test_references_to_other_files_are_checked():
    current = policy.current()
    raw = _broken(lambda r: (r["quality_record"][0].update({"source_department": "commerce"}),
                             r["layouts"]["waybills"][0].update({"vocabulary": "sf"})))
    problems = {key: reason for _file, key, reason in LogisticsRules.model_validate(raw).problems(current)}
    assert "may not submit" in problems["quality_record.0.source_department"]
    assert "no vocabulary 'sf'" in problems["layouts.waybills.0.vocabulary"]
