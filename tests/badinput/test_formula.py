"""A formula-injection string (`=cmd|' /C calc'!A0`) in each text member of an otherwise valid body: refused
(the member has a format it breaks), or accepted and kept as the very text it is."""

from __future__ import annotations

import pytest

from .bodies import FORMULA, formula
from .checks import AUDIT, all_tables, judge, tables_holding
from .operations import batch_of, call_for, operations

pytestmark = pytest.mark.django_db

JSON_OPS = [op for op in operations() if op.json_body]
READS = {"audit_accesslogentry"}   # a check that reads (verification, a credit check) writes only its access log
# Members kept only masked, by design (personal data): the formula's first character stays, the rest is starred.
MASKED = {("POST /api/v1/compensation/claims", "consumer_name")}


def _kept(outcome, before_seq: int) -> bool:
    """The formula is stored verbatim: in the change log (an entry's state or reason), a table the request
    added rows to, or (an update) any table."""
    from ecredit.audit.models import ChangeLogEntry

    new = ChangeLogEntry.objects.filter(seq__gt=before_seq)
    if new.filter(state__contains=FORMULA).exists() or new.filter(reason__contains=FORMULA).exists():
        return True
    return bool(tables_holding(FORMULA, [t for t in outcome.changed if t not in AUDIT])
                or tables_holding(FORMULA, all_tables()))


@pytest.mark.parametrize("op", JSON_OPS, ids=[op.id for op in JSON_OPS])
def test_formula_text_is_refused_or_kept_as_text(world, op):
    from django.db import transaction

    from ecredit.audit.models import ChainHead

    call, batch = call_for(op), batch_of(op)
    media = "application/ld+json" if op.api == "epcis" else "application/json"
    wrong = []
    for label, data, _ct in formula(call.valid_body(world)):
        sid = transaction.savepoint()
        seq = ChainHead.objects.values_list("seq", flat=True).first() or 0
        outcome = judge(world, call.caller, call.path(world), label, data, media, api=op.api, may_accept=True,
                        batch_receipts=batch.receipts if batch else None)
        if outcome.wrong:
            wrong.append(str(outcome))
        elif outcome.accepted and set(outcome.changed) - READS and (op.id, label) not in MASKED \
                and not _kept(outcome, seq):
            wrong.append(f"{label}: accepted ({outcome.status}), the text is nowhere it wrote: "
                         f"{sorted(outcome.changed)}")
        transaction.savepoint_rollback(sid)
    assert not wrong, "\n".join(wrong)
