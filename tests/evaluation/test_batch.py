"""The batch rescoring (every subject from exported columns) gives exactly what the single-subject path gives:
the same raw values and evidence, the same digest for every subject; a second run writes nothing; a new record
changes that one subject; and after a model change both versions stay queryable."""

from __future__ import annotations

import datetime as dt
import random
import shutil

import numpy as np
import pytest
import yaml
from django.apps import apps
from django.utils import timezone

from ecredit import policy
from ecredit.archive import flows
from ecredit.archive import services as archive
from ecredit.archive.models import CreditRecord
from ecredit.audit.services import Actor
from ecredit.evaluation import batch, columns, features, services
from ecredit.evaluation.models import CurrentScore, GradeChange, Score
from ecredit.policy.loader import RULES_DIR
from ecredit.registry import services as registry
from ecredit.registry.models import Subject
from tests import factories

TODAY = factories.today()
PLATFORM_TYPES = ["malicious_review", "fake_order", "fake_traffic", "picture_unlike_goods", "counterfeit",
                  "price_fraud"]


def _item(rid: str, code: str, subject: dict, decided: dt.date) -> dict:
    rule = policy.current().record_types[code]
    return {"id": rid, "type": code, "subject": subject, "decided_on": decided.isoformat(),
            "summary": f"{rule.name.zh}（测试）", "details": factories.minimal_details(rule.details_schema)}


@pytest.fixture
def archive_data(db, admin, platform_org):
    """~30 subjects of every kind the models evaluate (and some they do not), 0-9 records each of the types
    their kind may have, decided over the last 5½ years; one revoked and one under objection; records exactly
    on and just outside a 3-year and a 1-year window; shops' reputation figures."""
    rng = random.Random(7)
    actor = Actor("test")
    subjects: list[tuple[str, dict]] = []
    for n, roles in enumerate([["merchant"], ["merchant"], ["logistics"], ["payment_institution"],
                               ["service_provider"], []]):
        ref = {"uscc": factories.uscc(500 + n), "name": f"南通批量评价登记企业{n}"}
        registry.register(ref, actor, roles=roles)
        subjects.append(("organisation", ref))
    subjects.append(("organisation", {"uscc": platform_org.uscc, "name": "测试电商平台"}))
    subjects += [("organisation", {"uscc": factories.uscc(600 + n), "name": f"南通批量评价企业{n}"}) for n in range(8)]
    for n in range(2):
        ref = {"ric": factories.ric(700 + n), "name": f"快递员{n}"}
        registry.register(ref, actor, roles=["courier"])
        subjects.append(("person", ref))
    subjects.append(("person", {"ric": factories.ric(710), "name": "张某"}))
    subjects += [("shop", {"platform_uscc": platform_org.uscc, "shop_id": f"SHOP-{n}", "name": f"测试网店{n}"})
                 for n in range(7)]

    catalog = policy.current().record_types
    by_kind = {kind: sorted(code for code, rule in catalog.items() if kind in rule.subject_kinds
                            and ("credit_office" in rule.sources or code in PLATFORM_TYPES))
               for kind in ("organisation", "person", "shop")}
    platform_principal = factories.principal("platform_client", platform_org)
    own, theirs = [], []
    for k, (kind, ref) in enumerate(subjects):
        for r in range(rng.randrange(10)):
            code = rng.choice(by_kind[kind])
            decided = TODAY - dt.timedelta(days=rng.randrange(2000))
            (theirs if code in PLATFORM_TYPES else own).append(_item(f"B-{k}-{r}", code, ref, decided))
    # window edges: P3Y and P1Y windows start on these days (counted), the day before is not
    first = subjects[7][1]
    for code, years in (("admin_penalty_general", 3), ("complaint_upheld", 1)):
        start = TODAY.replace(year=TODAY.year - years) if not (TODAY.month == 2 and TODAY.day == 29) else \
            TODAY.replace(year=TODAY.year - years, day=28)
        own.append(_item(f"EDGE-{code}-in", code, first, start))
        own.append(_item(f"EDGE-{code}-out", code, first, start - dt.timedelta(days=1)))
    own += [_item(rid, "admin_penalty_general", first, TODAY - dt.timedelta(days=20)) for rid in ("REV-1", "OBJ-1")]
    for shop in (s for kind, s in subjects if kind == "shop"):
        theirs.append(_item(f"P-{shop['shop_id']}", "fake_order", shop, TODAY - dt.timedelta(days=30)))
    for start in range(0, len(own), 500):
        report = archive.ingest(own[start:start + 500], admin)
        assert not report.errors, report.errors[:3]
    report = archive.ingest(theirs, platform_principal)
    assert not report.errors, report.errors[:3]
    archive.revoke(CreditRecord.objects.get(source_record_id="REV-1").pk, admin, reason="行政复议撤销原处罚决定")
    flows.file_objection(CreditRecord.objects.get(source_record_id="OBJ-1").pk, admin, reason="当事人对事实认定有异议")
    if apps.is_installed("ecredit.marketplace"):         # shops' figures: inside, outside and without a range
        reputation = apps.get_model("marketplace", "ShopReputation")
        for n, (good, dsr, refund) in enumerate([(0.97, 4.6, 1.5), (0.85, None, 3.5), (None, 4.95, 0.8),
                                                 (1.0, 5.0, None)]):
            shop = Subject.objects.get(platform__uscc=platform_org.uscc, shop_id=f"SHOP-{n}")
            reputation.objects.create(shop=shop, as_of=TODAY, good_rate_180d=good, dsr_avg_180d=dsr,
                                      refund_rate_relative=refund, policy_version="test", computed_at=timezone.now())
    return subjects


def _single(as_of: dt.date) -> dict[int, services.Outcome]:
    out = {}
    for subject in Subject.objects.all():
        outcome = services.score_subject(subject, as_of)
        if outcome is not None:
            out[subject.pk] = outcome
    return out


def _current(version_in_force: bool = True) -> dict[int, str]:
    return dict(CurrentScore.objects.filter(in_force=version_in_force).values_list("subject_id", "digest"))


def test_export_and_raw_matrix_give_the_single_subject_values(archive_data):
    columns = batch.export(TODAY)
    models = features.models_in_force(TODAY)
    subjects = {s.pk: s for s in Subject.objects.all()}
    assert sorted(subjects) == columns.subject_ids.tolist()
    seen = 0
    for code, model in models.items():
        rows = np.flatnonzero(columns.model_of == code)
        raw, evidence = batch.raw_matrix(columns, model.rule, rows, TODAY)
        for k, row in enumerate(rows.tolist()):
            subject = subjects[int(columns.subject_ids[row])]
            assert features.assign(subject.kind, set(subject.roles.values_list("role", flat=True))) == code
            expected_raw, expected_evidence = features.raw_for_subject(subject, model.rule, TODAY)
            np.testing.assert_array_equal(raw[k], np.array(expected_raw))
            assert evidence[k] == expected_evidence
            seen += 1
    assert seen == len(_single(TODAY)) and seen > 20


def test_batch_and_single_subject_paths_agree_on_every_subject(archive_data, monkeypatch):
    monkeypatch.setattr(columns, "FETCH", 7)    # many id ranges
    monkeypatch.setattr(batch, "CHUNK", 4)      # many chunks per model
    result = batch.rescore_all(TODAY)
    single = _single(TODAY)
    assert result.subjects == result.changed == len(single)
    assert _current() == {pk: outcome.digest for pk, outcome in single.items()}
    for pk, outcome in single.items():
        row = Score.objects.get(subject_id=pk)
        assert (row.contributions, row.evidence) == (outcome.contributions, outcome.evidence)
        assert (row.score * 100, row.bound * 100, row.base * 100) == (outcome.score, outcome.bound, outcome.base)
        assert row.grade == outcome.grade
    assert GradeChange.objects.filter(old_grade="").count() == len(single)
    # only live records inside their window are evidence: the revoked one is not, the one under objection is
    evidence_ids = {i for row in Score.objects.all() for ids in row.evidence.values() for i in ids}
    assert evidence_ids <= set(CreditRecord.objects.live().values_list("id", flat=True))
    pk_of = dict(CreditRecord.objects.values_list("source_record_id", "id"))
    assert pk_of["OBJ-1"] in evidence_ids and pk_of["REV-1"] not in evidence_ids
    for code in ("admin_penalty_general", "complaint_upheld"):
        assert pk_of[f"EDGE-{code}-in"] in evidence_ids and pk_of[f"EDGE-{code}-out"] not in evidence_ids
    if apps.is_installed("ecredit.marketplace"):
        figures = [row.contributions["good_rate"][0] for row in Score.objects.filter(model_code="shop")]
        assert 0.97 in figures and 0.85 in figures and None in figures


def test_a_second_run_writes_nothing(archive_data):
    batch.rescore_all(TODAY)
    scores, changes = Score.objects.count(), GradeChange.objects.count()
    second = batch.rescore_all(TODAY)
    assert second.changed == second.grade_changes == 0 and second.subjects == scores
    assert (Score.objects.count(), GradeChange.objects.count()) == (scores, changes)


def test_a_new_record_changes_exactly_that_subject(archive_data, admin):
    batch.rescore_all(TODAY)
    before = _current()
    scores = Score.objects.count()
    ref = archive_data[8][1]
    subject = Subject.objects.get(uscc=ref["uscc"])
    archive.ingest([_item("NEW-1", "admin_penalty_general", ref, TODAY - dt.timedelta(days=3))], admin)
    result = batch.rescore_all(TODAY)
    assert result.changed == 1
    assert Score.objects.count() == scores + 1
    after = _current()
    assert {pk for pk in after if after[pk] != before.get(pk)} == {subject.pk}
    assert after[subject.pk] == services.score_subject(subject, TODAY).digest
    assert len(services.history(subject.pk)) == 2


def test_a_record_arriving_during_the_run_is_not_overwritten(archive_data, admin, monkeypatch):
    ref = archive_data[9][1]
    real_export = batch.export

    def export_then_a_record_arrives(as_of):
        columns = real_export(as_of)
        archive.ingest([_item("LATE-1", "admin_penalty_serious", ref, TODAY)], admin)
        return columns

    monkeypatch.setattr(batch, "export", export_then_a_record_arrives)
    batch.rescore_all(TODAY)
    subject = Subject.objects.get(uscc=ref["uscc"])
    assert _current()[subject.pk] == services.score_subject(subject, TODAY).digest
    assert subject.records.filter(source_record_id="LATE-1").exists()


def test_all_versions_after_a_model_change_keep_both_queryable(archive_data, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    data = yaml.safe_load((rules / "evaluation.yaml").read_text(encoding="utf-8"))
    old = data["models"]["enterprise"][0]
    new = {**old, "effective": TODAY - dt.timedelta(days=10), "base": old["base"] - 5,
           "reference": old["reference"] + "（测试修订）"}
    data["models"]["enterprise"].append(new)
    (rules / "evaluation.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                                          encoding="utf-8")
    batch.rescore_all(TODAY)        # under the policy as shipped: one version
    old_version = f"enterprise@{old['effective'].isoformat()}"
    new_version = f"enterprise@{new['effective'].isoformat()}"
    enterprises = set(CurrentScore.objects.filter(model_version=old_version).values_list("subject_id", flat=True))
    assert enterprises
    try:
        policy.reset(policy.load(rules))
        result = batch.rescore_all(TODAY, versions="all")
        assert result.changed == len(enterprises)           # the new version's scores; the old ones unchanged
        rows = CurrentScore.objects.filter(subject_id__in=enterprises)
        assert set(rows.filter(in_force=True).values_list("model_version", flat=True)) == {new_version}
        assert set(rows.filter(in_force=False).values_list("model_version", flat=True)) == {old_version}
        for pk in enterprises:
            assert services.history(pk, old_version) and services.history(pk, new_version)
            old_score = services.history(pk, old_version)[0].score
            assert services.history(pk, new_version)[0].score == max(old_score - 5, 0)
            subject = Subject.objects.get(pk=pk)
            assert CurrentScore.objects.get(subject_id=pk, in_force=True).digest == \
                services.score_subject(subject, TODAY).digest
        # the nightly run (versions in force) leaves the old version's rows queryable and retired
        assert batch.rescore_all(TODAY).changed == 0
        assert CurrentScore.objects.filter(model_version=old_version, in_force=False).count() == len(enterprises)
    finally:
        policy.reset(None)


def test_current_rows_written_meanwhile_are_updated_not_duplicated(archive_data, monkeypatch):
    batch.rescore_all(TODAY)
    # as if every current row had been written by the incremental path after the batch read them
    monkeypatch.setattr(batch, "_current_of", lambda version: {})
    result = batch.rescore_all(TODAY)
    single = _single(TODAY)
    assert result.changed == len(single)
    assert CurrentScore.objects.count() == len(single)
    assert _current() == {pk: outcome.digest for pk, outcome in single.items()}
    assert Score.objects.count() == 2 * len(single)
