"""Console pages of the lists and of joint action: who sees what, and the whole procedure through forms."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from ecredit import policy
from ecredit.access.models import Membership
from ecredit.archive import services as archive
from ecredit.audit.models import AccessLogEntry
from ecredit.audit.services import Actor
from ecredit.lists import flows, services
from ecredit.lists.models import EntryStatus, ListEntry, MeasureTask, TaskStatus
from ecredit.registry import services as registry
from tests import factories as f
from tests.factories import console_login

pytestmark = pytest.mark.django_db

PROPOSED_ON = dt.datetime(2026, 3, 2, 10, tzinfo=dt.timezone.utc)      # a Monday
DECIDED_ON = dt.datetime(2026, 3, 20, 10, tzinfo=dt.timezone.utc)      # the objection window has closed


def user(org, role, username):
    account = get_user_model().objects.create_user(username, password="Secret-pass-2026")
    Membership.objects.create(user=account, organisation=org, role=role)
    return account


def client_of(account) -> Client:
    """A logged-in client (made inside each time_machine block: a session does not outlive a jump in time)."""
    client = Client()
    console_login(client, account)
    return client


def text(response) -> str:
    return response.content.decode()


def company(n: int, name: str = "南通失信测试贸易有限公司"):
    return registry.register({"uscc": f.uscc(n), "name": name}, Actor("test"))


@pytest.fixture
def bank_org(db):
    return f.organisation("bank", "bank_t", name="测试银行南通分行")


@pytest.fixture
def second_platform(db):
    return f.organisation("platform", "platform_2", name="第二电商平台", uscc=f.uscc(990002))


@pytest.fixture
def accounts(department, other_department, credit_office, platform_org, bank_org, second_platform):
    return {
        "officer": user(department, "department_officer", "officer"),
        "postal": user(other_department, "department_officer", "postal"),
        "admin": user(credit_office, "credit_office_admin", "admin"),
        "platform": user(platform_org, "platform_client", "platform"),
        "platform2": user(second_platform, "platform_client", "platform2"),
        "bank": user(bank_org, "bank_client", "bank"),
        "agency": user(f.organisation("agency", "agency_t"), "agency_client", "agency"),
    }


def published_entry(department, subject=None) -> ListEntry:
    """An entry on the serious-dishonesty list taken to publication through the services."""
    officer = f.principal("department_officer", department)
    subject = subject or company(501)
    with time_machine.travel(PROPOSED_ON, tick=False):
        entry = services.propose(officer, list_type="serious_dishonesty", subject_id=subject.pk,
                                 reason="多次销售假冒伪劣商品，情节严重")
        flows.notify(entry.pk, officer, channel="written", reference="通市监告〔2026〕9号")
    with time_machine.travel(DECIDED_ON, tick=False):
        flows.decide(entry.pk, officer, list_subject=True, decision_no="通市监列〔2026〕9号", text="列入")
        return flows.publish(entry.pk, officer)


# ---------------------------------------------------------------------------------------------- who sees what


@pytest.mark.parametrize("who, lists, tasks, supervision", [
    ("officer", 200, 200, 200),
    ("admin", 200, 200, 200),
    ("platform", 200, 200, 403),
    ("bank", 403, 200, 403),
    ("agency", 403, 403, 403),
])
def test_pages_render_for_the_right_users(accounts, who, lists, tasks, supervision):
    client = client_of(accounts[who])
    assert client.get("/console/lists/").status_code == lists
    assert client.get("/console/lists/tasks/").status_code == tasks
    assert client.get("/console/lists/supervision/").status_code == supervision


def test_anonymous_is_sent_to_login():
    for path in ("/console/lists/", "/console/lists/tasks/", "/console/lists/supervision/",
                 "/console/lists/1/"):
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/console/login/")


def test_entries_are_shown_to_the_deciding_department_only(accounts, department):
    entry = published_entry(department)
    officer = client_of(accounts["officer"])
    page = text(officer.get("/console/lists/"))
    assert f"/console/lists/{entry.pk}/" in page and "南通失信测试贸易有限公司" in page
    assert "严重违法失信名单" in page and "在列（已发布）" in page
    postal = client_of(accounts["postal"])
    assert "南通失信测试贸易有限公司" not in text(postal.get("/console/lists/"))
    assert "暂无名单条目" in text(postal.get("/console/lists/"))
    assert postal.get(f"/console/lists/{entry.pk}/").status_code == 404
    assert postal.post(f"/console/lists/{entry.pk}/action", {"action": "publish"}).status_code == 404
    # the credit office sees every entry, with the scan; a department gets no scan
    admin_page = text(client_of(accounts["admin"]).get("/console/lists/"))
    assert f"/console/lists/{entry.pk}/" in admin_page and "运行候选名单扫描" in admin_page
    assert "运行候选名单扫描" not in page
    assert officer.post("/console/lists/scan").status_code == 403


def test_filters_by_status_and_list_type(accounts, department):
    entry = published_entry(department)
    other = services.propose(f.principal("department_officer", department), list_type="abnormal_operation",
                             subject_id=company(502, "南通异常经营测试有限公司").pk, reason="未按期报送年度报告")
    client = client_of(accounts["officer"])
    proposed = text(client.get("/console/lists/?status=proposed"))
    assert f"entry-{other.pk}" in proposed and f"entry-{entry.pk}" not in proposed
    by_type = text(client.get("/console/lists/?list_type=serious_dishonesty"))
    assert f"entry-{entry.pk}" in by_type and f"entry-{other.pk}" not in by_type
    open_ = text(client.get("/console/lists/?status=open"))
    assert f"entry-{entry.pk}" in open_ and f"entry-{other.pk}" in open_
    unknown = text(client.get("/console/lists/?status=exited"))     # an unknown status is ignored
    assert f"entry-{entry.pk}" in unknown and f"entry-{other.pk}" in unknown


def test_a_passed_deadline_is_marked(accounts, department):
    with time_machine.travel(PROPOSED_ON, tick=False):
        entry = services.propose(f.principal("department_officer", department),
                                 list_type="serious_dishonesty", subject_id=company(503).pk,
                                 reason="多次销售假冒伪劣商品，情节严重")
    with time_machine.travel(DECIDED_ON, tick=False):
        page = text(client_of(accounts["officer"]).get("/console/lists/"))
        row = re.search(rf'<tr id="entry-{entry.pk}">.*?</tr>', page, re.S).group(0)
        assert "告知期限" in row and entry.notice_due.isoformat() in row and "已逾期" in row
        dashboard = text(client_of(accounts["admin"]).get("/console/lists/supervision/"))
        assert f"/console/lists/{entry.pk}/" in dashboard.split('id="late-entries"')[1]


def test_an_implementer_sees_only_its_own_tasks(accounts, department, platform_org, second_platform):
    entry = published_entry(department)
    mine = MeasureTask.objects.filter(entry=entry, implementer=platform_org)
    theirs = MeasureTask.objects.filter(entry=entry, implementer=second_platform)
    assert mine.exists() and theirs.exists()
    with time_machine.travel(DECIDED_ON, tick=False):
        client = client_of(accounts["platform"])
        page = text(client.get("/console/lists/tasks/"))
        assert all(f'id="task-{t.pk}"' in page for t in mine)
        assert not any(f'id="task-{t.pk}"' in page for t in theirs)
        assert "平台限制入驻和参与营销活动" in page and "南通失信测试贸易有限公司" in page
        # the other platform's task cannot be answered either
        response = client.post(f"/console/lists/tasks/{theirs[0].pk}/action", {"action": "accept"})
        assert response.status_code == 404
        assert MeasureTask.objects.get(pk=theirs[0].pk).status == TaskStatus.DISPATCHED
        # the platform may not see the entry's procedure (it did not propose it) nor act on it
        assert client.get(f"/console/lists/{entry.pk}/").status_code == 404
        bank_page = text(client_of(accounts["bank"]).get("/console/lists/tasks/"))
        assert "审慎授信" in bank_page and "平台限制入驻和参与营销活动" not in bank_page


def test_a_platform_may_not_run_the_procedure(accounts, department, platform_org):
    """A platform that reported a merchant sees its entry but has no procedure forms; a post is refused."""
    entry = published_entry(department)
    ListEntry.objects.filter(pk=entry.pk).update(proposed_by_org=platform_org)
    client = client_of(accounts["platform"])
    page = text(client.get(f"/console/lists/{entry.pk}/"))
    assert "南通失信测试贸易有限公司" in page and 'id="remove-form"' not in page
    assert client.post(f"/console/lists/{entry.pk}/action", {"action": "remove", "how": "revoke",
                                                              "reason": "错误"}).status_code == 403


# ---------------------------------------------------------------------------------------------- forms


def test_whole_procedure_through_the_forms(accounts, department, platform_org):
    subject = company(601, "南通全流程测试有限公司")
    with time_machine.travel(PROPOSED_ON, tick=False):
        officer = client_of(accounts["officer"])
        page = text(officer.post("/console/lists/propose", {
            "list_type": "serious_dishonesty", "subject": subject.uscc,
            "reason": "一年内三次销售假冒商品，情节严重"}, follow=True))
        assert "已提出列入建议" in page
        entry = ListEntry.objects.get(subject=subject)
        assert entry.status == EntryStatus.PROPOSED and entry.origin == "officer"
        url = f"/console/lists/{entry.pk}/action"
        page = text(officer.get(f"/console/lists/{entry.pk}/"))
        assert 'id="notify-form"' in page and 'id="publish-form"' not in page
        assert "限制申请财政资金补助" in page and "《企业信息公示暂行条例》第十八条" in page   # measures and bases
        page = text(officer.post(url, {"action": "notify", "channel": "written", "reference": "通市监告〔2026〕1号",
                                       "text": "告知拟列入的事实、依据及陈述申辩权利"}, follow=True))
        assert "已记录告知" in page
        entry.refresh_from_db()
        assert entry.status == EntryStatus.NOTIFIED and entry.objection_due
        # listing inside the objection window is refused, with the domain's message
        page = text(officer.post(url, {"action": "decide", "decision": "list", "decision_no": "X",
                                       "text": "列入"}, follow=True))
        assert "期满后方可决定" in page
        assert ListEntry.objects.get(pk=entry.pk).status == EntryStatus.NOTIFIED
    with time_machine.travel(DECIDED_ON, tick=False):
        officer = client_of(accounts["officer"])
        page = text(officer.post(url, {"action": "decide", "decision": "list", "decision_no": "通市监列〔2026〕1号",
                                       "text": "异议期满未提出异议，决定列入"}, follow=True))
        assert "已作出决定" in page and 'id="publish-form"' in page
        page = text(officer.post(url, {"action": "publish"}, follow=True))
        assert "已发布" in page
        entry.refresh_from_db()
        assert entry.status == EntryStatus.PUBLISHED and entry.record_id
        assert entry.record.public_from.isoformat() in page and entry.ends_on.isoformat() in page
        for step in ("提出列入建议", "告知当事人", "决定列入", "发布", "user:officer", "市工商局"):
            assert step in page, step
        assert 'id="remove-form"' in page
        platform = client_of(accounts["platform"])
        tasks = MeasureTask.objects.filter(entry=entry, implementer=platform_org).order_by("id")
        assert tasks.count() == 1
        task = tasks[0]
        task_url = f"/console/lists/tasks/{task.pk}/action"
        page = text(platform.post(task_url, {"action": "accept"}, follow=True))
        assert "已接收" in page
        page = text(platform.post(task_url, {"action": "report", "text": "已限制新开店铺并暂停营销活动"},
                                  follow=True))
        assert "已反馈实施情况" in page
        task.refresh_from_db()
        assert task.status == TaskStatus.EXECUTED and task.result == "已限制新开店铺并暂停营销活动"
        dashboard = text(client_of(accounts["admin"]).get("/console/lists/supervision/"))
        row = re.search(r'<tr id="implementer-platform_t">.*?</tr>', dashboard, re.S).group(0)
        assert "100.0%" in row and row.count("100.0%") == 2
        counts = re.search(r'<tr id="counts-serious_dishonesty">.*?</tr>', dashboard, re.S).group(0)
        assert "<b>1</b>" in counts
        # the department sees its own entries' tasks on its dashboard too
        own = text(officer.get("/console/lists/supervision/"))
        assert 'id="implementer-platform_t"' in own


def test_refused_actions_show_the_domain_message(accounts, department):
    subject = company(602)
    client = client_of(accounts["officer"])
    client.post("/console/lists/propose", {"list_type": "serious_dishonesty", "subject": str(subject.pk),
                                           "reason": "一年内三次销售假冒商品"})
    entry = ListEntry.objects.get(subject=subject)
    url = f"/console/lists/{entry.pk}/action"
    page = text(client.post(url, {"action": "publish"}, follow=True))
    assert "不能办理此步骤" in page
    page = text(client.post(url, {"action": "decide", "decision": "list", "decision_no": "X", "text": "列入"},
                            follow=True))
    assert "尚未告知当事人，不能作出列入决定" in page
    page = text(client.post(url, {"action": "notify", "channel": "pigeon", "reference": "1"}, follow=True))
    assert "告知方式应为" in page
    # proposing the same subject again, an unknown subject, a person on an organisation list
    page = text(client.post("/console/lists/propose", {"list_type": "serious_dishonesty",
                                                       "subject": subject.uscc, "reason": "一年内三次销售假冒商品"},
                            follow=True))
    assert "已在此名单中或正在办理列入程序" in page
    page = text(client.post("/console/lists/propose", {"list_type": "serious_dishonesty", "subject": "999999",
                                                       "reason": "一年内三次销售假冒商品"}, follow=True))
    assert "未找到该信用主体" in page
    page = text(client.post("/console/lists/propose", {"list_type": "serious_dishonesty",
                                                       "subject": company(608).uscc, "reason": "短"}, follow=True))
    assert "至少5个字" in page
    assert client.post(url, {"action": "fly"}).status_code == 400


def test_objection_recorded_and_upheld_through_the_forms(accounts, department):
    subject = company(603)
    with time_machine.travel(PROPOSED_ON, tick=False):
        client = client_of(accounts["officer"])
        client.post("/console/lists/propose", {"list_type": "serious_dishonesty", "subject": subject.uscc,
                                               "reason": "一年内三次销售假冒商品"})
        entry = ListEntry.objects.get(subject=subject)
        url = f"/console/lists/{entry.pk}/action"
        client.post(url, {"action": "notify", "channel": "electronic", "reference": "通市监告〔2026〕2号"})
        page = text(client.post(url, {"action": "objection", "text": "涉案商品系他人冒用本公司名义销售"}, follow=True))
        assert "已记录异议" in page and 'id="decide-objection-form"' in page
        page = text(client.post(url, {"action": "decide_objection", "upheld": "yes",
                                      "text": "经核查异议成立"}, follow=True))
        assert "已处理异议" in page and "不予列入" in page and "异议成立，不予列入" in page
    assert ListEntry.objects.get(pk=entry.pk).status == EntryStatus.NOT_LISTED


def test_platform_may_report_only_its_own_merchants(accounts, platform_org):
    client = client_of(accounts["platform"])
    page = text(client.get("/console/lists/"))
    assert 'id="propose-form"' in page
    assert "守信激励名单（红名单）" not in page.split('id="propose-form"')[1]   # punishment lists only
    page = text(client.post("/console/lists/propose", {"list_type": "serious_dishonesty",
                                                       "subject": company(604).uscc,
                                                       "reason": "多次刷单炒信"}, follow=True))
    assert "平台只能报送本平台网店或其经营者" in page
    assert not ListEntry.objects.exists()


def test_bank_cannot_propose(accounts):
    assert client_of(accounts["bank"]).post("/console/lists/propose", {}).status_code == 403


def test_scan_from_the_page_shows_the_counts(accounts, department):
    officer = f.principal("department_officer", department)
    subject = {"uscc": f.uscc(605), "name": "南通扫描测试有限公司"}
    report = archive.ingest([f.penalty("S1", subject, decided_on=f.today().isoformat(),
                                       kinds=["licence_revocation"], type_code="admin_penalty_serious")],
                            officer)
    assert not report.errors, report.errors
    page = text(client_of(accounts["admin"]).post("/console/lists/scan", follow=True))
    assert "候选名单扫描完成" in page and "严重违法失信名单" in page.split('id="scan"')[1]
    entry = ListEntry.objects.get(subject__uscc=subject["uscc"], list_type="serious_dishonesty")
    assert entry.origin == "scan"
    assert "候选名单扫描完成" not in text(client_of(accounts["admin"]).get("/console/lists/"))   # shown once
    detail = text(client_of(accounts["officer"]).get(f"/console/lists/{entry.pk}/"))
    assert "一年内受到较重行政处罚" in detail and "S1" in detail and "销售不合格商品" in detail


def test_reading_non_public_evidence_is_logged(accounts, department, platform_org):
    platform = f.principal("platform_client", platform_org)
    target = company(606, "南通刷单测试有限公司")
    schema = policy.current().record_types["fake_order"].details_schema
    report = archive.ingest([{"id": "FO-1", "type": "fake_order", "subject": {"uscc": target.uscc,
                                                                             "name": target.name},
                              "decided_on": f.today().isoformat(), "summary": "组织刷单炒信",
                              "details": f.minimal_details(schema)}], platform)
    assert not report.errors, report.errors
    record_id = report.record_ids[0]
    client = client_of(accounts["officer"])
    client.post("/console/lists/propose", {"list_type": "focus_list", "subject": target.uscc,
                                           "evidence": str(record_id), "reason": "平台报送刷单炒信经查实"})
    entry = ListEntry.objects.get(subject=target)
    before = AccessLogEntry.objects.filter(subject_id=target.pk).count()
    page = text(client.get(f"/console/lists/{entry.pk}/"))
    assert "组织刷单炒信" in page
    assert AccessLogEntry.objects.filter(subject_id=target.pk, channel="console").count() == before + 1


def test_unknown_evidence_is_refused(accounts):
    target = company(607)
    page = text(client_of(accounts["officer"]).post("/console/lists/propose", {
        "list_type": "focus_list", "subject": target.uscc, "evidence": "123456", "reason": "平台报送刷单炒信"},
        follow=True))
    assert "证据记录不存在" in page and not ListEntry.objects.exists()


def test_lift_after_the_entry_is_revoked(accounts, department, platform_org):
    entry = published_entry(department)
    task = MeasureTask.objects.get(entry=entry, implementer=platform_org)
    with time_machine.travel(DECIDED_ON + dt.timedelta(days=1), tick=False):
        platform = client_of(accounts["platform"])
        platform.post(f"/console/lists/tasks/{task.pk}/action", {"action": "report", "text": "已限制入驻"})
        page = text(client_of(accounts["officer"]).post(f"/console/lists/{entry.pk}/action", {
            "action": "remove", "how": "revoke", "reason": "处罚决定被撤销"}, follow=True))
        assert "已移出名单" in page and "撤销列入" in page
        page = text(platform.get("/console/lists/tasks/"))
        assert "名单终止，待解除措施" in page and "task-lift" in page
        page = text(platform.post(f"/console/lists/tasks/{task.pk}/action", {"action": "lift", "text": "已恢复"},
                                  follow=True))
        assert "已解除措施" in page
    assert MeasureTask.objects.get(pk=task.pk).status == TaskStatus.LIFTED


def test_a_refused_task_answer_shows_its_message(accounts, department, platform_org):
    entry = published_entry(department)
    task = MeasureTask.objects.get(entry=entry, implementer=platform_org)
    client = client_of(accounts["platform"])
    url = f"/console/lists/tasks/{task.pk}/action"
    page = text(client.post(url, {"action": "lift", "text": "x"}, follow=True))
    assert "不能办理此操作" in page
    page = text(client.post(url, {"action": "report", "text": ""}, follow=True))
    assert "请填写" in page


def test_overdue_tasks_are_marked_and_listed_for_the_credit_office(accounts, department, platform_org):
    entry = published_entry(department)
    task = MeasureTask.objects.get(entry=entry, implementer=platform_org)
    with time_machine.travel(DECIDED_ON + dt.timedelta(days=40), tick=False):
        flows.advance()
        page = text(client_of(accounts["platform"]).get("/console/lists/tasks/"))
        block = page.split(f'id="task-{task.pk}"')[1].split("</section>")[0]
        assert "已逾期" in block and "已督办" in block
        dashboard = text(client_of(accounts["admin"]).get("/console/lists/supervision/"))
        assert f'id="late-task-{task.pk}"' in dashboard
        department_view = text(client_of(accounts["officer"]).get("/console/lists/supervision/"))
        assert 'id="late-tasks"' not in department_view


def test_pages_render_in_english(accounts, department):
    entry = published_entry(department)
    client = client_of(accounts["admin"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/console/lists/"})
    for path in ("/console/lists/", f"/console/lists/{entry.pk}/", "/console/lists/tasks/",
                 "/console/lists/supervision/"):
        response = client.get(path)
        assert response.status_code == 200, path
    page = text(client.get("/console/lists/"))
    assert "Serious dishonesty list" in page            # the policy's English name
