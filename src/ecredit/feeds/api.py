"""Feed endpoints (R14.2): `/feeds/grades` and `/feeds/lists`, signed pages with a cursor each."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from ninja import Router, Schema

from . import services

router = Router(tags=["feeds"])

_VERIFY = """
**Who**: platform clients (`platform_client` tokens of a platform) and the city credit office; anyone else is
refused (401 without credentials, 403 otherwise). A platform sees every organisation, its own shops, and persons
only where they run one of its shops (`your_shops` lists those shop ids). Persons are always masked
(`张**`) and never carry a resident ID; organisations carry their USCC, shops their platform's USCC and shop id.

**What for**: platforms apply the city's credit evaluation and lists in their own ranking, traffic allocation,
promotions and credit points — favouring trustworthy subjects and restraining listed ones (plan task 14, R14.2).

**Paging**: start with `cursor=0`; each page gives `next_cursor` (pass it as `cursor` next time) and `has_more`.
Items come in sequence order, none twice, none skipped; store `next_cursor` only after you have processed the
page. When `has_more` is false, poll again later with the same `next_cursor`.

**Signature**: the body is canonical JSON (keys sorted, no insignificant spaces, UTF-8) and is signed as sent.
Header `X-Signature: ed25519=<signature hex>; key=<public key hex>`. Verify the signature over the raw body
bytes with the public key, and check that the key is the one published at `GET /api/v1/reports/signing-key`
(fetch it once and pin it; do not trust the key in the header alone). Python:

```python
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
parts = dict(p.strip().split("=", 1) for p in response.headers["X-Signature"].split(";"))
assert parts["key"] == pinned_public_key_hex
Ed25519PublicKey.from_public_bytes(bytes.fromhex(parts["key"])).verify(
    bytes.fromhex(parts["ed25519"]), response.content)   # raises InvalidSignature if altered
```
The body names the feed and the cursor it answers, so a page cannot be replayed as another.
"""

_SIGNED = {"responses": {"200": {"description": "A signed page", "headers": {"X-Signature": {
    "description": "ed25519=<hex signature over the body bytes>; key=<hex Ed25519 public key>",
    "schema": {"type": "string"}}}}}}


class SubjectRef(Schema):
    id: int
    kind: str
    name: str
    uscc: str | None = None
    platform_uscc: str | None = None
    shop_id: str | None = None
    your_shops: list[str] | None = None


class GradeItem(Schema):
    seq: int
    subject: SubjectRef
    model_code: str
    model_version: str
    old_grade: str | None
    new_grade: str
    score: str
    at: dt.datetime


class GradePage(Schema):
    feed: str
    cursor: int
    limit: int
    items: list[GradeItem]
    next_cursor: int
    has_more: bool
    generated_at: dt.datetime


class ListRecord(Schema):
    id: int
    type: str
    type_name: str
    type_name_en: str
    category: str
    status: str
    decided_on: dt.date | None
    public_from: dt.date | None
    public_until: dt.date | None


class ListItem(Schema):
    seq: int
    event: str                 # listed | delisted
    action: str                # the archive's action: create, revoke, objection_upheld_revoked, repaired, expire
    at: dt.datetime
    record: ListRecord
    subject: SubjectRef


class ListPage(Schema):
    feed: str
    cursor: int
    limit: int
    items: list[ListItem]
    next_cursor: int
    has_more: bool
    generated_at: dt.datetime


def _signed_response(page: dict) -> HttpResponse:
    body, signature = services.signed(page)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["X-Signature"] = signature
    response["Cache-Control"] = "private, no-store"
    return response


@router.get("/feeds/grades", response=GradePage, openapi_extra=_SIGNED,
            summary="Grade changes for platforms (signed; cursor = grade change seq)",
            description="Changes of subjects' credit grades under the evaluation models in force (and first grades), "
                        "in order. `score` is a decimal string; `old_grade` is null for a first grade.\n" + _VERIFY)
def grade_feed(request, cursor: int = 0, limit: int = services.DEFAULT_LIMIT):
    return _signed_response(services.grade_page(request.auth, cursor, limit))


@router.get("/feeds/lists", response=ListPage, openapi_extra=_SIGNED,
            summary="List changes for platforms (signed; cursor = change-log seq)",
            description="Entries of the abnormal-operations list, the serious-violation list and the dishonest "
                        "judgment debtors (catalog categories `list`, `judicial`) entering public view (`listed`: "
                        "recorded, inside its publicity window) or leaving it (`delisted`: revoked, repaired, or "
                        "expired — an entry whose window ended or whose removal date was reported leaves on the day "
                        "the daily expiry marks it). Its cursor is the archive change log's sequence number, "
                        "separate from the grade feed's; other log entries are passed over, so a page may hold fewer "
                        "items than `limit` while `has_more` is true. A `delisted` item for an entry you never "
                        "listed is harmless: treat it as \"not (or no longer) listed\".\n" + _VERIFY)
def list_feed(request, cursor: int = 0, limit: int = services.DEFAULT_LIMIT):
    return _signed_response(services.list_page(request.auth, cursor, limit))
