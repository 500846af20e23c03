"""The registry: who a subject is, under which key, and which shops need a regulator's attention."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ecredit.audit.services import Actor, verify
from ecredit.kit.errors import Forbidden, ValidationFailed
from ecredit.registry import services as registry
from ecredit.registry import shops
from ecredit.registry.models import Subject, SubjectKind
from tests import factories as f

pytestmark = pytest.mark.django_db
ACTOR = Actor("test", "market_regulation")
_code = f.uscc(4242)
BAD_CHECK = _code[:-1] + ("0" if _code[-1] != "0" else "1")


@pytest.mark.parametrize("raw, field, words", [
    ({"uscc": "91320602MA1X2345", "name": "x"}, "subject.uscc", "长度"),
    ({"uscc": BAD_CHECK, "name": "x"}, "subject.uscc", "校验位"),
    ({"uscc": "9132060IMA1X23456Z", "name": "x"}, "subject.uscc", "字符"),
    ({"ric": "320602198502301234", "name": "x"}, "subject.ric", ""),
    ({"name": "无代码的公司"}, "subject", "无法识别"),
    ({"shop_id": "S1", "platform_uscc": "123"}, "subject.platform_uscc", "长度"),
])
def test_invalid_code_is_refused_naming_field_and_reason(raw, field, words):
    with pytest.raises(ValidationFailed) as exc:
        registry.parse_ref(raw)
    assert exc.value.field == field and words in str(exc.value.message)


def test_register_keeps_name_history_and_logs():
    code = f.uscc()
    registry.register({"uscc": code, "name": "南通旧名有限公司"}, ACTOR, roles=["merchant"])
    subject = registry.register({"uscc": code, "name": "南通新名有限公司"}, ACTOR, roles=["logistics"])
    assert subject.name == "南通新名有限公司" and subject.verified
    assert list(subject.names.values_list("name", flat=True)) == ["南通旧名有限公司", "南通新名有限公司"]
    assert set(subject.roles.values_list("role", flat=True)) == {"merchant", "logistics"}
    assert verify().ok


def test_unknown_role_is_refused():
    with pytest.raises(ValidationFailed):
        registry.register({"uscc": f.uscc(), "name": "x"}, ACTOR, roles=["wizard"])


def test_person_found_by_keyed_hash_never_by_clear_id():
    ric = f.ric(11)
    person = registry.register({"ric": ric, "name": "李四"}, ACTOR)
    assert Subject.objects.get(ric_lookup=registry.ric_lookup(ric)) == person
    assert person.ric_lookup != ric and ric not in person.ric_lookup
    again = registry.register({"ric": ric.lower(), "name": "李四"}, ACTOR)
    assert again.pk == person.pk


def report(platform, rows):
    return shops.report_shops(rows, f.principal("platform_client", platform))


def test_shop_report_creates_shops_and_verifies_operators(platform_org):
    known = registry.register({"uscc": f.uscc(), "name": "南通甲有限公司"}, ACTOR)
    result = report(platform_org, [
        {"shop_id": "S1", "name": "甲旗舰店", "operator": {"uscc": known.uscc, "name": "南通甲有限公司"}},
        {"shop_id": "S2", "name": "冒名店", "operator": {"uscc": known.uscc, "name": "南通假冒有限公司"}},
        {"shop_id": "S3", "name": "个人小店", "operator": {"ric": f.ric(21), "name": "王五"}},
        {"shop_id": "S4", "name": "坏代码店", "operator": {"uscc": "913206020000000001"}},
        {"shop_id": "", "name": "无编号"},
    ])
    assert (result.received, result.created, result.verified) == (5, 3, 2)
    assert [e["index"] for e in result.errors] == [3, 4]
    s2 = Subject.objects.get(shop_id="S2")
    assert not s2.verified and s2.operator == known
    assert verify().ok


def test_stale_and_unverified_shops_are_listed_for_departments(platform_org, officer):
    op = {"uscc": f.uscc(), "name": "南通乙有限公司"}
    report(platform_org, [{"shop_id": f"S{i}", "name": f"店{i}", "operator": op} for i in range(3)])
    assert shops.shops_needing_attention(officer).count() == 0
    # one shop was last reported seven months ago: past the six-month interval
    Subject.objects.filter(shop_id="S0").update(last_reported_at=timezone.now() - dt.timedelta(days=214))
    Subject.objects.filter(shop_id="S1").update(verified=False)
    listed = set(shops.shops_needing_attention(officer).values_list("shop_id", flat=True))
    assert listed == {"S0", "S1"}
    report(platform_org, [{"shop_id": "S0", "name": "店0", "operator": op}])
    assert set(shops.shops_needing_attention(officer).values_list("shop_id", flat=True)) == {"S1"}


def test_platform_cannot_see_the_attention_list(platform_org):
    with pytest.raises(Forbidden):
        shops.shops_needing_attention(f.principal("platform_client", platform_org))


def test_record_naming_an_unknown_shop_of_a_known_platform_creates_it_unverified(platform_org):
    from ecredit.archive import services

    item = {"id": "FO9", "type": "fake_order", "subject": {"platform_uscc": platform_org.uscc, "shop_id": "NEW"},
            "decided_on": "2025-01-02", "summary": "刷单"}
    from ecredit import policy

    item["details"] = f.minimal_details(policy.current().record_types["fake_order"].details_schema)
    result = services.ingest([item], f.principal("platform_client", platform_org))
    assert result.created == 1, result.errors
    shop = Subject.objects.get(kind=SubjectKind.SHOP, shop_id="NEW")
    assert not shop.verified and shop.platform.uscc == platform_org.uscc


def test_record_naming_a_shop_of_an_unknown_platform_is_refused(officer):
    from ecredit import policy
    from ecredit.archive import services

    item = {"id": "CU1", "type": "complaint_upheld", "subject": {"platform_uscc": f.uscc(), "shop_id": "X"},
            "decided_on": "2025-01-02", "summary": "投诉成立",
            "details": f.minimal_details(policy.current().record_types["complaint_upheld"].details_schema)}
    result = services.ingest([item], officer)
    assert result.created == 0 and result.errors[0].code == "unknown_platform"


def test_platform_cannot_report_about_another_platforms_shop(platform_org):
    from ecredit import policy
    from ecredit.archive import services

    other = f.uscc(990002)
    registry.register({"uscc": other, "name": "另一平台"}, ACTOR, roles=["platform"])
    item = {"id": "FO2", "type": "fake_order", "subject": {"platform_uscc": other, "shop_id": "X1"},
            "decided_on": "2025-01-02", "summary": "刷单",
            "details": f.minimal_details(policy.current().record_types["fake_order"].details_schema)}
    result = services.ingest([item], f.principal("platform_client", platform_org))
    assert result.created == 0 and result.errors[0].code == "not_own_shop"
