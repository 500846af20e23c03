"""The safe_consumption rows of the API authorisation matrix, and what they act on in the shared world."""

from __future__ import annotations

from .conftest import CALLERS

# The reviewing departments (market regulation: officer, investigator) and the credit office review; the postal
# administration has the right by its role but is not among the departments the scheme names.
REVIEWERS = {"anon": 401, "badtoken": 401, "platform": 403, "agency": 403, "officer": 200, "investigator": 200,
             "other_officer": 403, "admin": 200, "subject": 403}
# The matrix's own company (its account) and platform apply for its shop S1 on that platform.
APPLICANTS = {c: 403 for c in CALLERS} | {"anon": 401, "badtoken": 401, "platform": 200, "subject": 200}
SHOP_APPLICATION = lambda w: {"subject_id": w.ids["shop"], "region": "320613",  # noqa: E731
                              "statement": "承诺七天无理由退货"}

# name: (method, path template, body or body factory, expected status per caller); see test_authorisation.py
ROWS: dict = {
    "sc_criteria": ("get", "/api/v1/safe-consumption/criteria", None, {c: 200 for c in CALLERS}),
    "sc_merchants": ("get", "/api/v1/safe-consumption/merchants?q=放心", None, {c: 200 for c in CALLERS}),
    "sc_preview": ("post", "/api/v1/safe-consumption/check", lambda w: {"subject_id": w.ids["shop"]}, APPLICANTS),
    "sc_apply": ("post", "/api/v1/safe-consumption/enrolments", SHOP_APPLICATION,
                 APPLICANTS | {"platform": 201, "subject": 201}),
    "sc_enrolments": ("get", "/api/v1/safe-consumption/enrolments", None,
                      REVIEWERS | {"platform": 200, "subject": 200}),
    # the pending application is another company's, made by its own account: applicants here do not see it
    "sc_enrolment": ("get", "/api/v1/safe-consumption/enrolments/{sc_pending}", None,
                     REVIEWERS | {"platform": 404, "subject": 404}),
    "sc_check_again": ("post", "/api/v1/safe-consumption/enrolments/{sc_pending}/check", None, REVIEWERS),
    "sc_review": ("post", "/api/v1/safe-consumption/enrolments/{sc_pending}/review",
                  {"approve": True, "reason": "经审核符合放心消费单位条件", "decision_no": "通放心〔2026〕9号",
                   "publish": True}, REVIEWERS),
    "sc_publish": ("post", "/api/v1/safe-consumption/enrolments/{sc_approved}/publication", None, REVIEWERS),
    "sc_suspend": ("post", "/api/v1/safe-consumption/enrolments/{sc_published}/suspension",
                   {"reason": "涉嫌虚假宣传，核查期间暂停"}, REVIEWERS),
    "sc_reinstate": ("post", "/api/v1/safe-consumption/enrolments/{sc_suspended}/reinstatement",
                     {"reason": "经核查不存在虚假宣传"}, REVIEWERS),
    "sc_revoke": ("post", "/api/v1/safe-consumption/enrolments/{sc_published}/revocation",
                  {"reason": "核实存在价格欺诈"}, REVIEWERS),
    "sc_recheck": ("post", "/api/v1/safe-consumption/recheck", None,
                   {c: 403 for c in CALLERS} | {"anon": 401, "badtoken": 401, "admin": 200}),
}


def build(w) -> None:
    """Four companies that meet every criterion, each with an enrolment at one step: pending review, approved,
    published, suspended (each made by the company's own account and decided by market regulation)."""
    from ecredit.access.models import Organisation
    from ecredit.archive import services as archive
    from ecredit.audit.services import Actor
    from ecredit.evaluation.services import rescore_subjects
    from ecredit.registry import services as registry
    from ecredit.safe_consumption import flows, services
    from tests import factories as f

    officer = f.principal("department_officer", Organisation.objects.get(code="market_regulation"))
    companies = []
    for n, step in enumerate(("pending", "approved", "published", "suspended")):
        uscc = f.uscc(880100 + n)
        company = registry.register({"uscc": uscc, "name": f"南通放心{n}号商贸有限公司"}, Actor("test"),
                                    roles=["merchant"], region="320613")
        report = archive.ingest([{"id": f"SC-COMMIT-{n}", "type": "credit_commitment", "subject": {"uscc": uscc},
                                  "decided_on": (f.today() - __import__("datetime").timedelta(days=60)).isoformat(),
                                  "summary": "行业自律信用承诺",
                                  "details": {"commitment_type": "industry_self_discipline",
                                              "content": "诚信经营、商品质量和售后服务承诺"}}], officer)
        assert not report.errors, report.errors
        companies.append((step, company))
    rescore_subjects([c.pk for _step, c in companies])
    for step, company in companies:
        account = f.principal("subject_account", f.organisation("subject", f"self_sc_{company.pk}",
                                                                 name=company.name), subject_id=company.pk)
        enrolment = services.apply(account, subject_id=company.pk)
        w.ids[f"sc_{step}"] = enrolment.pk
        if step == "pending":
            continue
        flows.review(enrolment.pk, officer, approve=True, reason="符合条件", decision_no=f"通放心〔2026〕{n}号",
                     publish=step != "approved")
        if step == "suspended":
            flows.suspend(enrolment.pk, officer, reason="核查投诉期间暂停")
