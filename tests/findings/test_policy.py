"""findings.yaml: routing, outcomes that resolve against the catalog, departments and marketplace rules, and a
bad file that stops start-up naming file, key and reason. The catalog and evaluation count confirmed findings."""

from __future__ import annotations


import pytest

from ecredit.policy import PolicyError, load
from tests.rulefiles import edit




def test_each_department_sees_its_kinds_and_the_credit_office_all():
    rules = load().findings
    assert rules.kinds_for("market_regulation") == ["order_ring", "review_accounts", "empty_parcel",
                                                    "borrowed_name", "missing_licence"]
    assert rules.kinds_for("postal") == ["empty_parcel"]
    assert rules.kinds_for("pbc_nantong") == ["unlicensed_channel"]
    assert rules.kinds_for("food_drug") == ["missing_licence"]
    assert rules.kinds_for("tax") == []
    assert len(rules.kinds_for("credit_office")) == 6


def test_every_kind_becomes_a_negative_record_its_deciders_may_submit_and_that_evaluation_counts():
    current = load()
    counted = {}
    for name, versions in current.evaluation.models.items():
        for indicator in versions[-1].indicators:
            if indicator.kind == "records":
                counted.setdefault(name, set()).update(indicator.types or [])
                counted[name].update(f"category:{c}" for c in indicator.categories or [])
    outcomes = current.findings.on("outcomes").outcomes
    for key, outcome in outcomes.items():
        if outcome.record_type is None:
            assert key == "review_accounts.negative" and outcome.shield_ground == "fake_review"
            continue
        rule = current.record_types[outcome.record_type]
        assert rule.polarity == "negative" and rule.disclosure == "government"
        assert f"category:{rule.category}" in counted["shop"] | {outcome.record_type}, key
    for code in ("borrowed_name", "unlicensed_key_goods", "unlicensed_payment"):
        rule = current.record_types[code]
        assert rule.category == "monitoring" and rule.details_schema["required"][0] == "case_no"
        for model in ("shop", "enterprise", "platform", "payment"):
            assert "category:monitoring" in counted[model], model
    for code in ("fake_order", "malicious_review"):
        assert {"platform", "department", "credit_office"} <= set(current.record_types[code].sources)


@pytest.mark.parametrize("change, key, words", [
    (lambda d: d["routing"][0]["kinds"].update(order_ring=["martians"]), "routing.0.kinds.order_ring",
     "no department 'martians'"),
    (lambda d: d["outcomes"][0]["outcomes"]["borrowed_name"].update(record_type="nothing"),
     "outcomes.0.outcomes.borrowed_name", "no record type 'nothing'"),
    (lambda d: d["outcomes"][0]["outcomes"]["borrowed_name"].update(record_type="honour"),
     "outcomes.0.outcomes.borrowed_name", "not a negative record type"),
    (lambda d: d["routing"][0]["kinds"].update(unlicensed_channel=["postal"]),
     "outcomes.0.outcomes.unlicensed_channel", "'postal' decides these findings but may not submit"),
    (lambda d: d["outcomes"][0]["outcomes"]["review_accounts.negative"].update(shield_ground="gone"),
     "outcomes.0.outcomes.review_accounts.negative", "no shielding ground 'gone'"),
    (lambda d: d["outcomes"][0]["outcomes"]["review_accounts.positive"].update(pattern="bribed"),
     "outcomes.0.outcomes.review_accounts.positive", "'bribed' is not a value"),
    (lambda d: d["licences"][0]["categories"].update(toys={"licences": ["food_business"], "reference": "某某法规"}),
     "licences.0.categories.toys", "no marketplace category 'toys'"),
    (lambda d: d["outcomes"][0]["outcomes"].pop("empty_parcel"), "outcomes.0", "empty_parcel"),
    (lambda d: d["reviews"][0]["signals"].update(positive=["one_off", "mean:vibes"]), "reviews.0", "mean:vibes"),
    (lambda d: d["reviews"][0]["supervised"]["grid"][0].pop("num_leaves"), "reviews.0.supervised", "grid"),
    (lambda d: d["licences"][0]["categories"]["food"].update(licences=["food_permit"]), "licences.0",
     "unknown licence type 'food_permit'"),
])
def test_a_bad_findings_file_names_file_key_and_reason(rules_copy, change, key, words):
    edit(rules_copy / "findings.yaml", change)
    with pytest.raises(PolicyError) as exc:
        load(rules_copy)
    message = str(exc.value)
    assert message.startswith("findings.yaml") and key in message and words in message, message
