"""Complaint categories: rules first, then jieba keywords, else "other"; the department each category goes to;
dated versions; and the precision and recall on the labelled holdout sample (R5.2, issue 6 item 2)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from ecredit import policy
from ecredit.complaints import classify as classifier
from ecredit.complaints.classify import Classification, classify, department_for
from ecredit.complaints.data import sample, score
from ecredit.kit.errors import NotFound
from ecredit.policy import PolicyError, load
from ecredit.policy.loader import RULES_DIR

_FAST = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMP = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

# Measured when the rules were written (see src/ecredit/complaints/data/README.md): holdout macro precision
# 0.909, macro recall 0.888; dev 0.979 / 0.967. The floors sit a few points below, so a rule or keyword change
# that costs the holdout two or three texts fails here.
HOLDOUT_FLOOR = {"macro_precision": 0.87, "macro_recall": 0.85, "micro_precision": 0.87, "micro_recall": 0.85}
DEV_FLOOR = {"macro_precision": 0.94, "macro_recall": 0.93}


@pytest.fixture
def rules(tmp_path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target)
    return target


def edit(rules: Path, change) -> None:
    path = rules / "complaint_categories.yaml"
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_FAST)
    change(data)
    path.write_text(yaml.dump(data, Dumper=_DUMP, allow_unicode=True), encoding="utf-8")


@pytest.fixture
def use_rules():
    """Load a rules directory as the current policy for one test, then put the shipped one back."""
    before = policy.current()
    yield lambda directory: policy.reset(load(directory))
    policy.reset(before)


@pytest.mark.parametrize("text, category, method", [
    ("快递包裹在中转站丢失了，快递公司不肯赔", "courier", "rule"),
    ("外卖的米线里吃出一只苍蝇，商家不承认", "food", "rule"),
    ("健身房办了会员卡才三个月，老板跑路了，电话也打不通", "prepaid_card", "rule"),
    ("小区电梯三天两头困人，物业不管", "special_equipment", "rule"),
    ("儿子用我的手机在游戏里充值了五千多元", "culture_market", "rule"),
    ("商家虚假宣传，说面霜能祛斑", "false_advertising", "rule"),
    ("菜场摊主缺斤短两，两斤只有一斤七两", "measurement", "rule"),
    ("这双鞋是高仿的，不是正品", "counterfeit", "rule"),
    ("申请七天无理由退货被商家拒绝", "after_sales", "rule"),
    ("超市价签和结账价格不一致", "price", "rule"),
])
def test_clear_complaints_go_to_their_category(text, category, method):
    result = classify(text)
    assert (result.category, result.method) == (category, method), result
    assert result.confidence > 0.5 and result.matched
    assert all(rule_id.startswith(category + ".") for rule_id in result.matched)


@pytest.mark.parametrize("text, category, words", [
    ("新买的冰箱冷藏室一直不凉，用了三天就出故障", "quality", {"故障", "不凉"}),
    ("主播在直播间夸大功效，说面霜能祛斑", "false_advertising", {"主播", "功效", "夸大"}),
])
def test_without_a_rule_the_keywords_decide_and_name_the_words(text, category, words):
    result = classify(text)
    assert result.category == category and result.method == "keywords"
    assert set(result.matched) >= words
    assert 0 < result.confidence < 1


def test_more_keywords_of_one_category_mean_more_confidence():
    weak = classify("这个商品的质量一般")
    strong = classify("这个商品质量太差，做工粗糙，开胶起球，还掉色")
    assert weak.category == strong.category == "quality"
    assert strong.confidence > weak.confidence


@pytest.mark.parametrize("text", ["", "   \n\t", "你好", "请问你们几点下班？", "12345678", "😀😀"])
def test_nothing_to_go_on_is_other_by_default(text):
    assert classify(text) == Classification("other", 0.0, "default", ())


def test_full_width_and_case_do_not_matter():
    assert classify("ＫＴＶ包厢的最低消费没有告知").category == classify("ktv包厢的最低消费没有告知").category \
        == "culture_market"


def test_a_long_pasted_text_is_read_from_its_opening_and_stays_fast():
    text = "我买的羽绒服钻毛严重，做工很差。" + "合同条款如下。" * 5000
    assert classify(text).category == "quality"


def test_rules_of_two_categories_are_decided_by_the_keywords():
    # A courier rule (快递…破损) and a food rule (吃出…虫) both match: the food words outweigh.
    result = classify("快递破损了，打开零食包装吃出虫子，食品已经变质过期，吃了拉肚子")
    assert result.category == "food" and result.method == "rule"


@pytest.mark.parametrize("category, department", [
    ("quality", "market_regulation"), ("courier", "postal"), ("prepaid_card", "commerce"),
    ("price", "price"), ("food", "food_drug"), ("special_equipment", "quality"),
    ("culture_market", "credit_office"), ("other", "credit_office"),
])
def test_each_category_goes_to_the_department_the_plan_gives_it(category, department):
    assert department_for(category) == department


def test_every_category_names_a_known_department_and_hotline():
    current = policy.current()
    departments = {d.code for d in current.departments.departments}
    for code, versions in current.complaint_categories.categories.items():
        for version in versions:
            assert version.department in departments, code
            assert version.reference and version.scope and version.name.zh and version.name.en


def test_unknown_category_has_no_department():
    with pytest.raises(NotFound, match="没有这个投诉类别"):
        department_for("martian_goods")


def test_a_later_version_takes_over_from_its_effective_date(rules, use_rules):
    def change(data):
        later = dict(data["categories"]["courier"][0], effective=dt.date(2030, 1, 1),
                     reference="测试：寄递投诉改由交通运输部门处理", department="transport",
                     rules=[], keywords={"包裹": 1.0})
        data["categories"]["courier"].append(later)
    edit(rules, change)
    use_rules(rules)
    assert department_for("courier", on=dt.date(2029, 12, 31)) == "postal"
    assert department_for("courier", on=dt.date(2030, 1, 1)) == "transport"
    text = "快递员把包裹放在驿站了"
    assert classify(text, on=dt.date(2029, 12, 31)).method == "rule"
    later = classify(text, on=dt.date(2030, 1, 1))
    assert later.category == "courier" and later.method == "keywords" and later.matched == ("包裹",)


def test_changing_the_rules_file_changes_the_answer_without_a_restart(rules, use_rules):
    text = "租自行车的押金一直不退"
    assert classify(text).category == "other"
    edit(rules, lambda d: d["categories"]["contract"][0]["rules"].append(
        {"id": "contract.deposit", "pattern": "押金.{0,6}不退"}))
    use_rules(rules)
    assert classify(text) == Classification("contract", 0.95, "rule", ("contract.deposit",))


@pytest.mark.parametrize("change, key, words", [
    (lambda d: d["categories"]["courier"][0].update(department="martians"), "categories.courier.0.department",
     "no department"),
    (lambda d: d["categories"]["food"][0]["rules"].append({"id": "food.bad", "pattern": "(吃出"}), "categories",
     "not a valid regular expression"),
    (lambda d: d["categories"]["food"][0]["rules"].append({"id": "price.stolen", "pattern": "吃了"}),
     "categories", "must start with 'food.'"),
    (lambda d: d["categories"]["food"][0]["keywords"].update({"变质": 0}), "categories", "weight"),
    (lambda d: d.update(default="misc"), "", "no category 'misc'"),
    (lambda d: d["categories"]["price"][0].update(hotlines=["110"]), "categories", "hotlines"),
])
def test_a_bad_categories_file_stops_start_up(rules, change, key, words):
    edit(rules, change)
    with pytest.raises(PolicyError) as exc:
        load(rules)
    message = str(exc.value)
    assert exc.value.file == "complaint_categories.yaml" and key in message and words in message, message


def test_the_sample_is_well_formed_and_the_splits_do_not_overlap():
    known = set(policy.current().complaint_categories.categories)
    dev, holdout = sample("dev"), sample("holdout")
    assert len(dev) >= 180 and len(holdout) >= 180
    for pairs in (dev, holdout):
        labels = {label for label, _ in pairs}
        assert labels == known                                  # every category is represented
        assert len({text for _, text in pairs}) == len(pairs)   # no duplicates
    assert not {text for _, text in dev} & {text for _, text in holdout}
    with pytest.raises(ValueError):
        sample("train")


def _check(split: str, floors: dict[str, float]) -> None:
    figures = score(sample(split), lambda text: classify(text).category)
    below = {name: round(getattr(figures, name), 3) for name, floor in floors.items()
             if getattr(figures, name) < floor}
    assert not below, f"{split}: {below} below {floors}; errors: {figures.errors[:10]}"


def test_holdout_precision_and_recall_stay_above_their_floors():
    _check("holdout", HOLDOUT_FLOOR)


def test_dev_precision_and_recall_stay_above_their_floors():
    _check("dev", DEV_FLOOR)


def test_score_counts_other_as_no_answer():
    pairs = [("food", "a"), ("food", "b"), ("price", "c"), ("other", "d")]
    guesses = {"a": "food", "b": "other", "c": "food", "d": "other"}
    figures = score(pairs, guesses.__getitem__)
    assert figures.micro_precision == 1 / 2          # two real answers, one right
    assert figures.micro_recall == 1 / 3             # three labelled texts, one found
    assert figures.per_category["food"] == {"precision": 0.5, "recall": 0.5, "support": 2}
    assert figures.macro_precision == (0.5 + 0.0) / 2 and figures.accuracy == 0.5


def test_classifying_does_not_touch_the_database(django_assert_num_queries, db):
    with django_assert_num_queries(0):
        classify("快递丢了")
        department_for("courier")
    assert classifier.categories()["courier"] == "快递物流"
