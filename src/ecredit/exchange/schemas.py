"""API shapes of the exchange."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema

# The request body of a batch, documented for OpenAPI; the endpoint parses it with orjson itself, since
# validating 10,000 records twice (here and against each type's details schema) would double the cost.
BATCH_BODY_SCHEMA = {
    "type": "object",
    "required": ["records"],
    "properties": {
        "batch_id": {"type": "string", "maxLength": 100,
                     "description": "Your own id of this batch; sending the same id with the same records again "
                                    "returns the first answer (replayed: true), with other records 409 "
                                    "batch_id_reused"},
        "atomic": {"type": "boolean", "default": False,
                   "description": "true: one bad record refuses the whole batch; false: good records go in and "
                                  "each bad one is reported"},
        "records": {
            "type": "array", "maxItems": 10000,
            "items": {
                "type": "object",
                "required": ["id", "type", "subject", "decided_on", "summary"],
                "properties": {
                    "id": {"type": "string", "maxLength": 100, "description": "Your own id of the record"},
                    "type": {"type": "string", "description": "Record type code (GET /record-types)"},
                    "subject": {"type": "object", "description": "{uscc, name} | {ric, name} | "
                                                                "{platform_uscc, shop_id, name}"},
                    "decided_on": {"type": "string", "format": "date"},
                    "summary": {"type": "string", "maxLength": 500},
                    "details": {"type": "object", "description": "As the record type's details_schema"},
                    "legal_basis": {"type": "string"},
                    "evidence": {"type": "array"},
                },
            },
        },
    },
}


class BatchError(Schema):
    index: int
    row: int | None = None  # the sheet row, for batches that came from a file
    id: str
    field: str
    code: str
    message: str


class BatchOut(Schema):
    batch: int
    client_batch_id: str | None
    status: str
    received: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    atomic: bool
    errors: list[BatchError]
    submitted_at: dt.datetime
    replayed: bool = False


class BatchListItem(Schema):
    id: int
    client_batch_id: str | None
    channel: str
    status: str
    received: int
    created: int
    rejected: int
    submitted_at: dt.datetime
    filename: str


def as_list_item(batch: Any) -> dict:
    return dict(id=batch.pk, client_batch_id=batch.client_batch_id, channel=batch.channel, status=batch.status,
                received=batch.received, created=batch.created, rejected=batch.rejected,
                submitted_at=batch.submitted_at, filename=batch.filename)
