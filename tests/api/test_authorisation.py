"""Every endpoint against every kind of caller: what is allowed is allowed, everything else is refused."""

from __future__ import annotations

import pytest

from tests import factories as f

from tests.marketplace.conftest import order, rating

from . import (matrix_commitments, matrix_compensation, matrix_complaints, matrix_findings, matrix_logistics,
               matrix_safe_consumption, matrix_trace)
from .conftest import CALLERS

pytestmark = pytest.mark.django_db

ALL_OK = {c: 200 for c in CALLERS} | {"badtoken": 401}
SUBMITTERS = {"platform": 200, "officer": 200, "investigator": 200, "other_officer": 200, "admin": 200}
SUPERVISORS = {"anon": 401, "badtoken": 401, "platform": 403, "agency": 403, "officer": 200, "investigator": 200,
               "other_officer": 200, "admin": 200, "subject": 403}


def last_quarter() -> str:
    from ecredit.evaluation.quarterly import Quarter

    return str(Quarter.of(f.today()).previous())
EDIT_OWN = {"anon": 401, "badtoken": 401, "platform": 403, "agency": 403, "officer": 200, "investigator": 200,
            "other_officer": 403, "admin": 200, "subject": 403}
# The deciding department (market regulation) and the credit office handle an entry; others do not see it.
LIST_HANDLERS = {"anon": 401, "badtoken": 401, "platform": 403, "agency": 403, "officer": 200, "investigator": 200,
                 "other_officer": 404, "admin": 200, "subject": 403}


def batch_body(w):
    return {"records": [f.penalty("NEW1", {"uscc": f.uscc(555), "name": "南通乙有限公司"})]}


# name: (method, path template, body or body factory, expected status per caller)
MATRIX = {
    "health": ("get", "/api/v1/health", None, {c: 200 for c in CALLERS}),
    "record_types": ("get", "/api/v1/record-types", None, ALL_OK),
    "record_type": ("get", "/api/v1/record-types/{code}", None, ALL_OK),
    "push_batch": ("post", "/api/v1/records/batches", batch_body,
                   {"anon": 401, "badtoken": 401, "agency": 403, "subject": 403, **SUBMITTERS}),
    "list_batches": ("get", "/api/v1/records/batches", None,
                     {"anon": 401, "badtoken": 401, "agency": 403, "subject": 403, **SUBMITTERS}),
    "batch": ("get", "/api/v1/records/batches/{batch}", None,
              {"anon": 401, "badtoken": 401, "platform": 404, "agency": 403, "officer": 200, "investigator": 200,
               "other_officer": 404, "admin": 200, "subject": 403}),
    "public_record": ("get", "/api/v1/records/{record_public}", None, ALL_OK),
    "government_record": ("get", "/api/v1/records/{record_gov}", None,
                          {"anon": 404, "badtoken": 401, "platform": 200, "agency": 404, "officer": 200,
                           "investigator": 200, "other_officer": 200, "admin": 200, "subject": 404}),
    "correct": ("post", "/api/v1/records/{record_public}/correction", {"reason": "更正摘要", "summary": "更正"},
                EDIT_OWN),
    "revoke": ("post", "/api/v1/records/{record_public}/revocation", {"reason": "原处罚决定被撤销"}, EDIT_OWN),
    "credit_check": ("get", "/api/v1/credit-check?subject_id={company}&purpose=行政许可审查", None,
                     {c: 200 for c in CALLERS} | {"anon": 401, "badtoken": 401, "subject": 403}),
    "file_objection": ("post", "/api/v1/objections", lambda w: {"record": w.ids["record_person"],
                                                               "reason": "该处罚信息与事实不符"},
                       {"anon": 401, "badtoken": 401, "platform": 403, "agency": 403, "officer": 201,
                        "investigator": 201, "other_officer": 201, "admin": 201, "subject": 403}),
    "list_objections": ("get", "/api/v1/objections", None,
                        {c: 200 for c in CALLERS} | {"anon": 401, "badtoken": 401, "platform": 403, "agency": 403}),
    "check_objection": ("post", "/api/v1/objections/{objection}/check", {"accept": True},
                        {"anon": 401, "badtoken": 401, "platform": 403, "agency": 403, "officer": 200,
                         "investigator": 200, "other_officer": 404, "admin": 200, "subject": 403}),
    "decide_objection": ("post", "/api/v1/objections/{objection}/decision",
                         {"upheld": False, "decision": "处罚决定合法有效"},
                         {"anon": 401, "badtoken": 401, "platform": 403, "agency": 403, "officer": 200,
                          "investigator": 200, "other_officer": 404, "admin": 200, "subject": 403}),
    "decide_repair": ("post", "/api/v1/repairs/{repair}/decision", {"approve": False, "decision": "材料不全"},
                      {"anon": 401, "badtoken": 401, "platform": 403, "agency": 403, "officer": 200,
                       "investigator": 200, "other_officer": 404, "admin": 200, "subject": 403}),
    "apply_repair": ("post", "/api/v1/repairs", lambda w: {"record": w.ids["record_public"], "statement": "已整改",
                                                            "attested": ["penalty_fulfilled", "harm_removed"]},
                     {"anon": 401, "badtoken": 401, "platform": 403, "agency": 403, "officer": 403,
                      "investigator": 403, "other_officer": 403, "admin": 403, "subject": 201}),
    "subject": ("get", "/api/v1/subjects/{company}", None, ALL_OK),
    "identity": ("get", "/api/v1/subjects/{person}/identity?purpose=核查身份", None,
                 {c: 200 for c in CALLERS} | {"anon": 404, "badtoken": 401, "subject": 404}),
    "report_shops": ("post", "/api/v1/shops/reports",
                     lambda w: {"shops": [{"shop_id": "S2", "name": "乙店", "operator": {"uscc": f.uscc(556)}}]},
                     {c: 403 for c in CALLERS} | {"anon": 401, "badtoken": 401, "platform": 200}),
    # for the departments of the plan's task 1 (market regulation is one; the postal administration is not)
    "shops_attention": ("get", "/api/v1/shops/attention", None,
                        {c: 200 for c in CALLERS} | {"anon": 401, "badtoken": 401, "platform": 403, "agency": 403,
                                                     "subject": 403, "other_officer": 403}),
    "public_search": ("get", "/api/v1/public/search?q=南通", None, {c: 200 for c in CALLERS}),
    "public_profile": ("get", "/api/v1/public/subjects/{company}", None, {c: 200 for c in CALLERS}),
    "public_profile_person": ("get", "/api/v1/public/subjects/{person}", None, {c: 404 for c in CALLERS}),
    "public_notices": ("get", "/api/v1/public/notices?kind=typical_case", None, {c: 200 for c in CALLERS}),
    "publish_notice": ("post", "/api/v1/notices", lambda w: {"kind": "typical_case", "title": "典型案例",
                                                            "body": "案情", "subject_id": w.ids["company"]},
                       {"anon": 401, "badtoken": 401, "platform": 403, "agency": 403, "officer": 201,
                        "investigator": 201, "other_officer": 201, "admin": 201, "subject": 403}),
    "withdraw_notice": ("post", "/api/v1/notices/{notice}/withdraw", {"reason": "案情有误"},
                        {"anon": 401, "badtoken": 401, "platform": 403, "agency": 403, "officer": 200,
                         "investigator": 200, "other_officer": 403, "admin": 200, "subject": 403}),
    "report_signing_key": ("get", "/api/v1/reports/signing-key", None, {c: 200 for c in CALLERS}),
    "report_by_code": ("get", "/api/v1/reports/{report_code}", None, {c: 200 for c in CALLERS}),
    "report_verify": ("post", "/api/v1/reports/verify", lambda w: {"code": w.ids["report_code"]},
                      {c: 200 for c in CALLERS}),
    "subject_report": ("get", "/api/v1/subjects/{company}/report?purpose=行政许可审查", None,
                       {c: 200 for c in CALLERS} | {"anon": 401, "badtoken": 401}),
    "evaluation": ("get", "/api/v1/subjects/{company}/evaluation", None, ALL_OK),
    "evaluation_history": ("get", "/api/v1/subjects/{company}/evaluation/history", None, ALL_OK),
    "evaluation_person": ("get", "/api/v1/subjects/{person}/evaluation/history", None,
                          {c: 200 for c in CALLERS} | {"anon": 404, "badtoken": 401, "subject": 404}),
    "evaluation_models": ("get", "/api/v1/evaluation/models", None, ALL_OK),
    "feed_grades": ("get", "/api/v1/feeds/grades?cursor=0&limit=10", None,
                    {"anon": 401, "badtoken": 401, "platform": 200, "agency": 403, "officer": 403,
                     "investigator": 403, "other_officer": 403, "admin": 200, "subject": 403}),
    "feed_lists": ("get", "/api/v1/feeds/lists?cursor=0&limit=10", None,
                   {"anon": 401, "badtoken": 401, "platform": 200, "agency": 403, "officer": 403,
                    "investigator": 403, "other_officer": 403, "admin": 200, "subject": 403}),
    "push_orders": ("post", "/api/v1/marketplace/orders", lambda w: {"orders": [order("M2")]},
                    {c: 403 for c in CALLERS} | {"anon": 401, "badtoken": 401, "platform": 200}),
    "push_ratings": ("post", "/api/v1/marketplace/ratings", lambda w: {"ratings": [rating("M1")]},
                     {c: 403 for c in CALLERS} | {"anon": 401, "badtoken": 401, "platform": 200}),
    "append_review": ("post", "/api/v1/marketplace/ratings/{rating}/appended", {"text": "用了一个月，依然满意"},
                      {c: 403 for c in CALLERS} | {"anon": 401, "badtoken": 401, "platform": 200}),
    "shield_review": ("post", "/api/v1/marketplace/ratings/{rating}/shield", {"ground": "off_topic"},
                      {c: 403 for c in CALLERS} | {"anon": 401, "badtoken": 401, "platform": 200, "admin": 200}),
    "shop_reputation": ("get", "/api/v1/marketplace/shops/{shop}/reputation", None, ALL_OK),
    "list_types": ("get", "/api/v1/lists/types", None, {c: 200 for c in CALLERS}),
    "list_entries": ("get", "/api/v1/lists/entries", None,
                     {c: 200 for c in CALLERS} | {"anon": 401, "badtoken": 401, "agency": 403}),
    "propose_entry": ("post", "/api/v1/lists/entries",
                      lambda w: {"list_type": "focus_list", "subject_id": w.ids["shop"], "reason": "多次销售假冒商品"},
                      {"anon": 401, "badtoken": 401, "platform": 201, "agency": 403, "officer": 201,
                       "investigator": 201, "other_officer": 201, "admin": 201, "subject": 403}),
    "list_entry": ("get", "/api/v1/lists/entries/{entry}", None, LIST_HANDLERS | {"platform": 404}),
    "notify_entry": ("post", "/api/v1/lists/entries/{pending}/notice", {"channel": "written", "reference": "告知5号"},
                     LIST_HANDLERS),
    "object_to_entry": ("post", "/api/v1/lists/entries/{notified}/objection", {"text": "当事人认为不应列入"},
                        LIST_HANDLERS | {"subject": 200}),
    "decide_entry_objection": ("post", "/api/v1/lists/entries/{objected}/objection-decision",
                               {"upheld": True, "decision": "异议成立"}, LIST_HANDLERS),
    "decide_entry": ("post", "/api/v1/lists/entries/{pending}/decision",
                     {"list_subject": False, "text": "不予列入"}, LIST_HANDLERS),
    "publish_entry": ("post", "/api/v1/lists/entries/{decided}/publication", None, LIST_HANDLERS),
    "remove_entry": ("post", "/api/v1/lists/entries/{entry}/removal", {"how": "revoke", "reason": "认定有误"},
                     LIST_HANDLERS),
    "list_scan": ("post", "/api/v1/lists/scan", {}, {c: 403 for c in CALLERS} | {"anon": 401, "badtoken": 401,
                                                                                 "admin": 200}),
    "measure_tasks": ("get", "/api/v1/lists/tasks", None,
                      {c: 200 for c in CALLERS} | {"anon": 401, "badtoken": 401, "agency": 403, "subject": 403}),
    "respond_task": ("post", "/api/v1/lists/tasks/{task}/response", {"action": "accept"},
                     {"anon": 401, "badtoken": 401, "platform": 200, "agency": 403, "officer": 404,
                      "investigator": 404, "other_officer": 404, "admin": 200, "subject": 403}),
    "list_supervision": ("get", "/api/v1/lists/supervision", None,
                         {c: 200 for c in CALLERS} | {"anon": 401, "badtoken": 401, "platform": 403, "agency": 403,
                                                      "subject": 403}),
    # supervision: the credit office and department officers see it (supervision.view)
    "plan_tasks": ("get", "/api/v1/plan/tasks", None, SUPERVISORS),
    "plan_overdue": ("get", "/api/v1/plan/overdue", None, SUPERVISORS),
    # task 5: market regulation (officer, investigator) leads; the postal administration has no part in it
    "plan_progress": ("post", "/api/v1/plan/tasks/{plan_task}/progress", lambda w: {
        "period": last_quarter(), "status": "in_progress", "percent": 30, "summary": "已部署专项行动",
        "department": "market_regulation"}, SUPERVISORS | {"other_officer": 403}),
    "platforms_compliance": ("get", "/api/v1/platforms/compliance", None, SUPERVISORS),
}

for _module in (matrix_complaints, matrix_compensation, matrix_commitments, matrix_safe_consumption,
                matrix_logistics, matrix_trace, matrix_findings):
    assert not set(_module.ROWS) & set(MATRIX), _module.__name__
    MATRIX |= _module.ROWS

CASES = [(name, caller) for name in MATRIX for caller in CALLERS]


@pytest.mark.parametrize("name, caller", CASES, ids=[f"{n}-{c}" for n, c in CASES])
def test_authorisation_matrix(world, name, caller):
    method, template, body, expected = MATRIX[name]
    path = template.format(**world.ids)
    client = world.client(caller)
    if method == "get":
        response = client.get(path)
    else:
        payload = body(world) if callable(body) else body
        response = client.post(path, payload, content_type="application/json")
    assert response.status_code == expected[caller], response.content.decode()[:300]
    if response.status_code >= 400:
        assert response.json()["code"]  # every refusal says why, in JSON


def test_every_api_operation_is_in_the_matrix():
    from ecredit.api import api

    schema = api.get_openapi_schema()
    operations = {(m.upper(), p) for p, item in schema["paths"].items() for m in item}
    covered = {(m.upper(), t.split("?")[0]) for m, t, _, _ in MATRIX.values()}
    normalise = lambda path: __import__("re").sub(r"\{[^}]+\}", "{}", path)  # noqa: E731
    missing = {(m, p) for m, p in operations if (m, normalise(p)) not in {(cm, normalise(cp)) for cm, cp in covered}}
    assert not missing
