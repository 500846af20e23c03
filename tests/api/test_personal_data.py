"""Resident IDs: encrypted at rest, masked for everyone without the right, every full read logged."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from ecredit.audit.models import AccessLogEntry
from ecredit.registry.models import Subject

pytestmark = pytest.mark.django_db


def test_resident_id_is_not_stored_in_clear(world):
    person = Subject.objects.get(pk=world.ids["person"])
    assert world.person_ric.encode() not in bytes(person.ric_cipher)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM registry_subject WHERE id = %s", [person.pk])
        row = cursor.fetchone()
    assert all(world.person_ric not in str(value) for value in row if not isinstance(value, (bytes, memoryview)))
    assert person.ric_masked == world.person_ric[:4] + "*" * 10 + world.person_ric[-4:]


@pytest.mark.parametrize("caller", ["anon", "platform", "agency", "officer", "other_officer", "investigator",
                                    "admin", "subject"])
def test_no_ordinary_answer_carries_the_full_id_or_name(world, caller):
    client = world.client(caller)
    paths = [f"/api/v1/records/{world.ids['record_person']}", f"/api/v1/subjects/{world.ids['person']}",
             f"/api/v1/credit-check?subject_id={world.ids['person']}&purpose=行政许可审查",
             "/api/v1/objections"]
    for path in paths:
        body = client.get(path).content.decode("utf-8")
        text = json.dumps(json.loads(body), ensure_ascii=False) if body.startswith(("{", "[")) else body
        assert world.person_ric not in text, path
        if caller not in ("investigator", "admin"):
            assert "张小明" not in text, path


def test_record_about_a_person_shows_masked_name_and_key(world):
    data = world.client("officer").get(f"/api/v1/records/{world.ids['record_person']}").json()
    assert data["subject"]["name"] == "张**"
    assert data["subject"]["key"] == world.person_ric[:4] + "*" * 10 + world.person_ric[-4:]


def test_identity_for_officer_without_the_right_stays_masked_and_is_not_logged(world):
    data = world.client("officer").get(f"/api/v1/subjects/{world.ids['person']}/identity?purpose=核查").json()
    assert data["masked"] is True and data["resident_id"] != world.person_ric
    assert not AccessLogEntry.objects.filter(data="resident_id").exists()


def test_identity_for_investigator_is_full_and_logged_with_purpose(world):
    client = world.client("investigator")
    path = f"/api/v1/subjects/{world.ids['person']}/identity"
    assert client.get(path).status_code == 422  # a purpose is required
    data = client.get(path + "?purpose=案件调查 2025-001").json()
    assert data == {"subject": world.ids["person"], "resident_id": world.person_ric, "masked": False}
    entry = AccessLogEntry.objects.get(data="resident_id")
    assert (entry.actor, entry.organisation, entry.subject_id, entry.purpose) == (
        "client:investigator", "market_regulation", world.ids["person"], "案件调查 2025-001")


def test_credit_check_requires_a_purpose_and_logs_it(world):
    client = world.client("agency")
    missing = client.get(f"/api/v1/credit-check?subject_id={world.ids['company']}")
    assert missing.status_code == 422
    blank = client.get(f"/api/v1/credit-check?subject_id={world.ids['company']}&purpose=%20")
    assert blank.status_code == 422 and blank.json()["field"] == "purpose"
    ok = client.get(f"/api/v1/credit-check?subject_id={world.ids['company']}&purpose=授信审查")
    assert ok.status_code == 200
    entry = AccessLogEntry.objects.get(data="credit_summary")
    assert entry.purpose == "授信审查" and entry.subject_id == world.ids["company"]


def test_reading_a_non_public_record_is_logged(world):
    world.client("officer").get(f"/api/v1/records/{world.ids['record_gov']}?purpose=查处刷单")
    entry = AccessLogEntry.objects.get(data="credit_records")
    assert entry.purpose == "查处刷单" and entry.organisation == "market_regulation"


def test_public_reading_of_public_records_is_not_logged(world):
    world.client("anon").get(f"/api/v1/records/{world.ids['record_public']}")
    assert not AccessLogEntry.objects.exists()


def test_credit_check_by_shop_key(world):
    data = world.client("officer").get(
        f"/api/v1/credit-check?platform_uscc={world.platform_uscc}&shop_id=S1&purpose=监管核查").json()
    assert data["subject"]["kind"] == "shop"
    assert [r["type"] for r in data["records"]] == ["fake_order"]


def test_cipher_moved_to_another_person_does_not_decrypt(world):
    """Resident IDs are bound to their row's lookup hash: swapping ciphers between persons fails loudly."""
    from cryptography.exceptions import InvalidTag

    from ecredit.access.principal import system
    from ecredit.audit.services import Actor
    from ecredit.registry import services as registry
    from tests import factories as f

    other = registry.register({"ric": f.ric(99), "name": "赵六"}, Actor("test"))
    person = Subject.objects.get(pk=world.ids["person"])
    Subject.objects.filter(pk=other.pk).update(ric_cipher=person.ric_cipher)
    other.refresh_from_db()
    with pytest.raises(InvalidTag):
        registry.reveal_resident_id(other, system(), "核查", "test")


def test_agency_reads_neither_revoked_nor_unpublished_records(world):
    from ecredit.archive import services
    from ecredit.archive.models import CreditRecord
    from tests import factories as f

    officer = f.principal("department_officer", __import__("ecredit.access.models", fromlist=["x"])
                          .Organisation.objects.get(code="market_regulation"))
    report = services.ingest([f.penalty("WARN1", kinds=["warning"]), f.penalty("REV1")], officer)
    warning_only, revoked = report.record_ids
    services.revoke(revoked, officer, reason="复议撤销")
    agency = world.client("agency")
    assert agency.get(f"/api/v1/records/{warning_only}").status_code == 404  # never published
    assert agency.get(f"/api/v1/records/{revoked}").status_code == 404
    assert world.client("officer").get(f"/api/v1/records/{revoked}").status_code == 200  # history for departments
    assert CreditRecord.objects.get(pk=warning_only).public_from is None


def test_identifiers_in_free_text_and_person_names_in_details_are_masked(world):
    from ecredit.access.models import Organisation
    from ecredit.archive import services
    from tests import factories as f

    officer = f.principal("department_officer", Organisation.objects.get(code="market_regulation"))
    ric, phone = f.ric(31), "13912345678"
    item = f.penalty("PII1", {"ric": ric, "name": "钱七"}, legal_representative="钱七")
    item["summary"] = f"当事人钱七（身份证号{ric}，电话{phone}）销售过期食品"
    record_id = services.ingest([item], officer).record_ids[0]
    for caller in ("anon", "agency", "officer"):
        text = world.client(caller).get(f"/api/v1/records/{record_id}").content.decode("unicode_escape")
        assert ric not in text and phone not in text and '"legal_representative": "钱*"' in text.replace(" ", " ")
    full = world.client("investigator").get(f"/api/v1/records/{record_id}").json()
    assert ric in full["summary"] and full["details"]["legal_representative"] == "钱七"


def test_looking_up_a_person_is_logged(world):
    world.client("officer").get(f"/api/v1/subjects/{world.ids['person']}?purpose=核查身份")
    entry = AccessLogEntry.objects.get(data="subject")
    assert entry.subject_id == world.ids["person"] and entry.purpose == "核查身份"
    world.client("officer").get(f"/api/v1/subjects/{world.ids['company']}")
    assert AccessLogEntry.objects.filter(data="subject").count() == 1  # organisations are public
