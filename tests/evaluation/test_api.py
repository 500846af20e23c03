"""The evaluation API: current explanations that add up, history newest first, the models; persons only for
callers who may see persons."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from ecredit import policy
from ecredit.archive import services as archive
from ecredit.audit.models import AccessLogEntry
from ecredit.audit.services import Actor
from ecredit.evaluation.batch import rescore_all
from ecredit.registry import services as registry
from ecredit.registry import shops
from ecredit.registry.models import Subject
from tests import factories as f
from tests.api.conftest import CALLERS, _module_world, world  # noqa: F401  (the authorisation world, reused)

pytestmark = pytest.mark.django_db


def get(path: str, token: str | None = None, **headers):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}") if token else Client()
    return client.get(path, **headers)


def total(body: dict) -> Decimal:
    return Decimal(body["base"]) + sum(Decimal(line["points"]) for line in body["lines"]) + Decimal(body["bound"])


@pytest.fixture
def scored(admin, platform_org, department):
    """A firm with penalties and an honour, a shop reported for fake orders, a courier; all scored."""
    firm = {"uscc": f.uscc(301), "name": "南通庚商贸有限公司"}
    report = archive.ingest([
        f.penalty("F1", firm, decided_on="2025-03-05"), f.penalty("F2", firm, decided_on="2025-09-05"),
        f.penalty("F3", firm, decided_on="2026-01-05"), f.penalty("F4", firm, decided_on="2026-02-05"),
        f.penalty("F5", firm, decided_on="2026-03-05"),
        {"id": "FH", "type": "honour", "subject": firm, "decided_on": "2026-01-01", "summary": "示范",
         "details": {"honour_name": "诚信经营示范企业", "awarded_by": "南通市商务局"}},
    ], admin)
    assert not report.errors, report.errors
    platform = f.principal("platform_client", platform_org)
    shops.report_shops([{"shop_id": "S9", "name": "庚旗舰店", "operator": {"uscc": firm["uscc"]}}], platform)
    fake = {"id": "FO9", "type": "fake_order", "subject": {"platform_uscc": platform_org.uscc, "shop_id": "S9"},
            "decided_on": "2026-05-01", "summary": "组织刷单",
            "details": f.minimal_details(policy.current().record_types["fake_order"].details_schema)}
    shop_report = archive.ingest([fake], platform)
    assert not shop_report.errors, shop_report.errors
    courier = registry.register({"ric": f.ric(41), "name": "赵小六"}, Actor("test"), roles=["courier"])
    rescore_all(dt.date(2026, 6, 30))
    archive.ingest([f.penalty("C1", {"ric": f.ric(41), "name": "赵小六"}, decided_on="2026-07-01")], admin)
    rescore_all(dt.date(2026, 7, 31))
    tokens = {"platform": f.client_token(platform_org, "platform_client"),
              "officer": f.client_token(department, "department_officer")}
    return {"firm": Subject.objects.get(uscc=firm["uscc"]).pk, "shop": Subject.objects.get(shop_id="S9").pk,
            "courier": courier.pk, "fake": shop_report.record_ids[0], "records": report.record_ids,
            "tokens": tokens}


def test_the_explanation_adds_up_to_the_score(scored):
    response = get(f"/api/v1/subjects/{scored['firm']}/evaluation")
    assert response.status_code == 200, response.content
    body = response.json()
    assert total(body) == Decimal(body["score"])
    lines = {line["code"]: line for line in body["lines"]}
    # five penalties at -5 each, capped at -20; one honour +3: 75 - 20 + 3 = 58, grade D
    assert Decimal(lines["penalties"]["points"]) == Decimal(-20) and lines["penalties"]["raw"] == 5
    assert sorted(lines["penalties"]["record_ids"]) == sorted(scored["records"][:5])
    assert lines["penalties"]["withheld_records"] == 0 and "近3年内每条-5分" in lines["penalties"]["rule"]
    assert (Decimal(body["score"]), body["grade"]) == (Decimal("58.00"), "D")
    assert body["model_code"] == "enterprise" and body["model_version"] == "enterprise@2024-01-01"
    assert body["reference"].startswith("南通市电子商务领域诚信建设实施方案")
    assert body["subject"]["key"] == Subject.objects.get(pk=scored["firm"]).uscc


def test_records_the_caller_may_not_read_are_withheld_but_still_count(scored):
    anonymous = get(f"/api/v1/subjects/{scored['shop']}/evaluation").json()
    line = next(line for line in anonymous["lines"] if line["code"] == "platform_reports")
    assert line["record_ids"] == [] and line["withheld_records"] == 1 and Decimal(line["points"]) == -8
    assert total(anonymous) == Decimal(anonymous["score"])
    source = get(f"/api/v1/subjects/{scored['shop']}/evaluation", scored["tokens"]["platform"]).json()
    line = next(line for line in source["lines"] if line["code"] == "platform_reports")
    assert line["record_ids"] == [scored["fake"]] and line["withheld_records"] == 0


def test_english_names_and_rules(scored):
    body = get(f"/api/v1/subjects/{scored['firm']}/evaluation", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["model_name"] == "E-commerce enterprise model"
    line = next(line for line in body["lines"] if line["code"] == "penalties")
    assert line["name"] == "Penalties and failed quality checks" and "per record" in line["rule"]


def test_a_persons_evaluation_only_for_those_who_may_see_persons(scored):
    path = f"/api/v1/subjects/{scored['courier']}/evaluation"
    assert get(path).status_code == 404
    assert get(f"{path}/history").status_code == 404
    response = get(path + "?purpose=快递从业人员核查", scored["tokens"]["officer"])
    assert response.status_code == 200
    body = response.json()
    assert body["subject"]["name"] == "赵**" and "*" in body["subject"]["key"]     # masked for an officer
    assert total(body) == Decimal(body["score"]) == Decimal("75.00")               # 80 + 5 verified - 10
    entry = AccessLogEntry.objects.get(subject_id=scored["courier"], data="evaluation")
    assert entry.purpose == "快递从业人员核查" and entry.channel == "api"


def test_history_newest_first_and_by_model_version(scored):
    path = f"/api/v1/subjects/{scored['courier']}/evaluation/history"
    rows = get(path, scored["tokens"]["officer"]).json()
    assert [(r["as_of"], r["score"]) for r in rows] == [("2026-07-31", "75.00"), ("2026-06-30", "85.00")]
    assert rows[0]["points"]["penalties"] == "-10.00" and rows[0]["points"]["verified"] == "5.00"
    only = get(f"{path}?model_version=courier@2024-01-01", scored["tokens"]["officer"]).json()
    assert len(only) == 2
    assert get(f"{path}?model_version=courier@1999-01-01", scored["tokens"]["officer"]).json() == []
    assert get(f"{path}?limit=1", scored["tokens"]["officer"]).json()[0]["as_of"] == "2026-07-31"
    assert get(f"{path}?limit=0", scored["tokens"]["officer"]).status_code == 422


def test_a_subject_without_a_score(db, admin):
    firm = {"uscc": f.uscc(302), "name": "南通辛商贸有限公司"}
    archive.ingest([f.penalty("N1", firm)], admin)
    subject = Subject.objects.get(uscc=firm["uscc"])
    response = get(f"/api/v1/subjects/{subject.pk}/evaluation")
    assert response.status_code == 404 and response.json()["code"] == "not_evaluated"
    assert get(f"/api/v1/subjects/{subject.pk}/evaluation/history").json() == []
    assert get("/api/v1/subjects/999999/evaluation").status_code == 404


def test_models_every_version_with_indicators_and_bands(db):
    body = get("/api/v1/evaluation/models").json()
    models = {m["code"]: m for m in body["models"]}
    assert set(models) == set(policy.current().evaluation.models)
    shop = models["shop"]
    assert shop["in_force_version"] == "shop@2024-01-01" and shop["versions"][0]["in_force"] is True
    version = shop["versions"][0]
    assert [b["grade"] for b in version["bands"]] == ["A", "B", "C", "D"]
    indicators = {i["code"]: i for i in version["indicators"]}
    assert indicators["good_rate"]["from_value"] == 0.9 and indicators["serious_dishonesty"]["within"] == "P3Y"
    assert indicators["serious_dishonesty"]["rule"].startswith("近3年内每条-20分")
    assert body["assignment"][0] == {"model": "shop", "kinds": ["shop"], "roles": []}


# ------------------------------------------------------------------------------ the authorisation matrix

ALL_OK = {c: 200 for c in CALLERS} | {"badtoken": 401}
FEEDS = {"anon": 401, "badtoken": 401, "platform": 200, "agency": 403, "officer": 403, "investigator": 403,
         "other_officer": 403, "admin": 200, "subject": 403}
# The entries proposed for tests/api/test_authorisation.py MATRIX (with `rescore_all()` at the end of the world).
MATRIX = {
    "evaluation": ("get", "/api/v1/subjects/{company}/evaluation", None, ALL_OK),
    "evaluation_person": ("get", "/api/v1/subjects/{person}/evaluation/history", None,
                          {c: 200 for c in CALLERS} | {"anon": 404, "badtoken": 401, "subject": 404}),
    "evaluation_history": ("get", "/api/v1/subjects/{company}/evaluation/history", None, ALL_OK),
    "evaluation_models": ("get", "/api/v1/evaluation/models", None, ALL_OK),
    "feed_grades": ("get", "/api/v1/feeds/grades?cursor=0&limit=10", None, FEEDS),
    "feed_lists": ("get", "/api/v1/feeds/lists?cursor=0&limit=10", None, FEEDS),
}
CASES = [(name, caller) for name in MATRIX for caller in CALLERS]


@pytest.mark.parametrize("name, caller", CASES, ids=[f"{n}-{c}" for n, c in CASES])
def test_authorisation_matrix_entries(world, name, caller):  # noqa: F811
    rescore_all()
    _method, template, _body, expected = MATRIX[name]
    response = world.client(caller).get(template.format(**world.ids))
    assert response.status_code == expected[caller], response.content.decode()[:300]
    if response.status_code >= 400:
        assert response.json()["code"]
