"""Publishing notices on the portal: who may publish what about whom comes from disclosure.yaml."""

from __future__ import annotations

import pytest

from ecredit import policy
from ecredit.kit.errors import Forbidden, ValidationFailed
from ecredit.portal import publications
from tests import factories


def test_a_merchant_discloses_only_the_matters_the_policy_names(town):
    own = factories.principal("subject_account", factories.organisation("subject", "self_service"),
                              subject_id=town.company.pk)
    topics = policy.current().publication_kind("merchant_disclosure").topics
    with pytest.raises(ValidationFailed) as refused:
        publications.publish(own, kind="merchant_disclosure", title="售后承诺", body="七日无理由退货", topic="lottery")
    assert refused.value.code == "unknown_topic"
    item = publications.publish(own, kind="merchant_disclosure", title="售后承诺", body="七日无理由退货",
                                topic=topics[0])
    assert item.subject_id == town.company.pk


def test_a_platform_alerts_only_about_its_own_shops(town, platform_org):
    platform = factories.principal("platform_client", platform_org)
    with pytest.raises(Forbidden):
        publications.publish(platform, kind="risk_alert", title="风险提示", body="谨慎交易",
                             subject_id=town.other_company.pk)
    item = publications.publish(platform, kind="risk_alert", title="风险提示", body="谨慎交易", subject_id=town.shop.pk)
    assert item.subject_id == town.shop.pk
