"""Every write operation (POST, PUT, PATCH) of both OpenAPI documents, and how to call each one well: the
caller and the valid body of its row in the API authorisation matrix (tests/api). Operations are read from the
documents, so a new route is tried as soon as it exists; one with no matrix row fails, naming what to add."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

WRITE_METHODS = ("post", "put", "patch")
# The callers to act as, in order of preference: the first the matrix lets through is used.
PREFERENCE = ["officer", "platform", "admin", "investigator", "other_officer", "subject", "agency", "anon"]
# Rows the matrix lets nobody through (no courier firm among its callers): the world's courier firm, whose
# token the conftest issues.
EXTRA_CALLERS = {"lg_push_waybills": "carrier", "lg_push_scans": "carrier", "lg_push_file": "carrier"}

AGGREGATOR_CSV = ("运单号,时间,状态,地区编码,地区名称,描述\r\n"
                  "LG0000000001,2026-03-02 18:00:00,3,310101,上海市黄浦区,已签收\r\n").encode("utf-8")
HOTLINE_CSV = ("投诉单号,登记时间,登记类型,投诉人电话,被投诉方名称,投诉内容\r\n"
               "F-1,2026-01-05 09:00:00,投诉,13900001111,南通某商行,买的电饭煲收到就坏了，要求退货\r\n").encode("utf-8")
# Operations that declare no JSON body but read the raw body as a file (?filename= names it): their valid body.
RAW_FILES = {"POST /api/v1/complaints/hotlines/{hotline}/files": HOTLINE_CSV,
             "POST /api/v1/parcels/files": AGGREGATOR_CSV}
# Query strings the matrix's paths carry for file operations, replaced by ours (a file of our own).
FILE_PATHS = {"lg_push_file": "/api/v1/parcels/files?layout=aggregator_scans&filename=trace.csv"}


@dataclass(frozen=True)
class Operation:
    api: str                        # "api" (/api/v1/) or "epcis" (/epcis/)
    method: str
    path: str                       # as the document writes it, e.g. /api/v1/objections/{objection_id}/check
    media_types: tuple[str, ...]    # of its declared request body; () when it declares none
    schema: Any = None              # the JSON schema of its application/json body, $refs resolved at the top

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def json_body(self) -> bool:
        """The operation takes a JSON body (EPCIS: JSON-LD as well as XML)."""
        return self.api == "epcis" or "application/json" in self.media_types

    @property
    def raw_file(self) -> bool:
        return self.id in RAW_FILES


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path.split("?")[0])


def documents() -> dict[str, dict]:
    """The two OpenAPI documents, as /api/v1/openapi.json and /epcis/openapi.json serve them."""
    from ecredit.api import api
    from ecredit.trace.epcis_api import epcis_api

    return {"api": api.get_openapi_schema(), "epcis": epcis_api.get_openapi_schema()}


def resolve(document: dict, schema: Any) -> Any:
    """`schema` with a top-level $ref followed."""
    while isinstance(schema, dict) and "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


def operations(docs: dict[str, dict] | None = None) -> list[Operation]:
    """Every write operation of the documents, in document order."""
    found = []
    for name, document in (docs or documents()).items():
        for path, item in document["paths"].items():
            for method, operation in item.items():
                if method in WRITE_METHODS:
                    content = (operation.get("requestBody") or {}).get("content", {})
                    schema = resolve(document, content.get("application/json", {}).get("schema"))
                    found.append(Operation(name, method, path, tuple(content), schema))
    return found


def ids(ops: list) -> list[str]:
    return [op.id for op in ops]


def must_not_be_null(operation: Operation, member: str) -> bool:
    """Whether the documented body requires `member` and does not let it be null (an optional member's null
    may well mean "left out")."""
    schema = operation.schema or {}
    if member not in schema.get("required", []):
        return False
    prop = (schema.get("properties") or {}).get(member, {})
    branches = prop.get("anyOf") or prop.get("oneOf") or [prop]
    return not any(b.get("type") == "null" or "null" in (b.get("type") or []) for b in branches
                   if isinstance(b, dict))


@dataclass(frozen=True)
class Call:
    """How to call an operation successfully."""

    name: str
    path_template: str              # with the world's id names, e.g. /api/v1/objections/{objection}/check
    body: Any                       # a value or a function of the world; bytes for a raw file
    caller: str
    status: int

    def path(self, world) -> str:
        return self.path_template.format(**world.ids)

    def valid_body(self, world) -> Any:
        return self.body(world) if callable(self.body) else self.body


def matrix() -> dict[str, tuple]:
    from tests.api.test_authorisation import MATRIX

    return MATRIX


def call_for(operation: Operation) -> Call:
    """The matrix row of `operation` and a caller it lets through; AssertionError when there is none."""
    rows = [(name, row) for name, row in matrix().items()
            if row[0] == operation.method and _shape(row[1]) == _shape(operation.path)]
    assert rows, (f"{operation.id} has no row in the API authorisation matrix "
                  "(tests/api/test_authorisation.py): add one with a valid body, so its broken bodies are "
                  "tried")
    name, (_method, template, body, expected) = rows[0]
    if name in EXTRA_CALLERS:
        caller, status = EXTRA_CALLERS[name], 200
    else:
        allowed = [c for c in PREFERENCE if 200 <= expected.get(c, 0) < 300]
        if not allowed and not operation.media_types:   # no body to get right: any answer past the rights
            allowed = [c for c in PREFERENCE if expected.get(c, 0) not in (0, 401, 403, 404)]
        assert allowed, f"{operation.id}: the matrix lets no caller through ({name}): add one to EXTRA_CALLERS"
        caller, status = allowed[0], expected[allowed[0]]
    if operation.raw_file:
        body = RAW_FILES[operation.id]
    return Call(name, FILE_PATHS.get(name, template), body, caller, status)


@dataclass(frozen=True)
class Batch:
    """A route that takes many items and reports on each: a broken item is refused in the report (200), and
    the route keeps a receipt of the batch in `receipts` (so the report can be fetched again)."""

    items: tuple[str, ...]           # where the item list is in the body
    key: str | None                  # the member that identifies an item (None: the whole item does)
    receipts: frozenset[str] = frozenset()
    # "refused": the second of two items with one id is refused in the report; "absorbed": the same item
    # twice is stored once and counted as unchanged (re-sending is harmless by design).
    duplicates: str = "refused"


BATCHES = {
    "POST /api/v1/records/batches": Batch(("records",), "id", frozenset({"exchange_batch"})),
    "POST /api/v1/shops/reports": Batch(("shops",), "shop_id"),
    "POST /api/v1/marketplace/orders": Batch(("orders",), "order_id", frozenset({"marketplace_tradebatch"})),
    "POST /api/v1/marketplace/ratings": Batch(("ratings",), "order_id", frozenset({"marketplace_tradebatch"})),
    "POST /api/v1/parcels/waybills": Batch(("waybills",), "waybill_no", frozenset({"logistics_parcelbatch"})),
    "POST /api/v1/parcels/scans": Batch(("scans",), None, frozenset({"logistics_parcelbatch"}), "absorbed"),
    "POST /api/v1/complaints/hotlines/{hotline}/items": Batch(("items",), "投诉单号"),
    "POST /api/v1/complaints/platform-items": Batch(("items",), "ticket"),
    "POST /epcis/capture": Batch(("epcisBody", "eventList"), "eventID", frozenset({"trace_capturejob"}),
                                 "absorbed"),
}


def batch_of(operation: Operation) -> Batch | None:
    return BATCHES.get(operation.id)
