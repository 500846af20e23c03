"""Runs the criteria cases of tests/safe_consumption/criteria_cases.yaml (each criterion passing and failing),
checks that every criterion of the scheme in force is covered both ways, and that each result explains itself
and cites its evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ecredit.archive import flows as archive_flows
from ecredit.evaluation.models import CurrentScore
from ecredit.safe_consumption import criteria

from .world import Town, day

CASES = yaml.safe_load((Path(__file__).parent / "criteria_cases.yaml").read_text(encoding="utf-8"))["cases"]


def build(town: Town, case: dict[str, Any]):
    """The merchant a case describes; returns the subject whose enrolment is checked."""
    company = town.company("南通条件测试商贸有限公司", **case.get("company", {}))
    shop = town.shop(company, "条件测试旗舰店", operator_name=case.get("shop_reported_name"))
    commitment = case.get("commitment", {})
    if commitment is not False:
        details = dict(commitment)
        kind = details.pop("kind", "industry_self_discipline")
        if "valid_until" in details:
            details["valid_until"] = day(details["valid_until"]).isoformat()
        town.commitment(company, kind, **details)
    for spec in case.get("records", []):
        about = shop if spec.get("about") == "shop" else company
        record_id = town.record(about, spec["type"], spec["date"], spec.get("details"))
        if spec.get("objected"):
            archive_flows.file_objection(record_id, town.account(company), reason="该投诉已调解撤回，申请核查")
    for list_type in case.get("listed", []):
        town.listed(company, list_type)
    if case.get("grade") != "none":
        town.grade(company, shop)
    if case.get("grade") not in (None, "none"):
        CurrentScore.objects.filter(subject__in=[company, shop]).update(grade=case["grade"])
    return shop if case.get("applicant") == "shop" else company


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_criteria_case(town, case):
    subject = build(town, case)
    result = criteria.check(subject)
    assert sorted(result.failed) == sorted(case["fails"]), [
        (i["code"], criteria.explain(i)) for i in result.items if not i["passed"]]
    assert result.passed == (not case["fails"])
    for item in result.items:
        assert criteria.explain(item)                       # every result says why, in words
        if item["kind"] == "records" and not item["passed"] and item["at_most"] is not None:
            assert len(item["records"]) == item["count"] > item["at_most"]   # the records it counted


def test_every_criterion_is_shown_passing_and_failing():
    codes = {c.code for c in criteria.scheme().criteria}
    failing = {code for case in CASES for code in case["fails"]}
    assert any(not case["fails"] for case in CASES)
    assert failing == codes, f"criteria without a failing case: {codes - failing}"
