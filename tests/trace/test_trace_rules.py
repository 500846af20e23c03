"""trace.yaml as a policy officer edits it: the seven categories, China's GS1 prefixes, the resolvers we accept and
our own trail vocabulary; a value that breaks a rule stops start-up naming the file, the key and the reason."""

from __future__ import annotations

import shutil

import pytest
import yaml

from ecredit import policy
from ecredit.policy import PolicyError, load
from ecredit.policy.loader import RULES_DIR


@pytest.fixture
def rules_copy(tmp_path):
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target)
    return target


def edit(path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_the_plan_s_seven_key_product_categories():
    rules = policy.current().trace.key_products_on()
    assert [str(c.name) for c in rules.categories] == ["食用农产品", "食品", "药品", "农业生产资料", "特种设备",
                                                        "危险品", "稀土产品"]
    assert "GB/T 38158-2019" in rules.standard and "任务八" in rules.reference
    assert {c.unit for c in rules.categories if c.code in ("drug", "special_equipment")} == {"serial"}


def test_china_prefixes_and_company_prefix_lengths():
    table = policy.current().trace.prefixes_on()
    for prefix in range(690, 700):
        assert table.is_china(f"0{prefix}1234567890")
    assert not table.is_china("04711234567890") and str(table.range_of("04891234567890").name) == "中国香港"
    assert table.company_prefix("06901234567892") == "6901234"
    assert table.company_prefix("06931234567894") == "69312345"
    assert table.company_prefix("04012345123456") == ""          # lengths outside China are not ours to know


def test_our_trail_vocabulary_lies_outside_the_cbv_namespaces():
    trail = policy.current().trace.trail_on()
    assert [s.code for s in trail.steps] == ["listing", "sale", "delivery", "receipt", "review", "complaint"]
    for step in trail.steps:
        assert not step.uri.startswith(("urn:epcglobal:cbv", "https://ref.gs1.org/cbv/", "http://ns.gs1.org/cbv/"))
    assert {s.code: s.responsible for s in trail.steps}["delivery"] == "courier"
    assert [s.code for s in trail.steps if not s.public] == ["complaint"]
    uri = trail.shop_uri("91320600MA1XXXXX1", "S/1")
    assert trail.party_of(uri) == ("shop", {"platform_uscc": "91320600MA1XXXXX1", "shop_id": "S/1"})


@pytest.mark.parametrize("change, key, words", [
    (lambda d: d["trail"][0]["steps"][0].update(uri="https://ref.gs1.org/cbv/BizStep-listing"), "trail.0",
     "GS1/CBV namespace"),
    (lambda d: d["key_products"][0]["categories"][0].update(supervisors=["ministry_of_magic"]),
     "key_products.0.categories.edible_farm_product.supervisors", "no department"),
    (lambda d: d["key_products"][0]["categories"][1].update(expected_steps=["teleporting"]),
     "expected_steps", "neither a CBV bizStep word nor a trail step"),
    (lambda d: d["gs1_prefixes"][0]["ranges"].append({"low": "695", "high": "695", "code": "XX",
                                                      "name": {"zh": "重叠", "en": "overlap"}}),
     "gs1_prefixes.0", "overlap"),
    (lambda d: d["digital_link"][0].update(resolver_domains=["ID.GS1.ORG/"]), "digital_link.0", "host name"),
])
def test_a_bad_trace_rule_stops_start_up(rules_copy, change, key, words):
    edit(rules_copy / "trace.yaml", change)
    with pytest.raises(PolicyError) as exc:
        load(rules_copy)
    message = str(exc.value)
    assert message.startswith("trace.yaml") and key in message and words in message, message
