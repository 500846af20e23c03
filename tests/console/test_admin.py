"""The Django admin opens every table for the credit office, in Chinese, and writes nothing itself."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from ecredit.archive import services
from tests import factories as f
from tests.factories import console_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(officer):
    services.ingest([f.penalty("ADM1"), f.penalty("ADM2", {"ric": f.ric(5), "name": "孙八"})], officer)
    user = get_user_model().objects.create_superuser("root", password="Root-pass-2026")
    client = Client()
    console_login(client, user)
    return client


def test_every_admin_list_and_detail_opens(superuser_client):
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        response = superuser_client.get(url)
        assert response.status_code == 200, url
        first = model.objects.first()
        if first is not None:
            detail = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk])
            assert superuser_client.get(detail).status_code == 200, detail


def test_records_and_subjects_cannot_be_edited_in_the_admin(superuser_client):
    from ecredit.registry.models import Subject

    subject = Subject.objects.first()
    url = reverse("admin:registry_subject_change", args=[subject.pk])
    superuser_client.post(url, {"name": "改名"})
    subject.refresh_from_db()
    assert subject.name != "改名"
    assert superuser_client.get(reverse("admin:registry_subject_add")).status_code == 403


def test_admin_is_in_chinese(superuser_client):
    assert "信用记录" in superuser_client.get(reverse("admin:index")).content.decode()


def test_opening_a_person_or_a_non_public_record_in_the_admin_is_logged(superuser_client):
    from ecredit.archive.models import CreditRecord
    from ecredit.audit.models import AccessLogEntry
    from ecredit.registry.models import Subject

    person = Subject.objects.get(kind="person")
    superuser_client.get(reverse("admin:registry_subject_change", args=[person.pk]))
    assert AccessLogEntry.objects.filter(data="subject", subject_id=person.pk, channel="admin").exists()
    record = CreditRecord.objects.first()
    CreditRecord.objects.filter(pk=record.pk).update(status="revoked")  # no longer public
    superuser_client.get(reverse("admin:archive_creditrecord_change", args=[record.pk]))
    assert AccessLogEntry.objects.filter(data="credit_records", channel="admin").exists()
