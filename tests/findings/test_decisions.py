"""Deciding findings: confirming writes the credit records findings.yaml names (and lowers the subject's score),
a shop attacked with bad reviews gets them shielded instead of a record, dismissing needs a reason, only open
findings are decided and only by the departments they are routed to; reviewed findings train a model."""

from __future__ import annotations

import pytest

from ecredit.archive.models import CreditRecord
from ecredit.audit.services import verify
from ecredit.evaluation.models import CurrentScore
from ecredit.evaluation.services import rescore_subjects
from ecredit.findings import flows, services, training
from ecredit.findings.models import Finding, FindingStatus, ReviewModel
from ecredit.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ecredit.marketplace.models import ReviewShield

from . import world as planted

pytestmark = pytest.mark.django_db


@pytest.fixture
def found(w):
    run = services.run_detection(services.SYSTEM_ACTOR, parcel_tables=planted.parcel_tables(w))
    assert run.status == "finished", run.error
    return run


def one(kind: str, **filters) -> Finding:
    return Finding.objects.get(kind=kind, **filters)


def score(subject_id: int) -> float:
    rescore_subjects([subject_id])
    return float(CurrentScore.objects.get(subject_id=subject_id).score)


def test_confirming_a_ring_writes_fake_orders_on_every_ring_shop_and_lowers_their_scores(w, found,
                                                                                          market_officer):
    ring = one("order_ring")
    shops = [w.shops[s] for s in planted.RING_SHOPS]
    before = {s: score(s) for s in shops}
    flows.confirm(ring.pk, market_officer, reason="买家账号均为同一工作室控制")
    ring.refresh_from_db()
    assert ring.status == FindingStatus.CONFIRMED and ring.label == 1 and ring.reviewed_by == market_officer.label
    records = CreditRecord.objects.filter(pk__in=ring.record_ids).order_by("subject_id")
    assert [r.subject_id for r in records] == sorted(shops)
    for record in records:
        assert record.record_type_id == "fake_order" and record.source.code == "market_regulation"
        details = record.details
        assert details["platform_case_no"] == f"线索{ring.pk:06d}" and details["empty_parcel"] is False
        assert details["order_count"] == 12 and len(details["order_ids"]) == 12
        assert set(details["order_ids"]) <= set(ring.evidence["orders"])
        assert "同一工作室" in details["description"]
    for s in shops:
        assert score(s) < before[s]
    assert verify().ok


def test_confirming_paid_good_reviews_writes_a_malicious_review_record(w, found, market_officer):
    finding = one("review_accounts", subject_id=w.shops["S20"])
    flows.confirm(finding.pk, market_officer, reason="")
    [record] = CreditRecord.objects.filter(pk__in=Finding.objects.get(pk=finding.pk).record_ids)
    assert record.record_type_id == "malicious_review" and record.subject_id == w.shops["S20"]
    assert record.details["pattern"] == "paid_positive"
    assert sorted(record.details["review_ids"]) == sorted(str(r) for r in finding.evidence["ratings"])


def test_confirming_an_attack_shields_the_reviews_and_writes_nothing_against_the_victim(w, found,
                                                                                      market_officer):
    finding = one("review_accounts", subject_id=w.shops["S05"])
    records = CreditRecord.objects.count()
    flows.confirm(finding.pk, market_officer, reason="竞争对手组织恶意差评")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CONFIRMED and finding.record_ids == []
    assert CreditRecord.objects.count() == records
    shields = ReviewShield.objects.filter(rating_id__in=finding.evidence["ratings"])
    assert shields.count() == len(finding.evidence["ratings"]) == len(finding.evidence["shielded"])
    assert {s.ground for s in shields} == {"fake_review"}
    assert {s.shielded_by for s in shields} == {market_officer.label}
    assert all(f"线索{finding.pk:06d}" in s.note for s in shields)
    assert verify().ok


def test_confirming_names_licences_channels_and_parcels_writes_their_record_types(w, found, market_officer,
                                                                                 pbc_officer):
    cases = [(one("borrowed_name"), market_officer, "borrowed_name"),
             (one("missing_licence", subject_id=w.shops["S11"]), market_officer, "unlicensed_key_goods"),
             (one("unlicensed_channel", evidence__channel="platform_wallet"), pbc_officer, "unlicensed_payment"),
             (one("empty_parcel"), market_officer, "fake_order")]
    for finding, officer, record_type in cases:
        before = score(finding.subject_id)
        flows.confirm(finding.pk, officer, reason="经核查属实")
        [record] = CreditRecord.objects.filter(pk__in=Finding.objects.get(pk=finding.pk).record_ids)
        assert record.record_type_id == record_type and record.subject_id == finding.subject_id
        assert score(finding.subject_id) < before, record_type
    name = CreditRecord.objects.get(record_type_id="borrowed_name")
    assert name.details["owner_name"] == "南通华美服饰有限公司" and name.details["similarity"] >= 0.8
    licence = CreditRecord.objects.get(record_type_id="unlicensed_key_goods")
    assert licence.details["licence_problem"] == "none_held" and "食品经营许可证" in licence.details["required_licences"]
    parcel = CreditRecord.objects.get(record_type_id="fake_order")
    assert parcel.details["empty_parcel"] is True and parcel.details["order_count"] == 5
    wallet = CreditRecord.objects.get(record_type_id="unlicensed_payment")    # the platform runs its own wallet
    assert wallet.subject_id == w.platform.pk and wallet.details["channel"] == "平台自有支付工具"


def test_an_unlicensed_channel_is_confirmed_only_against_its_identified_operator(w, found, pbc_officer):
    channel = one("unlicensed_channel", evidence__channel="快付宝")
    assert channel.subject_id == w.platform.pk and not channel.evidence["operator_known"]
    with pytest.raises(ValidationFailed) as refused:
        flows.confirm(channel.pk, pbc_officer, reason="经核查属实")
    assert refused.value.code == "operator_unidentified" and "请先查明经营者" in str(refused.value.message)
    channel.refresh_from_db()
    assert channel.status == FindingStatus.OPEN and not channel.record_ids
    assert not CreditRecord.objects.filter(record_type_id="unlicensed_payment").exists()
    # The officer identifies the operator and registers it; the next run links the finding to it.
    from ecredit.audit.services import Actor
    from ecredit.registry import services as registry
    from tests import factories as f

    operator = registry.register({"uscc": f.uscc(740001), "name": "快付宝"}, Actor("test"), roles=["merchant"])
    services.run_detection(services.SYSTEM_ACTOR, detectors=["unlicensed_channel"])
    channel.refresh_from_db()
    assert channel.subject_id == operator.pk and channel.evidence["operator_known"]
    flows.confirm(channel.pk, pbc_officer, reason="经核查属实")
    [record] = CreditRecord.objects.filter(pk__in=Finding.objects.get(pk=channel.pk).record_ids)
    assert record.subject_id == operator.pk and record.details["channel"] == "快付宝"
    assert verify().ok


def test_only_open_findings_are_decided_and_dismissal_needs_a_reason(w, found, market_officer):
    ring = one("order_ring")
    with pytest.raises(ValidationFailed) as refused:
        flows.dismiss(ring.pk, market_officer, reason=" ")
    assert refused.value.field == "reason" and "理由" in str(refused.value.message)
    flows.dismiss(ring.pk, market_officer, reason="均为真实团购订单")
    ring.refresh_from_db()
    assert ring.status == FindingStatus.DISMISSED and ring.label == 0 and ring.reason == "均为真实团购订单"
    with pytest.raises(Conflict) as again:
        flows.confirm(ring.pk, market_officer, reason="改为确认")
    assert "已核查" in str(again.value.message)
    assert not CreditRecord.objects.filter(record_type_id="fake_order").exists()


def test_findings_are_routed_to_their_departments(w, found, market_officer, postal_officer, pbc_officer, office):
    ring, channel = one("order_ring"), one("unlicensed_channel", evidence__channel="快付宝")
    parcel = one("empty_parcel")
    assert set(Finding.objects.visible_to(postal_officer).values_list("kind", flat=True)) == {"empty_parcel"}
    assert set(Finding.objects.visible_to(pbc_officer).values_list("kind", flat=True)) == {"unlicensed_channel"}
    assert Finding.objects.visible_to(office).count() == Finding.objects.count()
    assert not Finding.objects.visible_to(market_officer).filter(kind="unlicensed_channel").exists()
    with pytest.raises(NotFound):
        flows.confirm(ring.pk, postal_officer, reason="")
    with pytest.raises(NotFound):
        flows.confirm(channel.pk, market_officer, reason="")
    flows.dismiss(parcel.pk, postal_officer, reason="运单系揽收后补录")
    from tests import factories as f
    from ecredit.access.models import Organisation

    platform = f.principal("platform_client", Organisation.objects.get(code="platform_detect"))
    with pytest.raises(Forbidden):
        flows.confirm(ring.pk, platform, reason="")


def _review_finding(w, found, members: list, buyers: list[str], direction: str = "negative") -> Finding:
    """A review finding naming `buyers`, kept as a run keeps it (a stand-in for findings of other shops and
    days: the planted world has two)."""
    from ecredit.audit.services import Actor
    from ecredit.findings import detectors, runner

    ev = {"platform": {"id": w.platform.pk}, "direction": direction, "accounts": [{"buyer": b} for b in buyers],
          "ratings": []}
    collected = runner.Collected(candidates=[detectors.Candidate(
        "review_accounts", members, w.shops["S01"], w.platform.pk, "人工抽查", 0.5, ev)],
        windows={"review_accounts": (found.window_start, found.window_end)})
    services.keep(collected, Actor("test"), "test", ["review_accounts"], found.window_end)
    return Finding.objects.get(key=services.key_of("review_accounts", members))


def _label_accounts(w, found, market_officer):
    """Confirm both review findings (24 fake accounts) and dismiss a finding naming 30 ordinary buyers: enough
    accounts, but three findings."""
    for shop in ("S20", "S05"):
        flows.confirm(one("review_accounts", subject_id=w.shops[shop]).pk, market_officer, reason="属实")
    genuine = [f"u{n:05d}" for n in range(0, 120, 4)]
    finding = _review_finding(w, found, ["shop", w.shops["S01"], "positive"], genuine, "positive")
    flows.dismiss(finding.pk, market_officer, reason="均为真实买家")


def _label_findings(w, found, market_officer, n: int = 12):
    """`n` confirmed findings of three fake accounts each (paid good reviews, the attack, the ring) and `n`
    dismissed findings of six ordinary buyers each (confirming a bad-review finding without ratings shields
    nothing and writes no record)."""
    fakes = w.burst_buyers + w.attack_buyers + w.ring_buyers
    for i in range(n):
        finding = _review_finding(w, found, ["test", "fake", i], fakes[3 * i:3 * i + 3])
        flows.confirm(finding.pk, market_officer, reason="属实")
    for i in range(n):
        finding = _review_finding(w, found, ["test", "genuine", i], [f"u{k:05d}" for k in range(i, 6 * n, n)])
        flows.dismiss(finding.pk, market_officer, reason="均为真实买家")


def test_a_model_needs_enough_reviewed_findings_not_only_enough_accounts(w, found, market_officer, office):
    with pytest.raises(ValidationFailed) as few:
        flows.retrain(office)
    assert few.value.code == "too_few_labels"
    _label_accounts(w, found, market_officer)
    labels = training.account_labels()
    assert sum(labels.values()) >= 24 and list(labels.values()).count(0) >= 20
    # 54 accounts, but from three findings: accounts of one finding share their burst and neighbours
    with pytest.raises(ValidationFailed) as few:
        flows.retrain(office)
    assert few.value.code == "too_few_findings" and "2条" in str(few.value.message)
    assert not ReviewModel.objects.exists()


def test_retraining_needs_enough_labels_then_trains_an_active_model_that_scores_accounts(w, found,
                                                                                       market_officer, office):
    with pytest.raises(Forbidden):
        flows.retrain(market_officer)
    _label_findings(w, found, market_officer)
    model = flows.retrain(office)
    assert model.active and model.cv_auc >= 0.75 and model.positives >= 20 and model.negatives >= 20
    assert model.booster.startswith("tree") and "num_leaves" in model.params
    assert services.active_model() == model
    # the next run scores accounts with it
    run = services.run_detection(services.SYSTEM_ACTOR, detectors=["review_accounts"])
    assert run.figures["review_accounts"]["model"] == model.pk
    # a second model replaces the first as the active one
    second = flows.retrain(office)
    assert second.active and not ReviewModel.objects.get(pk=model.pk).active
    assert verify().ok


def test_the_reported_auc_is_of_held_out_findings(w, found, market_officer, office, monkeypatch):
    """Each finding's accounts stay in one fold, and the setting is chosen without the fold it is scored on."""
    import ecredit.detection as detection

    _label_findings(w, found, market_officer)
    seen = {}
    real_choose, real_nested = detection.choose_params, detection.nested_auc

    def choose(*args, **kwargs):
        seen["choose_groups"] = kwargs.get("groups")
        return real_choose(*args, **kwargs)

    def nested(*args, **kwargs):
        seen["nested_groups"] = kwargs.get("groups")
        seen["nested"] = real_nested(*args, **kwargs)
        return seen["nested"]

    monkeypatch.setattr(detection, "choose_params", choose)
    monkeypatch.setattr(detection, "nested_auc", nested)
    model = flows.retrain(office)
    groups = seen["nested_groups"]
    assert groups is not None and len(set(groups.tolist())) == 24
    assert seen["choose_groups"] is groups
    assert model.cv_auc == round(seen["nested"], 6)

