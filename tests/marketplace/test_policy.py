"""marketplace.yaml: dated, cited, validated at start-up like every rule file."""

from __future__ import annotations


import pytest

from ecredit.policy import PolicyError, load
from tests.rulefiles import edit




def test_every_marketplace_value_is_dated_and_cited():
    rules = load().marketplace
    for name in type(rules).model_fields:
        for version in getattr(rules, name):
            assert version.effective and len(version.reference) > 4, name
    for ground in rules.shielding[0].grounds.values():
        assert "条" in ground.reference


@pytest.mark.parametrize("change, key, words", [
    (lambda d: d["pair_cap"][0].update(cap=0), "pair_cap.0", "cap"),
    (lambda d: d["rating_values"][0].update(good=-1), "rating_values.0", "good must be positive"),
    (lambda d: d["repeat_window"][0].pop("reference"), "repeat_window.0", "reference"),
    (lambda d: d["pair_cap"][0].update(counted="net"), "pair_cap.0", "counted"),
    (lambda d: d["access"][0].update(senders=["martians"]), "access.0.senders", "martians"),
    (lambda d: d["figures"][0].update(complaint_categories=["gossip"]), "complaint_categories", "gossip"),
    (lambda d: d["figures"][0].update(short_days=200), "figures.0", "short_days"),
])
def test_a_bad_marketplace_file_stops_start_up(rules_copy, change, key, words):
    edit(rules_copy / "marketplace.yaml", change)
    with pytest.raises(PolicyError) as exc:
        load(rules_copy)
    message = str(exc.value)
    assert message.startswith("marketplace.yaml") and key in message and words in message, message
