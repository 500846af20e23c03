"""Writing and verifying the change log; writing the access log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from django.db import connection
from django.utils import timezone

from ecredit.kit.canonical import canonical_json
from ecredit.kit.crypto import chain_hash, ed25519_public_hex, ed25519_sign, ed25519_verify

from .models import AccessLogEntry, ChainCheckpoint, ChainHead, ChangeLogEntry

GENESIS = "0" * 64
_INSERT = (
    "INSERT INTO audit_changelogentry (seq, at, actor, organisation, action, model, object_id, state, reason,"
    " prev_hash, hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


@dataclass(frozen=True)
class Actor:
    """Who writes: a label (user:…, client:…, system:…) and the organisation code it acts for."""

    label: str
    organisation: str = ""


SYSTEM = Actor("system", "")


def entry_bytes(seq: int, at: str, actor: str, organisation: str, action: str, model: str, object_id: int,
                state: str, reason: str) -> bytes:
    """The bytes an entry's hash covers: its fields as one canonical JSON array (so no field's text can
    be shifted into another), a newline, and `state`, which is already canonical JSON text."""
    return canonical_json([seq, at, actor, organisation, action, model, object_id, reason]) + b"\n" + \
        state.encode("utf-8")


def lock_chain() -> ChainHead:
    """Take the change log's lock (the chain head row) for the rest of the transaction.

    Every write service takes it first, before locking any other row, so that writers queue in one
    order and never deadlock; on SQLite the IMMEDIATE transaction already serialises writers."""
    if not connection.in_atomic_block:
        raise RuntimeError("the change log is written inside a transaction")
    ChainHead.objects.bulk_create([ChainHead(id=1, seq=0, hash=GENESIS)], ignore_conflicts=True)
    return ChainHead.objects.select_for_update().get(id=1)


def _iso(at: dt.datetime) -> str:
    return at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def logged_write(function):
    """Decorator for a service that writes logged objects: one transaction, and the change log's lock taken
    before anything else, so every writer locks rows in the same order (no deadlocks on PostgreSQL)."""
    import functools

    from django.db import transaction

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with transaction.atomic():
            lock_chain()
            return function(*args, **kwargs)

    return wrapper


class ChainWriter:
    """Appends entries inside the caller's transaction; holds the chain head's lock until commit.

    Use as `with ChainWriter() as log: log.append(...)`; entries are written in one executemany when
    the block ends, and the head moves with them, so a rolled-back transaction leaves no trace.
    """

    def __init__(self, at: dt.datetime | None = None) -> None:
        self.at = at or timezone.now()
        self.at_text = _iso(self.at)
        self.at_db = connection.ops.adapt_datetimefield_value(self.at)  # one conversion per writer, not per row
        self.rows: list[tuple] = []

    def __enter__(self) -> "ChainWriter":
        head = lock_chain()
        self.seq, self.hash = head.seq, head.hash
        return self

    def append(self, actor: Actor, action: str, model: str, object_id: int, state: str,
               reason: str = "") -> int:
        """Add one entry; `state` is the object's canonical JSON after the change. Returns its seq."""
        self.seq += 1
        digest = chain_hash(self.hash, entry_bytes(self.seq, self.at_text, actor.label, actor.organisation,
                                                   action, model, object_id, state, reason))
        self.rows.append((self.seq, self.at_db, actor.label, actor.organisation, action, model, object_id,
                          state, reason, self.hash, digest))
        self.hash = digest
        return self.seq

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None and self.rows:
            with connection.cursor() as cursor:
                cursor.executemany(_INSERT, self.rows)
            ChainHead.objects.filter(id=1).update(seq=self.seq, hash=self.hash)
            _sign(self.seq, self.hash)
            self.rows = []


# Models whose rows must match their last log entry: label -> function yielding (id, canonical state).
StateReader = Callable[[], Iterator[tuple[int, str]]]
_STATE_READERS: dict[str, StateReader] = {}


def register_state(model_label: str, reader: StateReader) -> None:
    """Declare that rows of `model_label` are logged with the state that `reader` recomputes."""
    _STATE_READERS[model_label] = reader


@dataclass
class VerifyResult:
    """Outcome of a verification: ok, entries checked, and the first problem found."""

    ok: bool
    entries: int
    objects: int
    problem: str = ""
    bad_seq: int | None = None


def _checkpoint_message(seq: int, digest: str) -> bytes:
    return f"ecredit-changelog:{seq}:{digest}".encode("ascii")


def _sign(seq: int, digest: str) -> ChainCheckpoint:
    """Sign the chain head with the deployment's Ed25519 key. Every writing transaction ends with one, so
    the newest entry is always signed and rewriting the chain (recomputing every hash) cannot go unseen."""
    from django.conf import settings

    key = settings.KEYS.signing_key
    return ChainCheckpoint.objects.create(seq=seq, hash=digest, signed_at=timezone.now(),
                                          signature=ed25519_sign(key, _checkpoint_message(seq, digest)),
                                          public_key=ed25519_public_hex(key))


def _trusted_keys() -> set[str]:
    """Public keys whose checkpoints are trusted: this deployment's, and retired ones named in
    ECREDIT_TRUSTED_LOG_KEYS (comma-separated hex) after a key rotation."""
    import os

    from django.conf import settings

    retired = {k.strip() for k in os.environ.get("ECREDIT_TRUSTED_LOG_KEYS", "").split(",") if k.strip()}
    return {ed25519_public_hex(settings.KEYS.signing_key)} | retired


def verify(chunk: int = 5000) -> VerifyResult:
    """Recompute the chain from the first entry, check every signed checkpoint against it, and compare
    every logged object with its last entry."""
    trusted = _trusted_keys()
    checkpoints = {}
    for point in ChainCheckpoint.objects.order_by("seq"):
        if point.public_key not in trusted or not ed25519_verify(
                point.public_key, _checkpoint_message(point.seq, point.hash), point.signature):
            return VerifyResult(False, 0, 0, f"checkpoint at entry #{point.seq} has an invalid signature", point.seq)
        checkpoints[point.seq] = point.hash
    expected_prev, expected_seq, count = GENESIS, 1, 0
    latest: dict[tuple[str, int], tuple[int, str]] = {}
    fields = ("seq", "at", "actor", "organisation", "action", "model", "object_id", "state", "reason",
              "prev_hash", "hash")
    for row in ChangeLogEntry.objects.order_by("seq").values_list(*fields).iterator(chunk_size=chunk):
        seq, at, actor, organisation, action, model, object_id, state, reason, prev_hash, digest = row
        if seq != expected_seq:
            return VerifyResult(False, count, 0, f"entry #{expected_seq} is missing (next is #{seq})", expected_seq)
        if prev_hash != expected_prev:
            return VerifyResult(False, count, 0, f"entry #{seq} does not follow entry #{seq - 1}", seq)
        if chain_hash(prev_hash, entry_bytes(seq, _iso(at), actor, organisation, action, model, object_id,
                                             state, reason)) != digest:
            return VerifyResult(False, count, 0, f"entry #{seq} was altered (hash mismatch)", seq)
        if seq in checkpoints and checkpoints.pop(seq) != digest:
            return VerifyResult(False, count, 0, f"entry #{seq} differs from its signed checkpoint: the chain "
                                "was rewritten", seq)
        latest[(model, object_id)] = (seq, state)
        expected_prev, expected_seq, count = digest, seq + 1, count + 1
    if checkpoints:
        seq = min(checkpoints)
        return VerifyResult(False, count, 0, f"signed checkpoint #{seq} is beyond the end of the chain: "
                            "entries were removed", seq)
    head = ChainHead.objects.filter(id=1).first()
    if head and (head.seq != expected_seq - 1 or head.hash != expected_prev):
        return VerifyResult(False, count, 0, f"entries after #{expected_seq - 1} were removed "
                            f"(chain head says #{head.seq})", expected_seq)
    newest = ChainCheckpoint.objects.order_by("-seq").first()
    if count and (newest is None or newest.seq != expected_seq - 1):
        signed = newest.seq if newest else 0
        return VerifyResult(False, count, 0, f"entries after #{signed} carry no signature: checkpoints were "
                            "removed or entries written outside the archive", signed + 1)
    checked = 0
    for label, reader in _STATE_READERS.items():
        present = set()
        for object_id, state in reader():
            present.add(object_id)
            checked += 1
            logged = latest.get((label, object_id))
            if logged is None:
                return VerifyResult(False, count, checked, f"{label}:{object_id} has no change-log entry")
            if logged[1] != state:
                return VerifyResult(False, count, checked, f"{label}:{object_id} differs from its last "
                                    f"change-log entry #{logged[0]}", logged[0])
        for (model, object_id), (seq, state) in latest.items():
            if model == label and object_id not in present and state != "null":
                return VerifyResult(False, count, checked, f"{label}:{object_id} was deleted outside the "
                                    f"archive (last entry #{seq})", seq)
    return VerifyResult(True, count, checked)


def record_access(actor: Actor, subject_id: int | None, data: str, purpose: str, channel: str) -> None:
    """Log a read of non-public data."""
    AccessLogEntry.objects.create(actor=actor.label, organisation=actor.organisation, subject_id=subject_id,
                                  data=data[:200], purpose=purpose[:500], channel=channel[:40])


def record_accesses(actor: Actor, subject_ids: Iterable[int], data: str, purpose: str, channel: str) -> None:
    """Log one read of non-public data that covered several subjects."""
    AccessLogEntry.objects.bulk_create(
        AccessLogEntry(actor=actor.label, organisation=actor.organisation, subject_id=sid, data=data[:200],
                       purpose=purpose[:500], channel=channel[:40])
        for sid in subject_ids
    )


def state_text(value: object) -> str:
    """Canonical JSON text of an object's state, as stored in the log."""
    return canonical_json(value).decode("utf-8")


