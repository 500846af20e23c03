"""Console pages of supervision: the plan page for the credit office and for a department, the workbench's
overdue figure, the platforms page and the interview form that writes a public record (R11.3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from ecredit.archive.models import CreditRecord
from ecredit.audit.services import verify
from ecredit.supervision.models import PlanProgress
from ecredit.supervision.services import plan

from tests import factories as f

from .conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform_with_shop(platform_org):
    from ecredit.registry.shops import report_shops

    report_shops([{"shop_id": "S-1", "name": "甲网店", "operator": {"uscc": f.uscc(301), "name": "南通甲商贸有限公司"}}],
                 f.principal("platform_client", platform_org))
    from ecredit.registry.models import Subject

    return Subject.objects.get(uscc=platform_org.uscc)


def test_credit_office_sees_every_task_with_overdue_items_first(credit_office, department):
    page = login(credit_office, "credit_office_admin", "office").get("/console/plan/").content.decode()
    assert page.index('id="overdue"') < page.index('id="task-1"')
    assert "逾期未报" in page and "落实电子商务平台主体责任" in page and "代部门报告进展" in page
    workbench = login(credit_office, "credit_office_admin", "office2").get("/console/").content.decode()
    assert 'id="plan-overdue"' in workbench and "实施方案任务逾期未报和受阻" in workbench


def test_department_sees_its_own_tasks_and_reports_through_the_form(department):
    client = login(department, "department_officer", "market")
    page = client.get("/console/plan/").content.decode()
    assert "本部门承担的任务" in page and 'id="task-11"' in page and 'id="task-3"' not in page   # task 3: not ours
    assert 'id="plan-overdue"' not in client.get("/console/").content.decode()    # the figure is the office's
    response = client.post("/console/plan/report", {"task": 11, "period": "2025Q4", "status": "in_progress",
                                                    "percent": 30, "summary": "约谈两家平台"}, follow=True)
    assert "已报告" in response.content.decode()
    assert PlanProgress.objects.get().summary == "约谈两家平台"
    refused = client.post("/console/plan/report", {"task": 3, "period": "2025Q4", "status": "in_progress",
                                                   "summary": "x"}, follow=True).content.decode()
    assert "不是任务3的牵头或配合单位" in refused and PlanProgress.objects.count() == 1


def test_pages_are_refused_to_a_platform_user(platform_org, platform_with_shop):
    client = login(platform_org, "platform_client", "platform")
    for url in ("/console/plan/", "/console/platforms/", f"/console/platforms/{platform_with_shop.pk}/interview"):
        assert client.get(url).status_code == 403, url
    assert client.post("/console/plan/report", {"task": 11}).status_code == 403
    assert Client().get("/console/plan/").status_code == 302       # not logged in: to the login page


def test_platforms_page_renders_for_office_and_department(credit_office, department, platform_with_shop):
    for client in (login(credit_office, "credit_office_admin", "office"), login(department, "department_officer",
                                                                                "market")):
        page = client.get("/console/platforms/").content.decode()
        assert f'id="platform-{platform_with_shop.pk}"' in page and "联合奖惩任务响应率" in page
        assert f"/console/platforms/{platform_with_shop.pk}/interview" in page


def test_interview_form_writes_a_public_record_shown_on_the_portal(department, platform_with_shop):
    client = login(department, "department_officer", "market")
    url = f"/console/platforms/{platform_with_shop.pk}/interview"
    form = client.get(url).content.decode()
    assert "记录约谈、通报" in form and 'name="form_id"' in form
    decided = f.today() - dt.timedelta(days=10)
    data = {"measure": "rectification_order", "decided_on": decided.isoformat(), "document_no": "通市监约〔2025〕7号",
            "duties": ["real_name", "reporting"], "failings": "未按规定核验平台内经营者身份信息",
            "rectification": "三十日内完成全部网店的身份核验",
            "rectification_deadline": (decided + dt.timedelta(days=30)).isoformat(), "form_id": "f0f0f0"}
    response = client.post(url, data, follow=True)
    assert "在公示门户向社会公开" in response.content.decode()
    record = CreditRecord.objects.get(record_type_id="platform_interview")
    assert record.subject == platform_with_shop and record.disclosure == "public" and record.source == department
    assert record.details["measure"] == "rectification_order" and record.details["duties"] == ["real_name",
                                                                                                "reporting"]
    assert record.details["authority"] == "市工商局" and "未按规定核验" in record.summary
    client.post(url, data)                                  # the same form sent twice: one record
    assert CreditRecord.objects.filter(record_type_id="platform_interview").count() == 1
    profile = Client().get(f"/subjects/{platform_with_shop.pk}/").content.decode()
    assert f'id="record-{record.pk}"' in profile and "平台约谈、通报和责令整改" in profile
    assert verify().ok


def test_interview_form_refuses_an_incomplete_rectification_order(department, platform_with_shop):
    client = login(department, "department_officer", "market")
    response = client.post(f"/console/platforms/{platform_with_shop.pk}/interview",
                           {"measure": "rectification_order", "decided_on": "2025-11-20", "failings": "未处置投诉",
                            "form_id": "f1"})
    assert response.status_code == 422 and "责令整改须写明整改要求和整改期限" in response.content.decode()
    assert not CreditRecord.objects.filter(record_type_id="platform_interview").exists()


def test_interview_form_is_only_for_platforms(department, platform_with_shop):
    shop = platform_with_shop.shops.get()
    client = login(department, "department_officer", "market")
    assert client.get(f"/console/platforms/{shop.pk}/interview").status_code == 404
    assert client.get(f"/console/platforms/{shop.operator_id}/interview").status_code == 404


def test_the_publicity_rules_page_lists_the_type():
    page = Client().get("/rules/publicity").content.decode()
    assert 'id="type-platform_interview"' in page and "监管措施" in page and "任务十一" in page


def test_english_plan_page(credit_office):
    client = login(credit_office, "credit_office_admin", "office")
    client.post("/i18n/setlang/", {"language": "en", "next": "/console/plan/"})
    page = client.get("/console/plan/").content.decode()
    assert "Hold e-commerce platforms to their responsibilities" in page


def test_overdue_count_matches_the_service(credit_office, admin):
    page = login(credit_office, "credit_office_admin", "office").get("/console/").content.decode()
    assert f'id="plan-overdue">{plan.overdue_count(admin)}<' in page
