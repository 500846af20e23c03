"""Who may do what: a subject's own account applies for itself and the shops it runs, a platform for the shops on
its platform only; only the departments the scheme names (and the credit office) review; each applicant sees its
own enrolments, and the evidence it may not read is counted, not shown."""

from __future__ import annotations

import pytest

from ecredit.access.principal import anonymous
from ecredit.audit.services import Actor
from ecredit.kit.errors import Forbidden, NotFound, ValidationFailed
from ecredit.registry import services as registry
from ecredit.safe_consumption import flows, services
from ecredit.safe_consumption.models import Enrolment, EnrolmentStatus
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_subject_account_applies_for_itself_and_its_shops_not_for_others(town):
    company = town.merchant()
    shop = town.shop(company, "自家旗舰店")
    other = town.merchant("南通别家商贸有限公司")
    account = town.account(company)
    assert services.apply(account, subject_id=company.pk).status == EnrolmentStatus.CHECKED
    assert services.apply(account, subject_id=shop.pk).status == EnrolmentStatus.CHECKED
    with pytest.raises(Forbidden):
        services.apply(account, subject_id=other.pk)
    with pytest.raises(Forbidden):
        services.preview(account, subject_id=other.pk)


def test_a_platform_applies_only_for_shops_on_its_own_platform(town):
    company = town.merchant()
    shop = town.shop(company, "平台内网店")
    assert services.apply(town.platform, subject_id=shop.pk).applicant_org_id == town.platform_org.pk
    with pytest.raises(Forbidden):
        services.apply(town.platform, subject_id=company.pk)           # a company is not its shop
    other_org = f.organisation("platform", "platform_other", name="别的平台", uscc=f.uscc(991234))
    with pytest.raises(Forbidden):
        services.apply(f.principal("platform_client", other_org), subject_id=shop.pk)


def test_officers_do_not_apply_and_persons_are_not_enrolled(town):
    company = town.merchant()
    with pytest.raises(Forbidden):
        services.apply(town.officer, subject_id=company.pk)
    someone = registry.register({"ric": f.ric(42), "name": "王某"}, Actor("test"))
    with pytest.raises(ValidationFailed) as refused:
        services.apply(town.account(someone), subject_id=someone.pk)
    assert refused.value.code == "subject_kind_not_allowed"


def test_only_the_reviewing_departments_review(town):
    enrolment = town.apply(town.merchant())
    with pytest.raises(Forbidden) as refused:
        flows.review(enrolment.pk, town.postal_officer, approve=True, reason="同意", decision_no="1号")
    assert refused.value.code == "not_a_reviewer"
    with pytest.raises(Forbidden):
        flows.review(enrolment.pk, town.platform, approve=True, reason="同意", decision_no="1号")
    with pytest.raises(Forbidden):
        services.enrolments(town.postal_officer)
    approved = town.approve(enrolment, by=town.commerce_officer)       # the task's lead department reviews too
    assert approved.status == EnrolmentStatus.PUBLISHED
    # the honour record is filed by market regulation whoever reviewed, so any reviewer can end it later
    assert approved.honour_record.source.code == "market_regulation"
    flows.revoke(approved.pk, town.admin, reason="核实存在虚假宣传")


def test_each_applicant_sees_its_own_enrolments(town):
    mine = town.apply(town.merchant())
    shop = town.shop(town.merchant("南通平台商户有限公司"), "平台商户旗舰店")
    theirs = services.apply(town.platform, subject_id=shop.pk)
    assert set(services.enrolments(town.officer)) == {mine, theirs}
    assert set(services.enrolments(town.admin)) == {mine, theirs}
    assert list(services.enrolments(town.account(mine.subject))) == [mine]
    assert list(services.enrolments(town.platform)) == [theirs]
    assert list(services.enrolments(town.account(shop.operator))) == [theirs]     # the shop's operator
    with pytest.raises(NotFound):
        services.enrolment_for(theirs.pk, town.account(mine.subject))
    with pytest.raises(Forbidden):
        services.enrolments(anonymous())


def test_evidence_an_applicant_may_not_read_is_counted_not_shown(town):
    company = town.merchant()
    shop = town.shop(company, "被报送的网店")
    town.record(shop, "fake_order", "-30d")                 # a platform's report: shared with government only
    enrolment = town.apply(company)
    item = next(i for i in services.shown_items(enrolment.results, town.account(company))
                if i["code"] == "no_platform_reported_dishonesty")
    assert not item["passed"] and item["records"] == [] and item["hidden_records"] == 1
    officer_item = next(i for i in services.shown_items(enrolment.results, town.officer)
                        if i["code"] == "no_platform_reported_dishonesty")
    assert len(officer_item["records"]) == 1 and officer_item["hidden_records"] == 0
    assert Enrolment.objects.filter(pk=enrolment.pk).exists()
