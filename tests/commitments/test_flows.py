"""A commitment's life as its parties see it: signed in standard format, accepted and published per visibility,
withdrawn or refused, assessed (全部履行 / 部分履行 / 全部未履行) with the records that follow, and expired."""

from __future__ import annotations

import datetime as dt

import pytest

from ecredit import policy
from ecredit.archive import flows as archive_flows
from ecredit.archive import services as archive
from ecredit.archive.models import CreditRecord, RecordStatus
from ecredit.audit.models import AccessLogEntry
from ecredit.audit.services import verify as verify_log
from ecredit.commitments import flows, services
from ecredit.commitments.models import Commitment, Fulfilment, Status, Visibility
from ecredit.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tests import factories as f

from .conftest import ATTESTED, DISTRICT, at

pytestmark = pytest.mark.django_db


def signed(cast, who="company", kind="approval_substitute", **extra) -> Commitment:
    values = {"matter": "食品经营许可证核发", "accepted_by": "market_regulation"} if kind in (
        "approval_substitute", "tolerance_acceptance", "certification", "other") else {}
    return services.sign(cast[who], commitment_type=kind, **{**values, **extra})


def public_codes() -> set[str]:
    return set(Commitment.objects.public().values_list("code", flat=True))


def test_signed_commitment_is_in_standard_format_and_unpublished_until_accepted(cast):
    c = signed(cast)
    today = f.today()
    assert c.status == Status.SIGNED and c.visibility == Visibility.PUBLIC
    assert c.code == f"{DISTRICT}{today:%Y%m%d}000001"
    assert c.title == "信用承诺书（审批替代型）"
    for words in ("南通甲商贸有限公司", cast.subjects["company"].uscc, "食品经营许可证核发", "南通市市场监督管理局",
                  "1. 信息真实", "2. 遵纪守法", "3. 接受监督", "4. 违诺担责", "5. 同意公开", "按“公开”方式"):
        assert words in c.text
    assert c.valid_until == policy.current().commitments.type_rule("approval_substitute").valid_for.after(today)
    assert c.record is None and c.code not in public_codes()
    with pytest.raises(NotFound):
        services.commitment_for(c.code, cast["public"])

    c = flows.accept(c.code, cast["officer"])
    assert c.status == Status.IN_FORCE and c.published_on == today and c.code in public_codes()
    record = CreditRecord.objects.get(pk=c.record_id)
    assert record.record_type_id == "credit_commitment" and record.source == cast.orgs["market"]
    assert record.details["commitment_code"] == c.code and record.details["performance_status"] == "in_progress"
    assert CreditRecord.objects.public().filter(pk=record.pk).exists()
    assert verify_log().ok


def test_voluntary_commitment_takes_effect_at_once_and_the_credit_office_records_it(cast):
    c = signed(cast, "logistics", "voluntary")
    assert c.status == Status.IN_FORCE and c.accepted_by is None and c.matter == "诚信经营、保障商品和服务质量"
    assert c.subject == cast.subjects["logistics"]
    assert c.region == policy.current().regions.city.code        # registered without a district of this city
    assert CreditRecord.objects.get(pk=c.record_id).source == cast.orgs["office"]


def test_platform_collects_its_merchants_industry_commitment_and_accepts_it(cast):
    shop = cast.subjects["shop"]
    c = services.sign(cast["platform"], commitment_type="industry_self_discipline", subject_id=shop.pk)
    assert c.subject == shop and c.collected_by == cast.orgs["platform"] and c.accepted_by == cast.orgs["platform"]
    assert c.status == Status.IN_FORCE and "甲电商平台 S1" in c.text
    assert CreditRecord.objects.get(pk=c.record_id).source == cast.orgs["platform"]
    # Another platform does not collect for someone else's merchant; a merchant's commitment of another type is its own.
    with pytest.raises(Forbidden):
        services.sign(cast["other_platform"], commitment_type="industry_self_discipline", subject_id=shop.pk)
    with pytest.raises(Forbidden):
        services.sign(cast["platform"], commitment_type="voluntary", subject_id=cast.subjects["company"].pk)


def test_signers_are_the_plans_subjects(cast):
    # The company runs a shop: it is a merchant; the outsider plays no e-commerce role.
    assert signed(cast, "company", "industry_self_discipline", accepted_by="credit_office").status == Status.SIGNED
    outsider = f.principal("subject_account", cast.orgs["self"], subject_id=cast.subjects["outsider"].pk)
    with pytest.raises(ValidationFailed) as refused:
        services.sign(outsider, commitment_type="industry_self_discipline", accepted_by="credit_office")
    assert refused.value.code == "role_not_allowed"
    for who in ("officer", "admin", "agency", "public"):
        with pytest.raises(Forbidden):
            signed(cast, who, "voluntary")
    with pytest.raises(Forbidden):      # a subject account signs for itself or its shops only
        signed(cast, "company", "voluntary", subject_id=cast.subjects["outsider"].pk)
    assert signed(cast, "company", "voluntary", subject_id=cast.subjects["shop"].pk).subject == cast.subjects["shop"]


def test_bad_input_is_named(cast):
    cases = [({"commitment_type": "nonsense"}, "commitment_type"),
             ({"commitment_type": "approval_substitute", "accepted_by": "market_regulation"}, "matter"),
             ({"commitment_type": "approval_substitute", "matter": "许可"}, "accepted_by"),
             ({"commitment_type": "approval_substitute", "matter": "许可", "accepted_by": "platform_1"}, "accepted_by"),
             ({"commitment_type": "voluntary", "valid_until": f.today() + dt.timedelta(days=800)}, "valid_until"),
             ({"commitment_type": "certification", "matter": "学历证明", "accepted_by": "market_regulation",
               "visibility": "public"}, "visibility"),
             ({"commitment_type": "credit_repair"}, "record_id")]
    for values, field in cases:
        with pytest.raises(ValidationFailed) as refused:
            services.sign(cast["company"], **values)
        assert refused.value.field == field, values
    assert not Commitment.objects.exists()


def test_visibility_per_caller(cast):
    restricted = flows.accept(signed(cast, kind="certification", matter="经营场所使用证明").code, cast["officer"])
    hidden = flows.accept(signed(cast, visibility="not_public").code, cast["officer"])
    person = flows.accept(signed(cast, "person").code, cast["officer"])
    assert restricted.visibility == Visibility.RESTRICTED and hidden.visibility == Visibility.NOT_PUBLIC
    assert person.visibility == Visibility.RESTRICTED        # a person's commitment is never public
    sees = {who: set(Commitment.objects.visible_to(cast[who]).values_list("code", flat=True))
            for who in ("public", "agency", "platform", "postal", "officer", "admin", "company", "person")}
    everything = {restricted.code, hidden.code, person.code}
    assert sees["public"] == set()
    for authorised in ("agency", "platform", "postal"):
        assert sees[authorised] == {restricted.code, person.code}
    assert sees["officer"] == sees["admin"] == everything            # the acceptor, the credit office
    assert sees["company"] == {restricted.code, hidden.code} and sees["person"] == {person.code}
    # Subject accounts share one self-service organisation: another subject's account sees none of these.
    outsider = f.principal("subject_account", cast.orgs["self"], subject_id=cast.subjects["outsider"].pk)
    assert not Commitment.objects.visible_to(outsider).exists()
    # Their records stay out of public view too (details.visibility).
    assert not CreditRecord.objects.public().filter(pk__in=[restricted.record_id, hidden.record_id]).exists()
    # A non-public read is on record; the signer's own is not.
    before = AccessLogEntry.objects.count()
    services.log_reads(cast["agency"], [restricted], "查阅", "test")
    services.log_reads(cast["company"], [restricted], "查阅", "test")
    assert AccessLogEntry.objects.count() == before + 1


def test_withdrawal_and_refusal(cast):
    c = signed(cast)
    with pytest.raises(NotFound):          # someone else's unpublished commitment does not exist for them
        flows.withdraw(c.code, cast["person"], reason="不是我的")
    c = flows.withdraw(c.code, cast["company"], reason="改为一般程序办理")
    assert c.status == Status.WITHDRAWN
    with pytest.raises(Conflict):
        flows.accept(c.code, cast["officer"])
    other = signed(cast)
    with pytest.raises(NotFound):           # the postal administration does not see another's inbox
        flows.accept(other.code, cast["postal"])
    with pytest.raises(ValidationFailed):
        flows.accept(other.code, cast["officer"], accept=False)
    other = flows.accept(other.code, cast["officer"], accept=False, reason="曾作出虚假承诺，尚未修复")
    assert other.status == Status.REFUSED and other.code not in public_codes()
    assert services.verify(other.code, cast["public"]).verdict == "withdrawn"
    in_force = flows.accept(signed(cast).code, cast["officer"])
    with pytest.raises(Conflict):
        flows.withdraw(in_force.code, cast["company"], reason="已受理后撤回")


def test_fulfilled_commitment_updates_its_record(cast):
    c = flows.accept(signed(cast).code, cast["officer"])
    for who, error in (("postal", Forbidden), ("platform", Forbidden), ("company", Forbidden)):
        with pytest.raises(error):
            flows.assess(c.code, cast[who], fulfilment="fulfilled", text="按期履行")
    c = flows.assess(c.code, cast["officer"], fulfilment="fulfilled", text="经核查，承诺内容属实")
    assert c.fulfilment == Fulfilment.FULFILLED and c.breach_record is None
    record = CreditRecord.objects.get(pk=c.record_id)
    assert record.details["performance_status"] == "fulfilled" and record.status == RecordStatus.ACTIVE
    with pytest.raises(Conflict):
        flows.assess(c.code, cast["officer"], fulfilment="not_fulfilled", text="再次认定")
    assert verify_log().ok


@pytest.mark.parametrize("fulfilment, status", [("partly", "partially_fulfilled"), ("not_fulfilled", "not_fulfilled")])
def test_breach_becomes_a_record(cast, fulfilment, status):
    c = flows.accept(signed(cast, kind="tolerance_acceptance").code, cast["officer"])
    c = flows.assess(c.code, cast["officer"], fulfilment=fulfilment, text="承诺30日内补齐材料，逾期未补齐",
                     decision_no="通市监信〔2026〕1号", measures="终止办理")
    breach = CreditRecord.objects.get(pk=c.breach_record_id)
    assert breach.record_type_id == "commitment_breach" and breach.subject == cast.subjects["company"]
    assert breach.details == {"commitment_code": c.code, "commitment_type": "tolerance_acceptance",
                              "breach_facts": "承诺30日内补齐材料，逾期未补齐", "performance_status": status,
                              "decided_by": "南通市市场监督管理局", "decision_no": "通市监信〔2026〕1号",
                              "measures": "终止办理", "repair_commitment": False}
    assert CreditRecord.objects.public().filter(pk=breach.pk).exists()
    assert CreditRecord.objects.get(pk=c.record_id).details["performance_status"] == status


def test_a_department_supervises_a_voluntary_commitment(cast):
    c = signed(cast, "platform", "voluntary")
    c = flows.assess(c.code, cast["postal"], fulfilment="not_fulfilled", text="承诺的售后服务未落实")
    assert c.assessed_by_org == cast.orgs["postal"]
    assert CreditRecord.objects.get(pk=c.breach_record_id).source == cast.orgs["postal"]


def test_broken_repair_commitment_restores_the_maximum_period(cast):
    decided = f.today() - dt.timedelta(days=400)
    penalty = archive.ingest([f.penalty("P-REPAIR", {"uscc": cast.subjects["company"].uscc, "name": "南通甲商贸有限公司"},
                                        decided_on=decided.isoformat())], cast["officer"]).record_ids[0]
    application = archive_flows.apply_for_repair(penalty, cast["company"], statement="已缴纳罚款并整改",
                                                 attested=ATTESTED)
    archive_flows.decide_repair(application.pk, cast["officer"], approve=True, decision="准予修复")
    record = CreditRecord.objects.get(pk=penalty)
    assert record.status == RecordStatus.REPAIRED and not CreditRecord.objects.public().filter(pk=penalty).exists()

    c = services.sign(cast["company"], commitment_type="credit_repair", record_id=penalty,
                      repair_application_id=application.pk)
    assert c.accepted_by == cast.orgs["market"] and "修复" in c.matter and "P-REPAIR" in c.matter
    c = flows.accept(c.code, cast["officer"])
    c = flows.assess(c.code, cast["officer"], fulfilment="not_fulfilled", text="修复后再次销售不合格商品")

    record.refresh_from_db()
    longest = archive.publicity_window(record.record_type_id, record.decided_on, record.details).public_until
    assert record.status == RecordStatus.ACTIVE and record.public_until == longest > f.today()
    assert record.repair_from == longest                     # no early repair a second time
    assert c.restored_until == longest
    assert CreditRecord.objects.public().filter(pk=penalty).exists()
    assert CreditRecord.objects.get(pk=c.breach_record_id).details["repair_commitment"] is True
    with pytest.raises(Conflict):
        archive_flows.restore_for_maximum_period(penalty, cast["officer"], reason="再次恢复")
    assert verify_log().ok


def test_broken_repair_commitment_of_a_record_never_repaired(cast):
    penalty = archive.ingest([f.penalty("P-NOT-REPAIRED", {"uscc": cast.subjects["company"].uscc,
                                                           "name": "南通甲商贸有限公司"})], cast["officer"]).record_ids[0]
    c = flows.accept(services.sign(cast["company"], commitment_type="credit_repair", record_id=penalty).code,
                     cast["officer"])
    c = flows.assess(c.code, cast["officer"], fulfilment="partly", text="整改未完成")
    assert c.breach_record_id and c.restored_until is None
    assert CreditRecord.objects.get(pk=penalty).status == RecordStatus.ACTIVE


def test_repair_commitment_names_the_subjects_own_negative_record(cast):
    other = archive.ingest([f.penalty("P-OTHER")], cast["officer"]).record_ids[0]
    with pytest.raises(NotFound):
        services.sign(cast["company"], commitment_type="credit_repair", record_id=other)


def test_expiry(cast):
    today = f.today()
    short = signed(cast, "platform", "voluntary", valid_until=today + dt.timedelta(days=3))
    never_accepted = signed(cast, valid_until=today + dt.timedelta(days=3))
    assert flows.expire_due(today) == 0
    assert flows.expire_due(today + dt.timedelta(days=4)) == 2
    short.refresh_from_db(), never_accepted.refresh_from_db()
    assert short.status == never_accepted.status == Status.EXPIRED
    assert short.code in public_codes() and never_accepted.code not in public_codes()
    assert flows.assess(short.code, cast["postal"], fulfilment="fulfilled", text="期满已履行").fulfilment == "fulfilled"
    with pytest.raises(Conflict):
        flows.assess(never_accepted.code, cast["officer"], fulfilment="fulfilled", text="未受理")
    # One whose term ended before the daily pass ran is not accepted either.
    late = signed(cast, valid_until=today + dt.timedelta(days=1))
    with pytest.raises(Conflict) as refused:
        flows.accept(late.code, cast["officer"], now=at(today + dt.timedelta(days=2)))
    assert refused.value.code == "expired" and late.code not in public_codes()


def test_inbox_and_overdue(cast):
    waiting = signed(cast)
    in_force = flows.accept(signed(cast).code, cast["officer"])
    box = flows.inbox(cast["officer"])
    assert list(box["to_accept"]) == [waiting] and list(box["to_assess"]) == [in_force]
    assert not flows.inbox(cast["postal"])["to_accept"].exists()
    assert flows.overdue(cast["officer"], in_force.assessment_due + dt.timedelta(days=1)).get() == in_force
    with pytest.raises(Forbidden):
        flows.inbox(cast["company"])


def test_the_inbox_offers_only_what_the_organisation_may_assess(cast):
    by_office = signed(cast, "company", "industry_self_discipline", accepted_by="credit_office")
    by_office = flows.accept(by_office.code, cast["admin"])
    collected = services.sign(cast["platform"], commitment_type="industry_self_discipline",
                              subject_id=cast.subjects["shop"].pk)
    voluntary = signed(cast, "logistics", "voluntary")
    by_market = flows.accept(signed(cast).code, cast["officer"])
    for who in ("officer", "postal"):
        listed = set(flows.inbox(cast[who])["to_assess"])
        for c in (by_office, collected, voluntary, by_market):
            assert (c in listed) == flows.may_assess(c, cast[who]), (who, c.commitment_type)
    # The credit office assesses what it accepted; departments supervise what nobody (or a platform) accepted.
    assert by_office not in set(flows.inbox(cast["officer"])["to_assess"])
    assert {collected, voluntary} <= set(flows.inbox(cast["postal"])["to_assess"])
    assert by_market not in set(flows.inbox(cast["postal"])["to_assess"])
    assert set(flows.inbox(cast["admin"])["to_assess"]) == {by_office, collected, voluntary, by_market}


def test_a_merchant_names_only_its_own_platform_to_accept(cast):
    own = signed(cast, "company", "industry_self_discipline", accepted_by="platform_1")
    assert own.accepted_by == cast.orgs["platform"]
    with pytest.raises(ValidationFailed) as refused:
        signed(cast, "company", "industry_self_discipline", accepted_by="platform_2")
    assert (refused.value.field, refused.value.code) == ("accepted_by", "not_on_platform")
    # The other platform therefore never sees it waiting, nor accepts it.
    with pytest.raises(NotFound):
        flows.accept(own.code, cast["other_platform"])
    assert flows.accept(own.code, cast["platform"]).status == Status.IN_FORCE
