"""lists.yaml is checked when the rules load: a bad list type or measure stops start-up, naming the file, the
list type or measure and the reason (policy as data, ARCHITECTURE §5)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import fastjsonschema
import pytest
import yaml

from ecredit import policy
from ecredit.policy import PolicyError, load, loader
from ecredit.policy.loader import RULES_DIR


_compiled: dict[str, object] = {}


@pytest.fixture(autouse=True)
def fast_load(monkeypatch):
    """These tests are about validation and load the whole rules directory each time: read the files with
    libyaml's parser (the same YAML, ~20 times faster than the pure-Python one the loader uses) and compile
    each record type's details schema once per process (the catalog is not what they change)."""
    fast = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    monkeypatch.setattr(loader, "_read",
                        lambda path: yaml.load(path.read_text(encoding="utf-8"), Loader=fast))
    compile_schema = fastjsonschema.compile

    def compile_once(schema, *args, **kwargs):
        key = json.dumps(schema, sort_keys=True, default=str)
        if key not in _compiled:
            _compiled[key] = compile_schema(schema, *args, **kwargs)
        return _compiled[key]

    monkeypatch.setattr(loader.fastjsonschema, "compile", compile_once)


@pytest.fixture
def rules(tmp_path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target)
    return target


def edit(rules: Path, change) -> None:
    path = rules / "lists.yaml"
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    change(data)
    path.write_text(yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), allow_unicode=True),
                    encoding="utf-8")


def refused(rules: Path) -> str:
    with pytest.raises(PolicyError) as exc:
        load(rules)
    assert exc.value.file == "lists.yaml", str(exc.value)
    return str(exc.value)


def measure(data, code):
    return data["measures"][code][-1]


def list_type(data, code):
    return data["list_types"][code][-1]


def test_the_shipped_lists_load_and_every_measure_cites_its_basis():
    rules = policy.current().lists
    for code, versions in rules.measures.items():
        for version in versions:
            assert len(version.legal_basis.strip()) >= 4 and version.reference, code
    for code, versions in rules.list_types.items():
        for version in versions:
            kinds = {rules.measures[m][-1].kind for m in version.measures}
            assert kinds == {version.polarity}, code


@pytest.mark.parametrize("blank", [None, "", "   ", "无"], ids=["missing", "empty", "spaces", "too short"])
def test_a_measure_without_a_legal_basis_is_refused(rules, blank):
    def change(data):
        if blank is None:
            measure(data, "platform_no_onboarding").pop("legal_basis")
        else:
            measure(data, "platform_no_onboarding")["legal_basis"] = blank

    edit(rules, change)
    message = refused(rules)
    assert message.startswith("lists.yaml: measures.platform_no_onboarding.0.legal_basis"), message


def test_a_list_naming_an_unknown_measure_is_refused(rules):
    edit(rules, lambda d: list_type(d, "focus_list")["measures"].append("public_shaming"))
    message = refused(rules)
    assert "list_types.focus_list.0.measures" in message and "no measure 'public_shaming'" in message, message


def test_a_reward_measure_on_a_punishment_list_is_refused(rules):
    edit(rules, lambda d: list_type(d, "serious_dishonesty")["measures"].append("green_channel"))
    message = refused(rules)
    assert "list_types.serious_dishonesty.0.measures" in message, message
    assert "'green_channel' is a reward measure on a punishment list" in message, message


def test_a_punishment_measure_on_a_reward_list_is_refused(rules):
    edit(rules, lambda d: list_type(d, "red_list")["measures"].append("stricter_inspection"))
    assert "'stricter_inspection' is a punishment measure on a reward list" in refused(rules)


def test_a_department_that_may_not_submit_the_list_record_is_refused(rules):
    # red_list records are submitted by the credit office only (catalog.yaml sources)
    edit(rules, lambda d: list_type(d, "red_list").update(department="market_regulation"))
    message = refused(rules)
    assert "list_types.red_list.0.department" in message, message
    assert "'market_regulation' may not submit 'red_list' records" in message, message


def test_an_unknown_department_is_refused(rules):
    edit(rules, lambda d: list_type(d, "focus_list").update(department="ministry_of_magic"))
    assert "no department 'ministry_of_magic'" in refused(rules)


@pytest.mark.parametrize("where", ["grounds", "exit_grounds"])
def test_an_unknown_grade_is_refused(rules, where):
    def change(data):
        list_type(data, "red_list")[where][0]["conditions"] = [{"grade": ["AAA"]}]

    edit(rules, change)
    message = refused(rules)
    assert "list_types.red_list.0.grounds" in message and "no grade 'AAA'" in message, message


@pytest.mark.parametrize("condition, words", [
    ({"records": {"types": ["fake_news"], "within": "P1Y"}}, "no record type 'fake_news'"),
    ({"records": {"categories": ["gossip"], "within": "P1Y"}}, "no category 'gossip'"),
    ({"roles": ["wizard"]}, "unknown role 'wizard'"),
])
def test_a_ground_naming_unknown_records_or_roles_is_refused(rules, condition, words):
    edit(rules, lambda d: list_type(d, "focus_list")["grounds"][0].update(conditions=[condition]))
    message = refused(rules)
    assert "list_types.focus_list.0.grounds.lowest_grade" in message and words in message, message


def test_a_measure_implemented_by_an_unknown_department_is_refused(rules):
    edit(rules, lambda d: measure(d, "no_honours").update(implementer={"department": "ministry_of_magic"}))
    message = refused(rules)
    assert "measures.no_honours.0.implementer" in message and "ministry_of_magic" in message, message


def test_a_condition_naming_two_things_is_refused(rules):
    edit(rules, lambda d: list_type(d, "focus_list")["grounds"][0].update(
        conditions=[{"grade": ["D"], "roles": ["merchant"]}]))
    assert "exactly one of grade, records, no_records, roles" in refused(rules)
