"""The platform feeds (R14.2): grade changes and list changes, paged by cursor without gaps or repeats, signed
with the deployment's Ed25519 key, persons masked, for platforms and the credit office only."""

from __future__ import annotations

import datetime as dt

import orjson
import pytest
from django.test import Client

from ecredit.archive import services as archive
from ecredit.audit.services import Actor
from ecredit.evaluation.batch import rescore_all
from ecredit.evaluation.models import GradeChange
from ecredit.feeds import services as feeds
from ecredit.kit.canonical import canonical_json
from ecredit.kit.crypto import ed25519_verify
from ecredit.registry import services as registry
from ecredit.registry import shops
from ecredit.registry.models import Subject
from tests import factories as f

pytestmark = pytest.mark.django_db

GRADES, LISTS = "/api/v1/feeds/grades", "/api/v1/feeds/lists"


def debtor(rid: str, subject: dict) -> dict:
    return {"id": rid, "type": "court_dishonest_debtor", "subject": subject, "decided_on": "2026-06-01",
            "summary": "有履行能力而拒不履行", "details": {"case_no": f"（2026）苏0602执{rid}号", "court": "崇川区人民法院",
                                                    "behaviour": "有履行能力而拒不履行生效法律文书确定义务"}}


def listed(rid: str, type_code: str, subject: dict) -> dict:
    details = {"reason": "未按期公示年度报告", "listed_by": "南通市市场监督管理局"}
    if type_code == "serious_violation_list":
        details["decision_no"] = f"通市监列严〔2026〕{rid}号"
    return {"id": rid, "type": type_code, "subject": subject, "decided_on": "2026-06-01", "summary": "列入名单",
            "details": details}


class City:
    """Two platforms, their shops, two couriers (one runs a shop on platform P), list entries."""

    def __init__(self, admin, platform_org):
        actor = Actor("test")
        self.admin = admin
        self.x = {"uscc": f.uscc(201), "name": "南通戊商贸有限公司"}
        self.y = {"uscc": f.uscc(202), "name": "南通己商贸有限公司"}
        self.ric_l, self.ric_m = f.ric(31), f.ric(32)
        registry.register({"ric": self.ric_l, "name": "李小红"}, actor, roles=["courier"])
        registry.register({"ric": self.ric_m, "name": "王大明"}, actor, roles=["courier"])
        other_uscc = f.uscc(990002)
        registry.register({"uscc": other_uscc, "name": "其他电商平台"}, actor, roles=["platform"])
        self.other_platform = f.organisation("platform", "platform_q", name="其他电商平台", uscc=other_uscc)
        shops.report_shops([{"shop_id": "S1", "name": "戊旗舰店", "operator": {"uscc": self.x["uscc"]}},
                            {"shop_id": "S2", "name": "小红的店", "operator": {"ric": self.ric_l, "name": "李小红"}}],
                           f.principal("platform_client", platform_org))
        shops.report_shops([{"shop_id": "T1", "name": "己专营店", "operator": {"uscc": self.y["uscc"]}}],
                           f.principal("platform_client", self.other_platform))
        report = archive.ingest([
            f.penalty("X1", self.x, decided_on="2026-03-05"),
            listed("XL", "abnormal_operation_list", self.x),
            listed("YL", "serious_violation_list", self.y),
            debtor("LD", {"ric": self.ric_l, "name": "李小红"}),
            debtor("MD", {"ric": self.ric_m, "name": "王大明"}),
        ], admin)
        assert not report.errors, report.errors
        self.record = dict(zip(["X1", "XL", "YL", "LD", "MD"], report.record_ids))
        rescore_all()
        self.ids = {"x": Subject.objects.get(uscc=self.x["uscc"]).pk, "y": Subject.objects.get(uscc=self.y["uscc"]).pk,
                    "s1": Subject.objects.get(shop_id="S1").pk, "s2": Subject.objects.get(shop_id="S2").pk,
                    "t1": Subject.objects.get(shop_id="T1").pk,
                    "l": Subject.objects.get(kind="person", name="李小红").pk,
                    "m": Subject.objects.get(kind="person", name="王大明").pk}
        self.tokens = {"platform": f.client_token(platform_org, "platform_client"),
                       "other_platform": f.client_token(self.other_platform, "platform_client"),
                       "admin": f.client_token(admin_org(admin), "credit_office_admin")}


def admin_org(principal):
    from ecredit.access.models import Organisation

    return Organisation.objects.get(pk=principal.organisation_id)


@pytest.fixture
def city(admin, platform_org):
    return City(admin, platform_org)


def call(token: str | None, path: str, **params):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}") if token else Client()
    return client.get(path, params)


def pages(token: str, path: str, cursor: int = 0, limit: int = 2) -> tuple[list[dict], int]:
    """Every item after `cursor`, page by page; the cursor to poll with next."""
    items = []
    for _ in range(100):
        response = call(token, path, cursor=cursor, limit=limit)
        assert response.status_code == 200, response.content
        page = response.json()
        assert len(page["items"]) <= limit and page["cursor"] == cursor
        items += page["items"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return items, cursor
    raise AssertionError("paging did not end")


# ------------------------------------------------------------------------------------------------ grades


def test_grade_feed_pages_without_gaps_or_repeats(city):
    items, cursor = pages(city.tokens["platform"], GRADES, limit=2)
    seqs = [item["seq"] for item in items]
    assert seqs == sorted(set(seqs))
    seen = {item["subject"]["id"] for item in items}
    ids = city.ids
    # every organisation, the platform's own shops, and the courier who runs one of them; not the other
    # platform's shop, not the other courier
    assert {ids["x"], ids["y"], ids["s1"], ids["s2"], ids["l"]} <= seen
    assert ids["t1"] not in seen and ids["m"] not in seen
    expected = set(GradeChange.objects.exclude(subject_id__in=[ids["t1"], ids["m"]]).values_list("seq", flat=True))
    assert set(seqs) == expected
    # nothing new: an empty page at the same cursor
    page = call(city.tokens["platform"], GRADES, cursor=cursor).json()
    assert page["items"] == [] and page["next_cursor"] == cursor and page["has_more"] is False
    # a new grade change arrives after the cursor, once
    archive.ingest([f.penalty("X2", city.x, decided_on="2026-04-05", type_code="admin_penalty_serious")], city.admin)
    rescore_all()
    new, _ = pages(city.tokens["platform"], GRADES, cursor=cursor)
    assert [(i["subject"]["id"], i["old_grade"], i["new_grade"]) for i in new] == [(ids["x"], "C", "D")]
    assert new[0]["score"] == "40.00" and new[0]["model_code"] == "enterprise"   # 75 - 5 - 10 (list) - 20


def test_grade_items_name_subjects_by_their_keys_and_mask_persons(city):
    items, _ = pages(city.tokens["platform"], GRADES, limit=100)
    by_subject = {i["subject"]["id"]: i for i in items}
    x = by_subject[city.ids["x"]]
    assert x["subject"]["uscc"] == city.x["uscc"] and x["subject"]["your_shops"] == ["S1"]
    assert x["old_grade"] is None and x["model_version"].startswith("enterprise@")
    shop = by_subject[city.ids["s2"]]["subject"]
    assert shop["kind"] == "shop" and shop["shop_id"] == "S2" and shop["platform_uscc"]
    person = by_subject[city.ids["l"]]["subject"]
    assert person["name"] == "李**" and person["your_shops"] == ["S2"]
    assert set(person) == {"id", "kind", "name", "your_shops"}
    body = call(city.tokens["platform"], GRADES, limit=100).content.decode()
    masked = Subject.objects.get(pk=city.ids["l"]).ric_masked
    assert city.ric_l not in body and masked not in body and "李小红" not in body


def test_the_credit_office_sees_every_subject_masked(city):
    items, _ = pages(city.tokens["admin"], GRADES, limit=50)
    assert {i["subject"]["id"] for i in items} == set(GradeChange.objects.values_list("subject_id", flat=True))
    names = {i["subject"]["id"]: i["subject"]["name"] for i in items}
    assert names[city.ids["m"]] == "王**" and "your_shops" not in items[0]["subject"]


def test_the_page_is_signed_and_verifies_with_the_published_key(city):
    response = call(city.tokens["platform"], GRADES, limit=3)
    parts = dict(p.strip().split("=", 1) for p in response["X-Signature"].split(";"))
    published = call(None, "/api/v1/reports/signing-key").json()["public_key"]
    assert parts["key"] == published
    assert ed25519_verify(published, response.content, parts["ed25519"])
    assert response.content == canonical_json(orjson.loads(response.content))   # sent in canonical form
    tampered = response.content.replace(b'"has_more":true', b'"has_more":false')
    assert tampered != response.content and not ed25519_verify(published, tampered, parts["ed25519"])
    page = response.json()
    assert page["feed"] == "grades" and page["limit"] == 3
    from ecredit.feeds.api import GradePage

    GradePage.model_validate(page)      # the page is what the OpenAPI description promises


def test_only_platforms_and_the_credit_office_may_read_feeds(city, department, platform_org):
    officer = f.client_token(department, "department_officer")
    agency = f.client_token(f.organisation("agency", "agency_f"), "agency_client")
    for path in (GRADES, LISTS):
        assert call(None, path).status_code == 401
        assert call("ec_not_a_token", path).status_code == 401
        assert call(officer, path).status_code == 403
        assert call(agency, path).status_code == 403
        assert call(city.tokens["platform"], path).status_code == 200
        assert call(city.tokens["admin"], path).status_code == 200
    refused = call(officer, GRADES)
    assert refused.json()["code"] == "forbidden" and "X-Signature" not in refused
    assert call(city.tokens["platform"], GRADES, limit=0).status_code == 422
    assert call(city.tokens["platform"], GRADES, limit=1001).status_code == 422
    assert call(city.tokens["platform"], LISTS, cursor=-1).status_code == 422


# ------------------------------------------------------------------------------------------------ lists


def test_list_feed_reports_entries_entering_and_leaving_public_view(city):
    items, cursor = pages(city.tokens["platform"], LISTS, limit=1)
    seqs = [i["seq"] for i in items]
    assert seqs == sorted(set(seqs))
    entered = {(i["record"]["id"], i["event"]) for i in items}
    r = city.record
    # X's abnormal-operations entry, Y's serious-violation entry (an organisation), L's debtor entry (runs S2);
    # not M's (a person unrelated to the platform), not X's penalty (not a list)
    assert entered == {(r["XL"], "listed"), (r["YL"], "listed"), (r["LD"], "listed")}
    item = next(i for i in items if i["record"]["id"] == r["LD"])
    assert item["subject"]["name"] == "李**" and item["record"]["category"] == "judicial"
    assert item["record"]["type_name"] == "失信被执行人信息" and item["action"] == "create"
    assert city.ric_l not in call(city.tokens["platform"], LISTS, limit=100).content.decode()
    # Y's entry is revoked; later every entry's window is over and the daily expiry marks them
    archive.revoke(r["YL"], city.admin, reason="列入决定被撤销")
    archive.expire_due(today=dt.date(2040, 1, 1))
    left, cursor2 = pages(city.tokens["platform"], LISTS, cursor=cursor, limit=1)
    assert [(i["record"]["id"], i["event"], i["action"]) for i in left] == [
        (r["YL"], "delisted", "revoke"), *sorted(((r["XL"], "delisted", "expire"), (r["LD"], "delisted", "expire")))]
    assert all(i["record"]["status"] in ("revoked", "expired") for i in left)
    assert pages(city.tokens["platform"], LISTS, cursor=cursor2)[0] == []


def test_list_feed_for_the_credit_office_and_its_signature(city):
    response = call(city.tokens["admin"], LISTS, limit=100)
    page = response.json()
    assert {i["record"]["id"] for i in page["items"]} == {city.record[k] for k in ("XL", "YL", "LD", "MD")}
    parts = dict(p.strip().split("=", 1) for p in response["X-Signature"].split(";"))
    assert ed25519_verify(feeds.public_key_hex(), response.content, parts["ed25519"])
    assert page["feed"] == "lists"
    from ecredit.feeds.api import ListPage

    ListPage.model_validate(page)


def test_each_platform_sees_its_own_shops(city):
    items, _ = pages(city.tokens["other_platform"], GRADES, limit=100)
    seen = {i["subject"]["id"] for i in items}
    assert city.ids["t1"] in seen and city.ids["s1"] not in seen and city.ids["l"] not in seen
    y = next(i for i in items if i["subject"]["id"] == city.ids["y"])
    assert y["subject"]["your_shops"] == ["T1"]
