"""The title's life: application and automatic check, approval writing the honour record into the archive,
publication, the daily re-check suspending or revoking it (and ending the honour record) when a later
complaint, penalty, list entry or breach arrives, reinstatement, renewal and expiry."""

from __future__ import annotations

import datetime as dt

import pytest

from ecredit.access.principal import anonymous
from ecredit.archive.models import CreditRecord, RecordStatus
from ecredit.audit.models import AccessLogEntry
from ecredit.audit.services import Actor, verify
from ecredit.kit.errors import Conflict
from ecredit.portal import services as portal
from ecredit.registry import services as registry
from ecredit.registry.models import Subject
from ecredit.registry.shops import report_shops
from ecredit.safe_consumption import flows, services, tasks
from ecredit.safe_consumption.models import Enrolment, EnrolmentStatus
from tests import factories as f

from .world import background_tasks, day, on_day

pytestmark = pytest.mark.django_db


def shown_on_profile(record_id: int, subject_id: int) -> bool:
    """Whether the public sees the honour record on the subject's portal profile today."""
    profile = portal.profile(subject_id, anonymous())
    return any(r.id == record_id for r in profile.all_records)


def test_application_is_checked_at_once_and_kept_with_the_policy_version(town):
    company = town.merchant()
    enrolment = town.apply(company, statement="本店承诺七天无理由退货")
    assert enrolment.status == EnrolmentStatus.CHECKED and enrolment.passed
    assert enrolment.results["policy_version"] == enrolment.policy_version
    assert [i["code"] for i in enrolment.results["items"]][:2] == ["verified_identity", "complaints_within_limit"]
    assert [s.action for s in services.steps(enrolment)] == ["apply", "check"]


def test_approval_writes_the_honour_record_shown_on_the_public_profile(town):
    company = town.merchant()
    enrolment = town.title(company)
    assert enrolment.status == EnrolmentStatus.PUBLISHED
    record = CreditRecord.objects.get(pk=enrolment.honour_record_id)
    assert record.record_type_id == "honour" and record.subject_id == company.pk and record.polarity == "positive"
    assert record.details["honour_name"] == "南通市电子商务放心消费单位"
    assert record.details["valid_until"] == enrolment.valid_until.isoformat()
    assert record.public_until == enrolment.valid_until
    assert enrolment.valid_until == dt.date(enrolment.valid_from.year + 1, enrolment.valid_from.month,
                                            enrolment.valid_from.day) - dt.timedelta(days=1)
    assert shown_on_profile(record.pk, company.pk)
    assert list(services.public_titles()) == [enrolment]
    assert verify().ok


def test_a_shop_title_puts_the_honour_on_the_shop_itself(town):
    shop = town.merchant("南通小店商贸有限公司", shop=True)
    enrolment = town.approve(town.apply(shop, by=town.platform))
    record = CreditRecord.objects.get(pk=enrolment.honour_record_id)
    assert record.subject_id == shop.pk


def test_nobody_can_approve_a_failing_enrolment(town):
    company = town.company()          # no commitment: commitment_signed fails
    town.grade(company)
    enrolment = town.apply(company)
    assert enrolment.passed is False
    assert "commitment_signed" in [s for s in services.steps(enrolment)[-1].failed]
    with pytest.raises(Conflict) as refused:
        town.approve(enrolment, by=town.admin)
    assert refused.value.code == "criteria_not_met"
    assert Enrolment.objects.get(pk=enrolment.pk).status == EnrolmentStatus.CHECKED
    assert not CreditRecord.objects.filter(record_type_id="honour", subject=company).exists()


def test_approval_checks_again_at_the_moment_of_decision(town):
    company = town.merchant()
    enrolment = town.apply(company)
    town.record(company, "admin_penalty_general", "-2d")     # after the application, before the review
    with pytest.raises(Conflict):
        town.approve(enrolment)
    refused = flows.review(enrolment.pk, town.officer, approve=False, reason="近一年受到行政处罚")
    assert refused.status == EnrolmentStatus.REFUSED and refused.ended_on is not None
    with pytest.raises(Conflict) as again:
        town.apply(company)
    assert again.value.code == "reapply_too_soon"


@pytest.mark.parametrize("event, outcome", [
    ("complaints", EnrolmentStatus.SUSPENDED),
    ("penalty", EnrolmentStatus.REVOKED),
    ("list_entry", EnrolmentStatus.REVOKED),
    ("breach", EnrolmentStatus.REVOKED),
])
def test_the_daily_recheck_removes_the_title_and_ends_the_honour_record(town, event, outcome):
    company = town.merchant()
    enrolment = town.title(company)
    if event == "complaints":
        for n in range(3):
            town.record(company, "complaint_upheld", f"-{n + 1}d")
    elif event == "penalty":
        town.record(company, "admin_penalty_general", "-1d")
    elif event == "list_entry":
        town.listed(company)
    else:
        town.record(company, "commitment_breach", "-1d")
    counts = tasks.daily()
    assert counts[{"suspended": "suspended", "revoked": "revoked"}[outcome]] == 1
    enrolment.refresh_from_db()
    assert enrolment.status == outcome
    record = CreditRecord.objects.get(pk=enrolment.honour_record_id)
    assert record.status == RecordStatus.REVOKED and not shown_on_profile(record.pk, company.pk)
    assert not services.public_titles().exists()
    assert enrolment.recheck["passed"] is False
    assert tasks.daily() == {"checked": 1 if outcome == EnrolmentStatus.SUSPENDED else 0, "suspended": 0,
                             "revoked": 0, "expired": 0, "errors": 0}          # idempotent
    assert verify().ok


def test_a_complaint_on_a_shop_counts_against_its_operators_title(town):
    company = town.merchant()
    shop = town.shop(company, "放心旗舰店")
    enrolment = town.title(company)
    for n in range(3):
        town.record(shop, "complaint_upheld", f"-{n + 1}d")
    assert tasks.daily()["suspended"] == 1
    assert Enrolment.objects.get(pk=enrolment.pk).status == EnrolmentStatus.SUSPENDED


def test_a_new_record_rechecks_the_title_at_once(town):
    company = town.merchant()
    enrolment = town.title(company)
    with background_tasks():
        town.record(company, "admin_penalty_general", "-1d")
    assert Enrolment.objects.get(pk=enrolment.pk).status == EnrolmentStatus.REVOKED


def test_a_record_under_objection_does_not_remove_a_title(town):
    from ecredit.archive import flows as archive_flows

    company = town.merchant()
    enrolment = town.title(company)
    penalty = town.record(company, "admin_penalty_general", "-1d")
    archive_flows.file_objection(penalty, town.account(company), reason="处罚决定已被行政复议撤销")
    assert tasks.daily()["revoked"] == 0
    assert Enrolment.objects.get(pk=enrolment.pk).status == EnrolmentStatus.PUBLISHED


def test_suspended_title_is_reinstated_when_the_criteria_pass_again_or_revoked_after_the_limit(town):
    company = town.merchant()
    enrolment = town.title(company)
    flows.suspend(enrolment.pk, town.commerce_officer, reason="涉嫌虚假宣传，核查期间暂停")
    first = enrolment.honour_record_id
    assert CreditRecord.objects.get(pk=first).status == RecordStatus.REVOKED
    back = flows.reinstate(enrolment.pk, town.officer, reason="经核查不存在虚假宣传")
    assert back.status == EnrolmentStatus.PUBLISHED and back.honour_record_id != first
    assert CreditRecord.objects.get(pk=back.honour_record_id).status == RecordStatus.ACTIVE
    flows.suspend(enrolment.pk, town.officer, reason="再次核查")
    with on_day(day("+3m")):
        assert tasks.daily()["revoked"] == 1
    assert Enrolment.objects.get(pk=enrolment.pk).status == EnrolmentStatus.REVOKED


def test_title_expires_and_can_be_renewed_inside_the_window(town):
    company = town.merchant()
    enrolment = town.title(company)
    with pytest.raises(Conflict) as early:
        town.apply(company)
    assert early.value.code == "title_held"
    with on_day(enrolment.valid_until - dt.timedelta(days=30)):
        renewal = town.apply(company)
        assert renewal.renews_id == enrolment.pk
        renewed = town.approve(renewal, publish=False)
    assert renewed.status == EnrolmentStatus.PUBLISHED             # continues a published title
    assert renewed.valid_from == enrolment.valid_until + dt.timedelta(days=1)
    assert renewed.honour_record_id == enrolment.honour_record_id   # the same record, extended
    assert CreditRecord.objects.get(pk=renewed.honour_record_id).public_until == renewed.valid_until
    assert Enrolment.objects.get(pk=enrolment.pk).status == EnrolmentStatus.EXPIRED
    with on_day(renewed.valid_until + dt.timedelta(days=1)):
        assert tasks.daily()["expired"] == 1
        assert not services.public_titles().exists()
        record = CreditRecord.objects.get(pk=renewed.honour_record_id)
        assert record.status == RecordStatus.ACTIVE and not shown_on_profile(record.pk, company.pk)  # not revoked
    assert verify().ok


def test_a_renewal_reviewed_after_the_old_title_ran_out_becomes_a_new_title(town):
    company = town.merchant()
    enrolment = town.title(company)
    with on_day(enrolment.valid_until - dt.timedelta(days=10)):
        renewal = town.apply(company)
    with on_day(enrolment.valid_until + dt.timedelta(days=2)):
        town.commitment(company, on="-5d")            # the first one was signed over a year ago
        town.grade(company)
        assert tasks.daily()["expired"] == 1
        renewed = town.approve(renewal)
        assert renewed.valid_from == enrolment.valid_until + dt.timedelta(days=2)
        assert renewed.honour_record_id != enrolment.honour_record_id


def test_a_shop_run_by_a_person_gets_the_honour_itself_without_reading_the_persons_identity(town):
    ric = f.ric(61)
    person = registry.register({"ric": ric, "name": "陈小店"}, Actor("test:registry", "public_security"))
    report = report_shops([{"shop_id": "P-1", "name": "小陈的店", "operator": {"ric": ric, "name": "陈小店"}}],
                          town.platform)
    assert not report.errors
    shop = Subject.objects.get(platform__uscc=town.platform_uscc, shop_id="P-1")
    town.commitment(shop)
    town.grade(shop)
    enrolment = town.approve(town.apply(shop, by=town.platform, region="320623"))
    record = CreditRecord.objects.get(pk=enrolment.honour_record_id)
    assert record.subject_id == shop.pk
    assert not AccessLogEntry.objects.filter(subject_id=person.pk, data="resident_id").exists()
