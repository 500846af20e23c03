"""Scoring at the second speed: a record about a subject arrives, a background task rescores that subject, the
profile shows the new grade and its explanation at once, and the history keeps the old score."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from ecredit.archive import services as archive
from ecredit.evaluation import services
from ecredit.evaluation.models import CurrentScore, GradeChange, Score
from ecredit.registry.models import Subject
from tests import factories


def _recent(days: int) -> str:
    return (factories.today() - dt.timedelta(days=days)).isoformat()


@pytest.fixture
def company(db, officer, django_capture_on_commit_callbacks):
    code = factories.uscc()
    with django_capture_on_commit_callbacks(execute=True):
        report = archive.ingest([factories.penalty("E-1", {"uscc": code, "name": "南通评价测试有限公司"},
                                                   decided_on=_recent(40))], officer)
    assert not report.errors
    return Subject.objects.get(uscc=code)


def test_a_record_arriving_rescores_its_subject(company):
    current = CurrentScore.objects.get(subject=company, in_force=True)
    explanation = services.current_explanation(company.pk)
    assert explanation.total == explanation.score == current.score
    penalty_line = next(line for line in explanation.lines if line.code == "penalties")
    assert penalty_line.raw == 1 and penalty_line.points == -5 and len(penalty_line.record_ids) == 1
    assert GradeChange.objects.filter(subject=company, old_grade="").count() == 1


def test_revoking_the_record_rescores_and_keeps_history(company, officer, django_capture_on_commit_callbacks):
    before = CurrentScore.objects.get(subject=company, in_force=True).score
    record = company.records.get()
    with django_capture_on_commit_callbacks(execute=True):
        archive.revoke(record.pk, officer, reason="处罚决定被撤销")
    after = CurrentScore.objects.get(subject=company, in_force=True).score
    assert after == before + 5
    assert [s.score for s in services.history(company.pk)] == [after, before]


def test_the_profile_shows_the_grade_and_its_explanation_at_once(company, officer,
                                                                  django_capture_on_commit_callbacks):
    client = Client()
    page = client.get(f"/subjects/{company.pk}/").content.decode()
    score = CurrentScore.objects.get(subject=company, in_force=True).score
    assert 'id="evaluation"' in page and f'<b id="score">{score}</b>' in page
    assert 'id="line-penalties"' in page
    with django_capture_on_commit_callbacks(execute=True):
        archive.ingest([factories.penalty("E-2", {"uscc": company.uscc, "name": company.name},
                                          decided_on=_recent(5))], officer)
    new_score = CurrentScore.objects.get(subject=company, in_force=True).score
    assert new_score == score - 5
    assert f'<b id="score">{new_score}</b>' in client.get(f"/subjects/{company.pk}/").content.decode()


def test_nothing_new_is_written_when_nothing_changed(company):
    rows = Score.objects.count()
    assert services.rescore_subjects([company.pk]) == 0
    assert Score.objects.count() == rows


def test_the_models_page_is_generated_from_the_policy(db):
    from ecredit.evaluation.features import models_in_force

    page = Client().get("/rules/evaluation").content.decode()
    for code, model in models_in_force(factories.today()).items():
        assert f'id="model-{code}"' in page and model.version in page


def test_a_subject_whose_model_changes_is_graded_by_the_new_model_only(company):
    from ecredit.evaluation.batch import rescore_all
    from ecredit.registry.models import SubjectRole

    assert CurrentScore.objects.get(subject=company, in_force=True).model_code == "enterprise"
    SubjectRole.objects.create(subject=company, role="platform")
    services.rescore_subjects([company.pk])
    in_force = CurrentScore.objects.filter(subject=company, in_force=True)
    assert [row.model_code for row in in_force] == ["platform"]
    assert CurrentScore.objects.filter(subject=company, model_code="enterprise", in_force=False).exists()
    rescore_all()
    assert [row.model_code for row in CurrentScore.objects.filter(subject=company, in_force=True)] == ["platform"]
