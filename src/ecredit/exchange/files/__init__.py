"""Spreadsheet intake: Excel templates per record type, reading departments' files (our template or the
national "双公示" layouts, xlsx/xls via calamine, CSV in UTF-8 or GB18030), and Chinese error reports.

Decisions
---------
- **Row by row by default, atomic on request.** A file's good rows go in and each bad row comes back in
  the error report with its sheet row number (header = row 1), the column as the sheet titles it, and
  the reason in Chinese. With `atomic=True` one bad row refuses the whole file, whatever its size: rows
  found bad while reading stop every chunk from being written; otherwise all chunks go through the
  archive inside one outer transaction, and a row only the archive can refuse (a shop as the subject of
  a penalty, an update of a revoked record) rolls every chunk back, the ones before it included. The
  later chunks are still checked first, so the report names every refused row.
- **Each chunk is one Batch.** `import_file` sends at most 10,000 rows at a time (the exchange's batch
  limit, `runner.CHUNK_SIZE`) through `exchange.services.submit`, and in the same transaction makes
  the batch count every sheet row of its chunk, including rows refused while reading, whose errors it
  keeps with their sheet row (`errors[i]["row"]`). Row by row, each chunk is its own transaction. An
  atomic file that was refused keeps one Batch per chunk written after the rollback, status 全部退回,
  counting each chunk's rows as refused and listing its rows' errors (a chunk with no bad row of its
  own lists none), so the batch list says what happened to every row.
- **Re-sending the same file changes nothing.** A record is identified by the source's record id
  (记录编号, or the decision number when the sheet has none), and the archive leaves a record whose
  content is unchanged alone: a second upload reports every row as 未变化 and writes no record and
  no change-log entry. Two rows with one id in a file are refused (the later one), so chunks never
  update each other.
- **A cell never raises.** Anything that cannot be read becomes a row problem; only a file that
  cannot be used at all (unreadable, no header, a column every row needs is missing) raises
  `ValidationFailed`.
- **Formula injection.** Every string written into an xlsx starting with = + - @ gets a leading
  apostrophe (`writing.safe`).
"""

from .columns import Layout, layout, normalise_header
from .reading import ParsedFile, Problem, SheetRow, parse
from .runner import ImportResult, import_file, report_for, report_path, save_report, stored_summary
from .values import parse_date
from .writing import error_report, safe, template

__all__ = ["ImportResult", "Layout", "ParsedFile", "Problem", "SheetRow", "error_report", "import_file", "layout",
           "normalise_header", "parse", "parse_date", "report_for", "report_path", "safe", "save_report",
           "stored_summary", "template"]
