"""Backup and restore round-trip the database, the key file and uploaded files; a bad archive changes nothing."""

from __future__ import annotations

import base64
import io
import json
import tarfile

import pytest
from django.conf import settings
from django.core.management import call_command

from ecredit.archive.models import CreditRecord
from ecredit.audit.services import verify
from ecredit.ops.backup import BackupError, make_backup, read_manifest, restore_backup
from ecredit.portal import reports
from ecredit.portal.models import CreditReport
from tests import factories
from ecredit.access.principal import anonymous

PASS = "a long passphrase 2026"


@pytest.fixture
def deployment(tmp_path, monkeypatch, settings):
    """This deployment's key file (the keys in use) and a media folder with one uploaded file."""
    keys = settings.KEYS
    key_file = tmp_path / "secrets" / "keys.json"
    key_file.parent.mkdir()
    key_file.write_text(json.dumps({
        "django_secret": keys.django_secret, "data_key": base64.b64encode(keys.data_key).decode(),
        "lookup_key": base64.b64encode(keys.lookup_key).decode(),
        "signing_key": base64.b64encode(keys.signing_key).decode()}))
    monkeypatch.setenv("ECREDIT_KEY_FILE", str(key_file))
    settings.MEDIA_ROOT = tmp_path / "media"
    upload = settings.MEDIA_ROOT / "reports" / "7" / "errors.xlsx"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(b"PK\x03\x04 uploaded report")
    return key_file, upload


def _rewrite(archive, name: str, change) -> None:
    """Rewrite one member of a backup archive (an attacker or a bad disk)."""
    with tarfile.open(archive, "r:gz") as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    with tarfile.open(archive, "w:gz") as tar:
        for member, data in members:
            if member.name == name:
                data = change(data)
                member.size = len(data)
            tar.addfile(member, io.BytesIO(data))


@pytest.mark.django_db(transaction=True)
def test_restore_brings_back_rows_keys_and_files_and_everything_verifies(town, officer, deployment, tmp_path):
    key_file, upload = deployment
    report = reports.issue_report(town.company.pk, anonymous())
    archive = tmp_path / "backup.tar.gz"
    made = make_backup(archive, PASS)
    manifest = read_manifest(archive)
    assert manifest["rows"]["archive.creditrecord"] == CreditRecord.objects.count() == made.rows["archive.creditrecord"]
    assert b"data_key" not in archive.read_bytes()        # the keys are sealed, never in clear
    records_then = set(CreditRecord.objects.values_list("pk", "status", "summary"))

    # After the backup: a new record, a lost upload, a lost key file.
    factories_report = factories.penalty("P-AFTER", {"uscc": town.company.uscc, "name": town.company.name})
    from ecredit.archive import services as archive_services
    archive_services.ingest([factories_report], officer)
    upload.unlink()
    key_file.unlink()

    restored = restore_backup(archive, PASS)
    assert restored.log_ok, restored.log_problem
    assert set(CreditRecord.objects.values_list("pk", "status", "summary")) == records_then
    assert restored.rows == manifest["rows"]
    assert upload.read_bytes() == b"PK\x03\x04 uploaded report"
    assert json.loads(key_file.read_text())["data_key"] == base64.b64encode(settings.KEYS.data_key).decode()
    assert verify().ok
    again = CreditReport.objects.get(code=report.code)
    assert reports.signature_ok(again)
    assert reports.verify_pdf(bytes(again.pdf)).verdict == "valid"
    assert reports.verify_code(report.code).verdict == "valid"
    # Sequences go on after the restored rows: a new record gets a new id.
    archive_services.ingest([factories.penalty("P-NEXT", {"uscc": town.company.uscc, "name": town.company.name})],
                            officer)
    assert CreditRecord.objects.count() == len(records_then) + 1


@pytest.mark.django_db(transaction=True)
def test_wrong_passphrase_or_damaged_archive_changes_nothing(town, officer, deployment, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    make_backup(archive, PASS)
    from ecredit.archive import services as archive_services
    archive_services.ingest([factories.penalty("P-KEEP", {"uscc": town.company.uscc, "name": town.company.name})],
                            officer)
    count = CreditRecord.objects.count()
    with pytest.raises(BackupError, match="口令"):
        restore_backup(archive, "not the passphrase")
    damaged = tmp_path / "damaged.tar.gz"
    damaged.write_bytes(archive.read_bytes())
    _rewrite(damaged, "database.jsonl", lambda data: data.replace(b"\xe5\x8d\x97\xe9\x80\x9a", b"\xe5\x8d\x97\xe4\xba\xac", 1))
    with pytest.raises(BackupError, match="校验值不符"):
        restore_backup(damaged, PASS)
    assert CreditRecord.objects.count() == count and verify().ok


@pytest.mark.django_db(transaction=True)
def test_a_different_key_file_is_kept_unless_replacement_is_asked_for(town, deployment, tmp_path):
    key_file, _ = deployment
    archive = tmp_path / "backup.tar.gz"
    make_backup(archive, PASS)
    original = key_file.read_text()
    key_file.write_text(original.replace('"django_secret": "', '"django_secret": "other-'))
    with pytest.raises(BackupError, match="replace-keys"):
        restore_backup(archive, PASS)
    assert restore_backup(archive, PASS, replace_keys=True).log_ok
    assert key_file.read_text() == original


def test_short_passphrase_is_refused(db, deployment, tmp_path):
    with pytest.raises(BackupError, match="12"):
        make_backup(tmp_path / "b.tar.gz", "short")
    assert not (tmp_path / "b.tar.gz").exists()


@pytest.mark.django_db(transaction=True)
def test_commands_round_trip(town, deployment, tmp_path, capsys):
    secret = tmp_path / "pass.txt"
    secret.write_text(PASS + "\n")
    archive = tmp_path / "cmd.tar.gz"
    call_command("backup", str(archive), "--passphrase-file", str(secret))
    call_command("restore", str(archive), "--passphrase-file", str(secret))
    out = capsys.readouterr().out
    assert "backup written" in out and "change log intact" in out
