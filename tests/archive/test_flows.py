"""Objections and credit repair, as the subject and the department live through them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ecredit.archive import flows, services
from ecredit.archive.models import CreditRecord, ObjectionStatus, RecordStatus, RepairStatus
from ecredit.audit.services import verify
from ecredit.kit.errors import Conflict, Forbidden, ValidationFailed
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(officer):
    report = services.ingest([f.penalty("OBJ1", decided_on="2024-03-05", fine=5)], officer)
    return CreditRecord.objects.get(pk=report.record_ids[0])


def test_objection_marks_record_at_once_and_sets_working_day_deadlines(record, admin):
    objection = flows.file_objection(record.pk, admin, reason="处罚决定已被复议撤销，附复议决定书")
    record.refresh_from_db()
    assert record.status == RecordStatus.OBJECTED
    cal = __import__("ecredit.policy", fromlist=["current"]).current().calendar
    filed = timezone.localdate(objection.filed_at)
    assert cal.working_days_between(filed, objection.check_due) == 1
    assert cal.working_days_between(filed, objection.decide_due) == 5
    assert verify().ok


def test_second_open_objection_is_refused(record, admin):
    flows.file_objection(record.pk, admin, reason="信息与事实不符，请核查")
    with pytest.raises(Conflict):
        flows.file_objection(record.pk, admin, reason="再次提出异议，请核查")


def test_upheld_objection_revokes_record(record, admin, officer, public):
    objection = flows.file_objection(record.pk, admin, reason="处罚决定已被复议撤销")
    flows.check_objection(objection.pk, officer, accept=True)
    flows.decide_objection(objection.pk, officer, upheld=True, decision="经核查属实，撤销该记录", revoke=True)
    record.refresh_from_db()
    assert record.status == RecordStatus.REVOKED
    assert not CreditRecord.objects.visible_to(public).filter(pk=record.pk).exists()
    assert verify().ok


def test_upheld_objection_corrects_and_recomputes_window(record, admin, officer):
    objection = flows.file_objection(record.pk, admin, reason="罚款金额登记错误，应为0.5万元")
    flows.check_objection(objection.pk, officer, accept=True)
    details = {**record.details, "fine_amount_wan": 0.5}
    flows.decide_objection(objection.pk, officer, upheld=True, decision="更正罚款金额",
                           correction={"details": details})
    record.refresh_from_db()
    assert record.status == RecordStatus.CORRECTED
    assert record.public_until == dt.date(2024, 6, 5)  # a low fine is public for three months only


def test_rejected_objection_restores_status(record, admin, officer):
    objection = flows.file_objection(record.pk, admin, reason="我方认为处罚过重")
    flows.check_objection(objection.pk, officer, accept=True)
    flows.decide_objection(objection.pk, officer, upheld=False, decision="处罚决定合法有效")
    record.refresh_from_db()
    assert record.status == RecordStatus.ACTIVE


def test_refused_at_check_needs_a_reason(record, admin, officer):
    objection = flows.file_objection(record.pk, admin, reason="我方认为处罚过重")
    with pytest.raises(ValidationFailed):
        flows.check_objection(objection.pk, officer, accept=False, note="")
    flows.check_objection(objection.pk, officer, accept=False, note="不属于异议受理范围")
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.REFUSED


def test_only_the_source_handles_an_objection(record, admin, other_department):
    objection = flows.file_objection(record.pk, admin, reason="信息与事实不符，请核查")
    stranger = f.principal("department_officer", other_department)
    with pytest.raises(Exception) as exc:
        flows.check_objection(objection.pk, stranger, accept=True)
    assert type(exc.value).__name__ in ("NotFound", "Forbidden")


def _subject_account(record):
    org = f.organisation("subject", f"self_{record.subject_id}")
    return f.principal("subject_account", org, subject_id=record.subject_id)


ATTESTED = ["penalty_fulfilled", "harm_removed"]


def test_repair_before_minimum_period_is_refused(officer):
    recent = timezone.localdate() - dt.timedelta(days=10)
    report = services.ingest([f.penalty("NEW1", decided_on=recent.isoformat(), fine=5)], officer)
    record = CreditRecord.objects.get(pk=report.record_ids[0])
    with pytest.raises(ValidationFailed) as exc:
        flows.apply_for_repair(record.pk, _subject_account(record), statement="已缴纳罚款并整改", attested=ATTESTED)
    assert exc.value.code == "minimum_period"


def test_repair_needs_the_attestations(record):
    with pytest.raises(ValidationFailed) as exc:
        flows.apply_for_repair(record.pk, _subject_account(record), statement="已整改", attested=[])
    assert exc.value.code == "attestation_missing"


def test_repair_refused_while_on_a_list(record, officer, admin):
    subject = {"uscc": record.subject.uscc, "name": record.subject.name}
    item = {"id": "AB1", "type": "abnormal_operation_list", "subject": subject,
            "decided_on": (timezone.localdate() - dt.timedelta(days=30)).isoformat(), "summary": "未按期报送年报"}
    rule = __import__("ecredit.policy", fromlist=["current"]).current().record_types["abnormal_operation_list"]
    item["details"] = f.minimal_details(rule.details_schema)
    report = services.ingest([item], admin)
    assert report.created == 1, report.errors
    with pytest.raises(ValidationFailed) as exc:
        flows.apply_for_repair(record.pk, _subject_account(record), statement="已整改", attested=ATTESTED)
    assert exc.value.code == "conditions" and "not_on_lists" in str(exc.value.message)


def test_approved_repair_ends_publicity(record, officer, public):
    application = flows.apply_for_repair(record.pk, _subject_account(record), statement="已缴纳罚款并整改",
                                         attested=ATTESTED)
    assert application.checks == {"minimum_period_elapsed": True, "no_repeat_offence": True, "not_on_lists": True}
    flows.decide_repair(application.pk, officer, approve=True, decision="符合修复条件，准予修复")
    record.refresh_from_db()
    assert record.status == RecordStatus.REPAIRED
    assert not CreditRecord.objects.visible_to(public).filter(pk=record.pk).exists()
    application.refresh_from_db()
    assert application.status == RepairStatus.APPROVED
    assert verify().ok


def test_someone_else_cannot_apply_for_my_repair(record, officer):
    other = f.organisation("subject", "self_other")
    stranger = f.principal("subject_account", other, subject_id=record.subject_id + 999)
    with pytest.raises((Forbidden, Exception)):
        flows.apply_for_repair(record.pk, stranger, statement="代为申请", attested=ATTESTED)


def test_open_objection_blocks_revocation_correction_and_repair(record, admin, officer):
    flows.file_objection(record.pk, admin, reason="处罚信息与事实不符")
    with pytest.raises(Conflict):
        services.revoke(record.pk, officer, reason="撤销")
    with pytest.raises(Conflict):
        services.correct(record.pk, officer, summary="更正", reason="更正")
    with pytest.raises(Conflict):
        flows.apply_for_repair(record.pk, _subject_account(record), statement="已整改", attested=ATTESTED)


def test_resending_new_content_keeps_the_objection_mark(record, admin, officer):
    flows.file_objection(record.pk, admin, reason="处罚信息与事实不符")
    item = f.penalty("OBJ1", {"uscc": record.subject.uscc, "name": record.subject.name}, decided_on="2024-03-05",
                     fine=6)
    assert services.ingest([item], officer).updated == 1
    record.refresh_from_db()
    assert record.status == RecordStatus.OBJECTED and record.details["fine_amount_wan"] == 6


def test_refusing_an_objection_does_not_revive_a_record_closed_meanwhile(record, admin, officer):
    objection = flows.file_objection(record.pk, admin, reason="处罚信息与事实不符")
    flows.check_objection(objection.pk, officer, accept=True)
    flows.decide_objection(objection.pk, officer, upheld=True, decision="撤销", revoke=True)
    record.refresh_from_db()
    assert record.status == RecordStatus.REVOKED


def test_correction_must_change_something(record, officer):
    with pytest.raises(ValidationFailed):
        services.correct(record.pk, officer, reason="无内容")


def test_a_list_entry_itself_can_be_repaired(officer, admin):
    rule = __import__("ecredit.policy", fromlist=["current"]).current().record_types["abnormal_operation_list"]
    item = {"id": "AB2", "type": "abnormal_operation_list", "subject": {"uscc": f.uscc(), "name": "南通己有限公司"},
            "decided_on": "2024-01-10", "summary": "未按期报送年报", "details": f.minimal_details(rule.details_schema)}
    record = CreditRecord.objects.get(pk=services.ingest([item], admin).record_ids[0])
    checks = flows.repair_checks(record)
    assert checks["not_on_lists"] is True


def test_repair_approval_rechecks_conditions(record, officer):
    application = flows.apply_for_repair(record.pk, _subject_account(record), statement="已整改", attested=ATTESTED)
    later = f.penalty("LATER", {"uscc": record.subject.uscc, "name": record.subject.name},
                      decided_on=(timezone.localdate() - dt.timedelta(days=3)).isoformat())
    services.ingest([later], officer)
    with pytest.raises(ValidationFailed) as exc:
        flows.decide_repair(application.pk, officer, approve=True, decision="准予")
    assert exc.value.code == "conditions"


def test_a_broken_repair_commitment_stops_the_repair_it_was_made_for(record, officer):
    application = flows.apply_for_repair(record.pk, _subject_account(record), statement="已整改", attested=ATTESTED)
    details = {"commitment_type": "credit_repair", "breach_facts": "承诺整改后再次销售不合格商品",
               "decided_by": "南通市市场监督管理局", "repair_commitment": True}
    breach = {"id": "BR1", "type": "commitment_breach", "subject": {"uscc": record.subject.uscc},
              "decided_on": timezone.localdate().isoformat(), "summary": "违背信用修复承诺", "details": details}
    assert services.ingest([breach], officer).created == 1
    with pytest.raises(Conflict) as exc:
        flows.decide_repair(application.pk, officer, approve=True, decision="准予")
    assert exc.value.code == "repair_commitment_broken"
    assert CreditRecord.objects.get(pk=record.pk).status == RecordStatus.ACTIVE
    refused = flows.decide_repair(application.pk, officer, approve=False, decision="违背修复承诺，不予修复")
    assert refused.status == RepairStatus.REFUSED


def test_expired_record_is_not_revived_by_resending(officer):
    item = f.penalty("EXP1", decided_on="2020-01-10", fine=5)
    record_id = services.ingest([item], officer).record_ids[0]
    services.expire_due()
    item["summary"] = "新的摘要"
    report = services.ingest([item], officer)
    assert report.errors[0].code == "closed"
    assert CreditRecord.objects.get(pk=record_id).status == RecordStatus.EXPIRED
