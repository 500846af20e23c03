"""compensation.yaml: every value dated and cited; a broken file stops start-up naming the file and the key."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
import yaml

from ecredit import policy
from ecredit.policy.loader import RULES_DIR, PolicyError, load


def test_every_code_is_dated_and_cites_its_source():
    rules = policy.current().compensation
    for kind in ("bases", "harms", "rejection_reasons"):
        for code, versions in getattr(rules, kind).items():
            for version in versions:
                assert version.effective <= dt.date.today() and len(version.reference) >= 4, (kind, code)
    assert "第四十四条" in rules.named("bases", "seller_unidentifiable", dt.date.today()).reference
    assert rules.fund_on(dt.date.today()).allow_overdraft is False


def test_a_version_takes_effect_on_its_date():
    rules = policy.current().compensation
    assert rules.procedure_on(dt.date(2019, 1, 1)).decide_working_days == 7
    # Before the first version, the earliest encoded rule applies (the loader's convention).
    assert rules.procedure_on(dt.date(2010, 1, 1)).effective == dt.date(2019, 1, 1)


@pytest.mark.parametrize("change, key", [
    (lambda d: d["procedure"][0].update(decide_working_days=0), "procedure"),
    (lambda d: d["fund"][0].update(recovery_order="merchant_first"), "fund"),
    (lambda d: d["bases"].update({"Bad-Code": d["bases"]["platform_promise"]}), ""),
    (lambda d: d["harms"]["counterfeit"][0].pop("reference"), "harms"),
    (lambda d: d.update(surprise=1), "surprise"),
])
def test_a_broken_file_names_itself(tmp_path, change, key):
    shutil.copytree(RULES_DIR, tmp_path / "rules")
    path = tmp_path / "rules" / "compensation.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PolicyError) as error:
        load(tmp_path / "rules")
    assert error.value.file == "compensation.yaml" and error.value.key.startswith(key)
