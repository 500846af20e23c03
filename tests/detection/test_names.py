"""Borrowed names, missing licences and unlicensed payment channels: planted cases hit (and their near
misses do not), precision and recall on generated cases, and name normalisation is idempotent."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecredit.detection.names import (Licence, borrowed_names, missing_licences, name_similarity,
                                     normalise_name, unlicensed_channels)
from ecredit.detection.synthetic_cases import licence_cases, name_cases, payment_cases

ORGS = ["O1", "O2", "O3", "O4"]
ORG_NAMES = ["江苏省南通市华美服饰有限公司", "南通华泰电子商务股份有限公司", "如皋鑫源食品商行", "海门华美科技有限公司"]


@pytest.mark.parametrize("raw", ["江苏省南通市华美服饰有限公司", "华美服饰（南通）旗舰店", "南通华美服饰股份有限公司",
                                 "华美服饰 · 官方旗舰店", "ＨＵＡＭＥＩ华美服饰".replace("ＨＵＡＭＥＩ", ""),
                                 "华美服饰（江苏省南通市）专营店", "南通市华美服饰（个体工商户）"])
def test_normalised_names(raw):
    assert normalise_name(raw) == "华美服饰"


def test_normalisation_folds_width_and_keeps_short_names():
    assert normalise_name("ＡＢＣ　商贸 有限公司") == "abc商贸"
    assert normalise_name("南通市") == "南通市"  # nothing left to strip below two characters
    assert normalise_name("店") == "店" and normalise_name(None) == "" and normalise_name("（）·") == ""


def hits_for(name, links=()):
    return borrowed_names(["S"], [name], ORGS, ORG_NAMES, links=links)


def test_a_copied_name_hits_with_its_reason():
    hits = hits_for("华美服饰官方旗舰店")
    assert [(h.rule, h.evidence["organisation"], h.score) for h in hits] == [("borrowed_name", "O1", 1.0)]
    assert "same name" in hits[0].reason and hits[0].evidence["normalised"] == "华美服饰"


def test_a_homophone_hits():
    hits = hits_for("花美服饰专营店")
    assert [(h.evidence["organisation"], h.score) for h in hits] == [("O1", 1.0)]
    assert "sound" in hits[0].reason


def test_legitimately_different_names_do_not_hit():
    assert hits_for("华丽服饰旗舰店") == []  # one trade-name character, differing in sound
    assert hits_for("华泰科技有限公司") == []  # a trade name in another industry
    assert hits_for("华美电子商务有限公司") == []  # 华美 in electronics commerce: not 华美服饰 nor 华泰
    assert hits_for("张伟日用品店") == []
    assert name_similarity("华美电子商务", "华泰电子商务")[0] == 0.5


def test_links_explain_a_name():
    assert hits_for("华美服饰旗舰店", links=[("S", "O1")]) == []
    # Linked to an organisation of another name: the look-alike still hits, and the evidence says so.
    hits = hits_for("华美服饰旗舰店", links=[("S", "O3")])
    assert [h.evidence["organisation"] for h in hits] == ["O1"]
    assert hits[0].evidence["linked_to"] == ["O3"] and hits[0].evidence["linked_score"] < 1


def test_threshold_is_a_parameter():
    assert borrowed_names(["S"], ["华丽服饰"], ORGS, ORG_NAMES, threshold=0.5)[0].evidence["organisation"] == "O1"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_precision_and_recall_on_generated_names(seed):
    # Measured on seeds 0-2: precision 0.99-1.00; recall 0.88-0.92, the misses all being the `altered`
    # knock-offs (one character changed, not by sound) the similarity is not meant to catch.
    cases = name_cases(seed=seed)
    hits = borrowed_names(cases.subjects, cases.subject_names, cases.organisations,
                          cases.organisation_names, links=cases.links)
    found = {(h.subject, h.evidence["organisation"]) for h in hits}
    tp = len(found & cases.borrowed)
    assert tp / len(found) >= 0.97 and tp / len(cases.borrowed) >= 0.85
    meant = {p for p in cases.borrowed if cases.kinds[p[0]] in ("copy", "homophone")}
    assert len(found & meant) >= 0.98 * len(meant)


def test_missing_licences():
    licences = [Licence("S1", "食品经营许可证", "JY1", "2024-01-01", "2029-01-01"),
                Licence("OP2", "食品经营许可证", "JY2", "2024-01-01", "2029-01-01"),
                Licence("S3", "食品经营许可证", "JY3", "2020-01-01", "2024-12-31"),
                Licence("S4", "食品经营许可证", "JY4", "2024-01-01", None, revoked=True),
                Licence("S5", "药品经营许可证", "YP5", "2024-01-01", None)]
    categories = {"S1": ["食品", "服装"], "S2": "食品", "S3": ["食品"], "S4": ["食品"], "S5": ["食品", "药品"],
                  "S6": ["服装"]}
    hits = missing_licences(categories, {"食品": "食品经营许可证", "药品": "药品经营许可证"}, licences,
                            on="2025-06-30", operators={"S2": "OP2"})
    assert [(h.rule, h.subject, h.evidence["category"], h.reason) for h in hits] == [
        ("missing_licence", "S3", "食品", "licence expired on 2024-12-31"),
        ("missing_licence", "S4", "食品", "licence revoked"),
        ("missing_licence", "S5", "食品", "no licence of the required type")]
    with pytest.raises(ValueError):
        missing_licences(categories, {}, licences, on=None)


def test_missing_licences_on_generated_cases():
    cases = licence_cases(seed=3)
    hits = missing_licences(cases.categories, cases.required, cases.licences, on=cases.on,
                            operators=cases.operators)
    assert {(h.subject, h.evidence["category"]) for h in hits} == cases.missing and cases.missing


def test_unlicensed_payment_channels():
    licensed = {"支付宝（中国）网络技术有限公司": None, "财付通支付科技有限公司": "2026-05-02",
                "拉卡拉支付股份有限公司": "2024-12-31"}
    usage = [("S1", "支付宝"), ("S1", "财付通支付科技有限公司"), ("S2", "速付通"), ("S3", "财富通"),
             ("S4", "拉卡拉")]
    hits = unlicensed_channels(usage, licensed, on="2025-06-30")
    assert [(h.rule, h.subject, h.reason) for h in hits] == [
        ("unlicensed_payment", "S2", "not a licensed payment institution"),
        ("unlicensed_payment", "S3", "not licensed; resembles 财付通支付科技有限公司"),
        ("unlicensed_payment", "S4", "licence expired on 2024-12-31")]


def test_unlicensed_payment_on_generated_cases():
    cases = payment_cases(seed=5)
    hits = unlicensed_channels(cases.usage, cases.licensed)
    assert {(h.subject, h.evidence["channel"]) for h in hits} == cases.unlicensed and cases.unlicensed


names = st.text(alphabet=st.sampled_from(list("华美服饰南通市江苏省有限公司旗舰店（）() ·ＡＢab1１-个体工商户")),
                max_size=20)


@settings(max_examples=300, deadline=None)
@given(names)
def test_normalisation_is_idempotent(name):
    once = normalise_name(name)
    assert normalise_name(once) == once


@settings(max_examples=200, deadline=None)
@given(names, names)
def test_similarity_is_symmetric_and_bounded(a, b):
    a, b = normalise_name(a), normalise_name(b)
    s1, s2 = name_similarity(a, b)[0], name_similarity(b, a)[0]
    assert s1 == pytest.approx(s2) and 0.0 <= s1 <= 1.0
    if a:
        assert name_similarity(a, a)[0] == 1.0


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=30))
def test_normalisation_is_idempotent_on_any_text(name):
    once = normalise_name(name)
    assert normalise_name(once) == once
