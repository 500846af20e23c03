"""The change log catches any edit or deletion made directly in the database, and names where."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from ecredit.archive import services
from ecredit.archive.models import CreditRecord
from ecredit.audit.models import ChangeLogEntry
from ecredit.audit.services import verify
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive_with_records(officer):
    services.ingest([f.penalty(f"V{i}") for i in range(20)], officer)
    record = CreditRecord.objects.order_by("id")[5]
    services.correct(record.pk, officer, summary="更正后的摘要", reason="笔误")
    assert verify().ok
    return record


def run_verify_log():
    with pytest.raises(SystemExit) as exc:
        call_command("verify-log")
    return exc.value.code


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_intact_log_verifies_with_exit_0(archive_with_records, capsys):
    call_command("verify-log")
    assert "intact" in capsys.readouterr().out


def test_edited_record_row_is_detected(archive_with_records, capsys):
    sql("UPDATE archive_creditrecord SET summary = %s WHERE id = %s", ["无违法行为", archive_with_records.pk])
    assert run_verify_log() == 1
    err = capsys.readouterr().err
    assert f"archive.creditrecord:{archive_with_records.pk} differs" in err


def test_edited_record_date_is_detected(archive_with_records):
    sql("UPDATE archive_creditrecord SET public_until = %s WHERE id = %s", ["2020-01-01", archive_with_records.pk])
    result = verify()
    assert not result.ok and f":{archive_with_records.pk}" in result.problem


def test_deleted_record_row_is_detected(archive_with_records):
    victim = CreditRecord.objects.exclude(pk=archive_with_records.pk).first()
    sql("DELETE FROM archive_creditrecord WHERE id = %s", [victim.pk])
    result = verify()
    assert not result.ok and "deleted" in result.problem and f":{victim.pk}" in result.problem


def test_edited_log_entry_is_detected_and_named(archive_with_records):
    entry = ChangeLogEntry.objects.order_by("seq")[7]
    sql("UPDATE audit_changelogentry SET actor = %s WHERE seq = %s", ["user:nobody", entry.seq])
    result = verify()
    assert not result.ok and result.bad_seq == entry.seq and "altered" in result.problem


def test_deleted_log_entry_is_detected(archive_with_records):
    sql("DELETE FROM audit_changelogentry WHERE seq = %s", [10])
    result = verify()
    assert not result.ok and result.bad_seq == 10 and "missing" in result.problem


def test_truncated_log_tail_is_detected(archive_with_records):
    last = ChangeLogEntry.objects.order_by("-seq").first().seq
    sql("DELETE FROM audit_changelogentry WHERE seq = %s", [last])
    result = verify()
    assert not result.ok and "removed" in result.problem


def test_rehashed_forgery_of_one_entry_breaks_the_next(archive_with_records):
    """Someone who recomputes one entry's hash still breaks the link to the next one."""
    from ecredit.audit.services import _iso, entry_bytes
    from ecredit.kit.crypto import chain_hash

    entry = ChangeLogEntry.objects.order_by("seq")[3]
    forged = chain_hash(entry.prev_hash, entry_bytes(entry.seq, _iso(entry.at), "user:forger", entry.organisation,
                                                     entry.action, entry.model, entry.object_id, entry.state,
                                                     entry.reason))
    sql("UPDATE audit_changelogentry SET actor = %s, hash = %s WHERE seq = %s", ["user:forger", forged, entry.seq])
    result = verify()
    assert not result.ok and result.bad_seq == entry.seq + 1


def test_rewriting_the_whole_chain_is_caught_by_the_signed_checkpoints(archive_with_records):
    """An attacker who edits an entry and recomputes every later hash still fails the signatures."""
    from ecredit.audit.services import _iso, entry_bytes
    from ecredit.kit.crypto import chain_hash

    entries = list(ChangeLogEntry.objects.order_by("seq"))
    entries[2].reason = "rewritten"
    prev = entries[1].hash
    for entry in entries[2:]:
        entry.prev_hash = prev
        entry.hash = chain_hash(prev, entry_bytes(entry.seq, _iso(entry.at), entry.actor, entry.organisation,
                                                  entry.action, entry.model, entry.object_id, entry.state,
                                                  entry.reason))
        prev = entry.hash
        ChangeLogEntry.objects.filter(seq=entry.seq).update(prev_hash=entry.prev_hash, hash=entry.hash,
                                                            reason=entry.reason)
    sql("UPDATE audit_chainhead SET hash = %s", [prev])
    result = verify()
    assert not result.ok and "signed checkpoint" in result.problem


def test_deleting_the_checkpoints_is_caught(archive_with_records):
    sql("DELETE FROM audit_chaincheckpoint")
    result = verify()
    assert not result.ok and "no signature" in result.problem


def test_every_write_ends_signed(archive_with_records):
    from ecredit.audit.models import ChainCheckpoint, ChainHead

    head = ChainHead.objects.get()
    assert ChainCheckpoint.objects.order_by("-seq").first().seq == head.seq


def test_forged_checkpoint_signature_is_caught(archive_with_records):
    from ecredit.audit.models import ChainCheckpoint

    newest = ChainCheckpoint.objects.order_by("-seq").first()
    ChainCheckpoint.objects.filter(seq=newest.seq).update(signature="00" * 64)
    assert "invalid signature" in verify().problem


def test_sign_log_resigns_the_head(archive_with_records, capsys):
    call_command("sign-log")
    assert "signed entry" in capsys.readouterr().out
    assert verify().ok


def test_sign_log_refuses_to_sign_a_broken_chain(archive_with_records, capsys):
    sql("UPDATE audit_changelogentry SET reason = %s WHERE seq = %s", ["rewritten", 3])
    with pytest.raises(SystemExit) as exc:
        call_command("sign-log")
    assert exc.value.code == 1 and "refusing" in capsys.readouterr().err
