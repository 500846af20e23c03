"""Running a whole file through the exchange: chunks of at most 10,000 rows, each one batch and one
transaction (an atomic file: all its chunks in one transaction); row problems found while reading and
those the archive finds are merged per sheet row."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit.archive.services import MAX_BATCH, may_submit
from ecredit.kit.errors import Forbidden, ValidationFailed

from .. import services
from ..models import Batch, BatchStatus, Channel
from . import columns as c
from . import reading, writing
from .reading import ParsedFile, Problem, SheetRow

# progress(stage, done, total): stage "read" while rows are read, "write" as chunks are written.
Progress = Callable[[str, int, int], None]

# Rows per chunk (one Batch each); at most the exchange's batch limit. Tests lower it to exercise chunking.
CHUNK_SIZE = MAX_BATCH


@dataclass
class ImportResult:
    """What a file did: counts over all its chunks, the batches written, and the refused rows."""

    filename: str
    type_code: str
    type_name: str
    atomic: bool
    sheet: str = ""
    header_row: int = 1
    headers: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    received: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    batch_ids: list[int] = field(default_factory=list)
    refused: list[SheetRow] = field(default_factory=list)
    blocked: bool = False          # atomic: no record of the file was written because some row was refused
    finished_at: dt.datetime = field(default_factory=timezone.now)

    @property
    def rejected(self) -> int:
        return self.received - self.created - self.updated - self.unchanged

    @property
    def ok(self) -> bool:
        return self.rejected == 0

    def report(self) -> bytes:
        """The xlsx error report (汇总 and 退回明细)."""
        return writing.error_report(self)

    def as_dict(self, problems: int = 200) -> dict[str, Any]:
        """A summary that a page can show; the first `problems` row problems only."""
        listed = [{"row": r.row, "column": p.column, "field": p.field, "code": p.code, "message": p.message}
                  for r in self.refused for p in r.problems][:problems]
        return {"filename": self.filename, "type_code": self.type_code, "type_name": self.type_name,
                "atomic": self.atomic, "blocked": self.blocked, "sheet": self.sheet, "header_row": self.header_row,
                "received": self.received, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "rejected": self.rejected, "batches": self.batch_ids,
                "ignored": self.ignored, "refused_rows": len(self.refused), "problems": listed,
                "finished_at": self.finished_at.isoformat()}


def import_file(data: bytes, filename: str, type_code: str, principal, *, channel: str = Channel.EXCEL,
                atomic: bool = False, progress: Progress | None = None, chunk_size: int | None = None,
                today: dt.date | None = None) -> ImportResult:
    """Read a spreadsheet of records of `type_code` and submit it for the principal's organisation, in
    chunks of `chunk_size` rows (default CHUNK_SIZE, at most the exchange's batch limit).

    Raises ValidationFailed when the file as a whole cannot be used (unreadable, no header, a column
    every row needs is missing, no data rows) and Forbidden when the organisation may not submit the
    type; anything wrong with single rows ends up in the result's `refused` rows instead.

    With `atomic`, the file is all-or-nothing whatever its size: every chunk goes through the archive
    inside one transaction, which is rolled back if any row of any chunk is refused; each chunk then
    keeps one Batch, written after the rollback, that records the file as refused with its rows' errors.
    """
    principal.require("record.submit")
    layout = c.layout(type_code)
    if principal.organisation_id is None:
        raise Forbidden(_("报送记录须以单位身份进行"))
    if not may_submit(principal, type_code):
        raise Forbidden(_("本单位无权报送“{name}”").format(name=layout.type_name), code="source_not_allowed")
    chunk_size = max(1, min(CHUNK_SIZE if chunk_size is None else chunk_size, MAX_BATCH))
    parsed = reading.parse(data, filename, type_code, today=today,
                           progress=(lambda done, total: progress("read", done, total)) if progress else None)
    if not parsed.rows:
        raise ValidationFailed(_("文件中没有数据行"), field="file", code="empty")
    result = ImportResult(filename, type_code, layout.type_name, atomic, parsed.sheet, parsed.header_row,
                          parsed.headers, parsed.ignored)
    result.blocked = atomic and any(row.problems for row in parsed.rows)
    total = len(parsed.rows)
    chunks = [parsed.rows[start:start + chunk_size] for start in range(0, total, chunk_size)]
    if progress:
        progress("write", 0, total)

    def write(blocked: bool) -> list[Batch]:
        batches, done = [], 0
        for chunk in chunks:
            batches.append(_submit_chunk(chunk, parsed, layout, principal, channel, atomic, blocked))
            done += len(chunk)
            if progress and not blocked:
                progress("write", done, total)
        return batches

    batches: list[Batch] = []
    if atomic and not result.blocked:
        try:
            with transaction.atomic():
                batches = write(blocked=False)
                if any(batch.rejected for batch in batches):
                    raise _Refused   # later chunks were still checked, so the report names every refused row
        except _Refused:
            result.blocked = True
    if result.blocked:
        batches = write(blocked=True)   # nothing of the file is written: each chunk's batch says why
        if progress:
            progress("write", total, total)
    elif not atomic:
        batches = write(blocked=False)
    for chunk, batch in zip(chunks, batches):
        result.batch_ids.append(batch.pk)
        result.received += len(chunk)
        result.created += batch.created
        result.updated += batch.updated
        result.unchanged += batch.unchanged
    result.refused = [row for row in parsed.rows if row.problems]
    result.finished_at = timezone.now()
    return result


class _Refused(Exception):
    """An atomic file had a refused row: undo every chunk already written."""


def _submit_chunk(chunk: list[SheetRow], parsed: ParsedFile, layout: c.Layout, principal, channel: str,
                  atomic: bool, blocked: bool) -> Batch:
    """One batch in one transaction: the chunk's good rows through the exchange, then the batch made to
    account for every sheet row of the chunk (rows refused while reading included)."""
    sent = [] if blocked else [row for row in chunk if row.item is not None]
    with transaction.atomic():
        batch = services.submit([row.item for row in sent], principal, channel=channel, atomic=atomic,
                                filename=parsed.filename)
        by_id = {row.item["id"]: row for row in sent}
        for error in batch.errors:
            index = error.get("index", -1)
            row = sent[index] if 0 <= index < len(sent) else by_id.get(error.get("id"))
            if row is not None:
                row.problems.append(_archive_problem(error, parsed, layout))
        position = {id(row): index for index, row in enumerate(chunk)}
        batch.errors = [{"index": position[id(row)], "row": row.row,
                         "id": row.item["id"] if row.item else _raw_id(row, parsed), "field": p.field,
                         "code": p.code, "message": p.message}
                        for row in chunk for p in row.problems]
        batch.received = len(chunk)
        accepted = batch.created + batch.updated + batch.unchanged
        batch.rejected = batch.received - accepted
        batch.status = (BatchStatus.ACCEPTED if not batch.rejected
                        else BatchStatus.PARTIAL if accepted else BatchStatus.REJECTED)
        batch.save(update_fields=["errors", "received", "rejected", "status"])
    return batch


def _archive_problem(error: dict, parsed: ParsedFile, layout: c.Layout) -> Problem:
    target = error.get("field") or "subject"
    header = parsed.header_of(target, layout)
    message = str(error.get("message", ""))
    raw = target.split(".")[-1]
    for prefix in (target, raw):
        if prefix and message.startswith(prefix):
            message = header + message[len(prefix):]
            break
    return Problem(header, target, str(error.get("code", "")), message)


def _raw_id(row: SheetRow, parsed: ParsedFile) -> str:
    for target in (c.ID, "details.decision_no"):
        for index, _header, _scale in parsed.columns.get(target, ()):
            if index < len(row.cells) and str(row.cells[index]).strip():
                return str(row.cells[index]).strip()[:100]
    return ""


# ----------------------------------------------------------------------------------------------- stored reports


def reports_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "reports"


def report_path(batch_id: int) -> Path:
    """Where the report of the file whose first batch is `batch_id` is kept."""
    return reports_dir() / f"{int(batch_id)}.xlsx"


def save_report(result: ImportResult) -> Path:
    """Keep the xlsx report and a JSON summary under MEDIA_ROOT/reports/<first batch id>."""
    path = report_path(result.batch_ids[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(result.report())
    path.with_suffix(".json").write_text(json.dumps(result.as_dict(), ensure_ascii=False), encoding="utf-8")
    return path


def stored_summary(batch_id: int) -> dict[str, Any] | None:
    """The JSON summary kept with a report, or None."""
    path = report_path(batch_id).with_suffix(".json")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def report_for(batch_id: int, principal) -> Path | None:
    """The stored report of a batch, for its own organisation only."""
    batch = Batch.objects.filter(pk=batch_id).only("organisation_id").first()
    if batch is None or principal.organisation_id is None or batch.organisation_id != principal.organisation_id:
        return None
    path = report_path(batch_id)
    return path if path.exists() else None
