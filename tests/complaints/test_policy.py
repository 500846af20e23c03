"""complaints.yaml is checked when the rules load: a layout without a ticket column, an unknown department, a
hotline without words for a status, a channel the record type does not know stop start-up, naming the key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from ecredit.policy import PolicyError, load
from ecredit.policy.loader import RULES_DIR

FAST = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@pytest.fixture(scope="module")
def rules(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("policy") / "rules"
    shutil.copytree(RULES_DIR, target)
    return target


def with_change(rules: Path, change) -> PolicyError:
    path = rules / "complaints.yaml"
    original = path.read_text(encoding="utf-8")
    data = yaml.load(original, Loader=FAST)
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    try:
        with pytest.raises(PolicyError) as refused:
            load(rules)
        return refused.value
    finally:
        path.write_text(original, encoding="utf-8")


def test_the_rules_as_shipped_load_and_name_seven_hotlines():
    policy = load(RULES_DIR)
    assert list(policy.complaints.hotlines) == ["12315", "12345", "12312", "12318", "12331", "12358", "12365"]
    layouts = [tuple(s.columns[0] for s in v[0].layout.fields) for v in policy.complaints.hotlines.values()]
    assert len(set(layouts)) == 7                       # each hotline has a layout of its own


def test_a_layout_without_a_ticket_column_is_refused(rules):
    def drop_ticket(data):
        fields = data["hotlines"]["12315"][0]["layout"]["fields"]
        data["hotlines"]["12315"][0]["layout"]["fields"] = [f for f in fields if f.get("to") != "ticket"]

    error = with_change(rules, drop_ticket)
    assert error.file == "complaints.yaml" and "ticket" in error.reason


def test_an_unknown_department_is_refused(rules):
    error = with_change(rules, lambda d: d["hotlines"]["12312"][0].update(department="nowhere"))
    assert error.key == "hotlines.12312.0.department"


def test_every_event_needs_the_hotlines_words(rules):
    error = with_change(rules, lambda d: d["hotlines"]["12365"][0]["statuses"].pop("merged"))
    assert "merged" in error.reason


def test_the_record_channels_must_be_the_catalogs(rules):
    error = with_change(rules, lambda d: d["upheld_record"][0]["channels"].update(portal="web"))
    assert error.key == "upheld_record.0.channels.portal"


def test_a_bad_pattern_or_date_format_is_refused(rules):
    def bad_pattern(data):
        data["hotlines"]["12358"][0]["layout"]["fields"][5]["pattern"] = "(?P<respondent_nam>.+)"

    def bad_format(data):
        data["hotlines"]["12358"][0]["layout"]["fields"][1]["formats"] = ["%Y-%m-%Q"]

    assert "canonical" in with_change(rules, bad_pattern).reason
    assert "format" in with_change(rules, bad_format).reason
