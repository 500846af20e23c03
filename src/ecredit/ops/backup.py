"""Backups of a whole deployment: the database, the key file and the uploaded files, in one tar archive.

The archive holds `manifest.json` (format, when, which Django migrations the data needs, row counts, the change
log's head, and the SHA-256 of every other member), `database.jsonl` (every table through Django's serialiser,
so a SQLite backup restores into PostgreSQL and back), `keys.enc` (the key file, SM4-GCM under a key derived
with scrypt from a passphrase: the keys decrypt every resident ID, so they never leave the machine in clear) and
`media/...` (uploaded and generated files).

A restore goes into a database at the same migrations: it checks every checksum and the passphrase before
touching anything, empties the database, loads the rows in one transaction, resets the sequences, writes the key
file and the files, then verifies the change log. Sessions are not kept (everyone logs in again).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder

from ecredit.kit import crypto
from ecredit.kit.errors import DomainError

FORMAT = "ecredit-backup/1"
SERIALISATION = "jsonl_exact"
EXCLUDED = ["sessions", "ops"]   # sessions and shared counters (request limits) end with a restore
_SCRYPT = {"length": 16, "n": 2**15, "r": 8, "p": 1}


class BackupError(DomainError):
    """A backup that cannot be made or restored; says why."""

    code = "backup_invalid"
    http_status = 400


@dataclass
class BackupSummary:
    """What a backup holds or what a restore did."""

    path: str
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    log_head: int = 0
    log_ok: bool | None = None
    log_problem: str = ""


def _register() -> None:
    if SERIALISATION not in serializers.get_serializer_formats():
        serializers.register_serializer(SERIALISATION, "ecredit.ops.exact_jsonl")


def _derive(passphrase: str, salt: bytes) -> bytes:
    return Scrypt(salt=salt, **_SCRYPT).derive(passphrase.encode("utf-8"))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _migrations() -> dict[str, str]:
    """The last applied migration of each app: a restore needs the same."""
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).migration_qs.order_by("app", "name").values_list("app", "name"):
        latest[app] = max(latest.get(app, ""), name)
    return latest


def _row_counts() -> dict[str, int]:
    counts = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label in EXCLUDED or not model._meta.managed or model._meta.proxy:
            continue
        counts[label] = model._base_manager.count()
    return counts


def _log_head() -> int:
    from ecredit.audit.models import ChangeLogEntry

    return ChangeLogEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def _key_file() -> Path:
    return Path(os.environ.get("ECREDIT_KEY_FILE") or Path(settings.HOME_DIR) / "secrets" / "keys.json")


def make_backup(path: str | os.PathLike, passphrase: str) -> BackupSummary:
    """Write a backup archive of the database, the key file and MEDIA_ROOT to `path`."""
    if len(passphrase) < 12:
        raise BackupError("备份口令至少12个字符（用于加密密钥文件）")
    key_file = _key_file()
    if not key_file.exists():
        raise BackupError(f"找不到密钥文件 {key_file}（密钥由环境变量提供时请另行保管）")
    path = Path(path)
    media = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        dump = tmp / "database.jsonl"
        # One read transaction, so rows and the manifest's counts describe the same moment.
        with transaction.atomic():
            _register()
            call_command("dumpdata", format=SERIALISATION, output=str(dump), exclude=EXCLUDED, use_base_manager=True,
                         verbosity=0)
            counts, head, migrations = _row_counts(), _log_head(), _migrations()
        salt = os.urandom(16)
        sealed = crypto.encrypt(_derive(passphrase, salt), key_file.read_text(), b"ecredit-backup-keys")
        (tmp / "keys.enc").write_bytes(salt + sealed)
        members = {"database.jsonl": dump, "keys.enc": tmp / "keys.enc"}
        if media.exists():
            for file in sorted(p for p in media.rglob("*") if p.is_file()):
                members["media/" + file.relative_to(media).as_posix()] = file
        manifest = {
            "format": FORMAT, "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "vendor": connection.vendor, "migrations": migrations, "rows": counts, "log_head": head,
            "scrypt": _SCRYPT, "files": {name: _sha256(file) for name, file in members.items()},
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime, info.mode = len(data), int(dt.datetime.now().timestamp()), 0o600
            tar.addfile(info, io.BytesIO(data))
            for name, file in members.items():
                tar.add(file, arcname=name, recursive=False)
        os.chmod(partial, 0o600)
        partial.replace(path)   # never leave a half-written archive under the final name
    return BackupSummary(str(path), counts, sum(1 for n in members if n.startswith("media/")), head)


def _safe_member(name: str) -> bool:
    p = Path(name)
    return not p.is_absolute() and ".." not in p.parts


def read_manifest(path: str | os.PathLike) -> dict:
    """The manifest of a backup archive."""
    with tarfile.open(path, "r:gz") as tar:
        member = tar.extractfile("manifest.json")
        if member is None:
            raise BackupError("备份文件缺少 manifest.json")
        manifest = json.loads(member.read())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不支持的备份格式：{manifest.get('format')!r}")
    return manifest


def restore_backup(path: str | os.PathLike, passphrase: str, *, replace_keys: bool = False) -> BackupSummary:
    """Replace this deployment's data with the backup at `path`; checks everything before changing anything."""
    from ecredit.audit.services import verify

    manifest = read_manifest(path)
    here = _migrations()
    if manifest["migrations"] != here:
        differ = sorted(a for a in set(here) | set(manifest["migrations"])
                        if here.get(a) != manifest["migrations"].get(a))
        raise BackupError("备份与本系统的数据库结构版本不一致（先迁移到相同版本）：" + ", ".join(differ))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with tarfile.open(path, "r:gz") as tar:
            for member in tar.getmembers():
                if member.name == "manifest.json":
                    continue
                if not member.isfile() or not _safe_member(member.name) or member.name not in manifest["files"]:
                    raise BackupError(f"备份文件含有不应存在的内容：{member.name}")
                tar.extract(member, tmp, filter="data")
        for name, digest in manifest["files"].items():
            file = tmp / name
            if not file.exists() or _sha256(file) != digest:
                raise BackupError(f"备份文件已损坏：{name} 校验值不符")
        blob = (tmp / "keys.enc").read_bytes()
        try:
            key_text = crypto.decrypt(_derive(passphrase, blob[:16]), blob[16:], b"ecredit-backup-keys")
        except Exception as exc:
            raise BackupError("备份口令不正确，或密钥部分已损坏") from exc
        key_file = _key_file()
        if key_file.exists() and key_file.read_text() != key_text and not replace_keys:
            raise BackupError(f"本机已有不同的密钥文件 {key_file}；确认要用备份中的密钥替换时加 --replace-keys")

        with transaction.atomic():
            call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
            _register()
            call_command("loaddata", str(tmp / "database.jsonl"), format=SERIALISATION, verbosity=0)
            _reset_sequences()
        key_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = key_file.with_name(key_file.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key_text)
        partial.replace(key_file)
        media = Path(settings.MEDIA_ROOT)
        files = 0
        for name in manifest["files"]:
            if name.startswith("media/"):
                target = media / name[len("media/"):]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes((tmp / name).read_bytes())
                files += 1
    result = verify()
    return BackupSummary(str(path), _row_counts(), files, _log_head(), result.ok, result.problem or "")


def _reset_sequences() -> None:
    """PostgreSQL's id sequences continue after the loaded rows (SQLite needs nothing)."""
    if connection.vendor != "postgresql":
        return
    from django.core.management.color import no_style

    models = [m for m in apps.get_models() if m._meta.managed and not m._meta.proxy]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)


def passphrase_from(file: str | None) -> str:
    """The backup passphrase from a file (first line) or ECREDIT_BACKUP_PASSPHRASE."""
    if file:
        return Path(file).read_text(encoding="utf-8").splitlines()[0] if Path(file).exists() else ""
    return os.environ.get("ECREDIT_BACKUP_PASSPHRASE", "")
