"""Hostile and broken uploads change nothing: no batch, no record, no change-log entry; the refusal says why."""

from __future__ import annotations

import pytest

from ecredit.archive.models import CreditRecord
from ecredit.audit.models import ChangeLogEntry
from ecredit.exchange import files
from ecredit.exchange.models import Batch
from ecredit.kit.errors import ValidationFailed
from tests import factories as f
from tests.exchange import sheets as s
from tests.test_uploads import bomb

pytestmark = pytest.mark.django_db


def _nothing_written(before: tuple[int, int, int]) -> None:
    assert (Batch.objects.count(), CreditRecord.objects.count(), ChangeLogEntry.objects.count()) == before


def _counts() -> tuple[int, int, int]:
    return Batch.objects.count(), CreditRecord.objects.count(), ChangeLogEntry.objects.count()


@pytest.mark.parametrize("name, data, code", [
    ("bomb.xlsx", bomb(30), "too_large"),
    ("cut.xlsx", s.xlsx(s.PENALTY_HEADERS, [s.penalty_row("南通甲", f.uscc(1), "文号1", "罚款", "2019-03-05")])[:900],
     "unreadable"),
    ("gbk-garbage.csv", bytes(range(128, 256)) * 50, "bad_encoding"),
    ("huge-cell.xlsx", s.xlsx(s.PENALTY_HEADERS, [s.penalty_row("南通甲", f.uscc(1), "文号1", "罚款", "2019-03-05",
                                                              facts="违" * 40_000)]), "cell_too_long"),
], ids=["bomb", "truncated", "undecodable", "huge-cell"])
def test_a_bad_file_is_refused_whole_and_writes_nothing(officer, name, data, code):
    before = _counts()
    with pytest.raises(ValidationFailed) as caught:
        files.import_file(data, name, "admin_penalty_general", officer)
    assert caught.value.code == code and str(caught.value.message)
    _nothing_written(before)


def test_formula_text_and_duplicate_ids_are_row_problems_not_crashes(officer):
    good = f.uscc(2001)
    rows = [s.penalty_row("=cmd|' /C calc'!A0", good, "通市监罚〔2019〕9号", "罚款", "2019-03-05", fine=1),
            s.penalty_row("南通乙", f.uscc(2002), "通市监罚〔2019〕9号", "罚款", "2019-03-05", fine=1)]
    result = files.import_file(s.xlsx(s.PENALTY_HEADERS, rows), "dup.xlsx", "admin_penalty_general", officer)
    assert result.rejected >= 1          # the repeated decision number is named as a row problem
    report = result.report()
    from openpyxl import load_workbook
    import io

    for sheet in load_workbook(io.BytesIO(report)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
