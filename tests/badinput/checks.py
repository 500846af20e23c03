"""Sending a body and judging the answer: a refusal is a 4xx in our error shape that changed nothing; a batch may
instead refuse the item in its report (keeping a receipt of the batch, nothing else)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# A refusal of the body, not of the caller: never 401/403 (the caller may call), never 5xx.
REFUSALS = {400, 404, 409, 413, 415, 422}
AUDIT = {"chain_head", "audit_changelogentry", "audit_chaincheckpoint"}


def all_tables() -> list[str]:
    """Every table of the project's apps and of the users (sessions, the admin's log, the login attempts django-axes
    keeps and the shared request counters left out: a refused request still counts against its limits)."""
    from django.apps import apps

    skip = {"sessions", "contenttypes", "admin", "messages", "staticfiles", "axes", "ops"}   # logins and counts seen
    return sorted({m._meta.db_table for m in apps.get_models() if m._meta.app_label not in skip
                   and m._meta.managed and not m._meta.proxy})


_QUERY: list[str] = []


def fingerprint() -> dict[str, object]:
    """The change log's head and the row count of every table, in one query (about a millisecond)."""
    from django.db import connection

    if not _QUERY:
        tables = all_tables()
        quote = connection.ops.quote_name
        _QUERY.append(", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables))
        _QUERY.extend(tables)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_QUERY[0]}")
        counts = cursor.fetchone()
        cursor.execute("SELECT seq, hash FROM audit_chainhead WHERE id = 1")
        head = cursor.fetchone()
    return {"chain_head": head, **dict(zip(_QUERY[1:], counts))}


def changes(before: dict, after: dict) -> dict:
    """What differs between two fingerprints."""
    return {k: (before.get(k), after.get(k)) for k in before.keys() | after.keys()
            if before.get(k) != after.get(k)}


def client(world, caller: str):
    """The world's client for `caller`, one per module: a new test client loads the middleware again, and
    WhiteNoise's scans every static file as it does (most of a request's time)."""
    if caller == "subject":   # a session made inside the test's savepoint: gone with it, so made per request
        return world.client(caller)
    clients = world.__dict__.setdefault("_badinput_clients", {})
    if caller not in clients:
        clients[caller] = world.client(caller)
    return clients[caller]


def send(world, caller: str, path: str, data: bytes, content_type: str, **headers):
    """POST raw bytes (the test client's post() would re-encode them for a charset named in the content type)."""
    return client(world, caller).generic("POST", path, data, content_type=content_type, **headers)


def error_problems(response, api: str) -> list[str]:
    """What is wrong with an error answer's shape: /api/v1/ answers JSON {code, message}; /epcis/ an RFC 7807
    problem (application/problem+json: type, title, status) with our code."""
    try:
        body = response.json()
    except ValueError:
        return [f"not JSON: {response.content[:120]!r}"]
    if not isinstance(body, dict):
        return [f"not an object: {body!r:.120}"]
    problems = []
    if api == "epcis":
        if not response["Content-Type"].startswith("application/problem+json"):
            problems.append(f"Content-Type {response['Content-Type']}")
        if body.get("status") != response.status_code or not body.get("type") or not body.get("title"):
            problems.append(f"not a problem document: {body!r:.200}")
    elif not (isinstance(body.get("message"), str) and body["message"].strip()):
        problems.append(f"no message: {body!r:.200}")
    if not (isinstance(body.get("code"), str) and body["code"]):
        problems.append(f"no code: {body!r:.200}")
    return problems


def item_refusals(answer: Any) -> list:
    """The items a batch's report refuses: its errors, or its rows not accepted."""
    if not isinstance(answer, dict):
        return []
    errors = list(answer.get("errors") or [])
    rows = [r for r in answer.get("rows") or [] if isinstance(r, dict) and r.get("outcome") != "accepted"]
    return errors + rows


@dataclass
class Outcome:
    """What one body got, and what is wrong with that (empty: as it should be)."""

    label: str
    status: int
    changed: dict
    answer: Any = None
    wrong: list[str] = field(default_factory=list)
    accepted: bool = False          # taken as valid (only where `may_accept`)

    def __str__(self) -> str:
        return f"{self.label}: {self.status} {'; '.join(self.wrong)}"


def judge(world, caller: str, path: str, label: str, data: bytes, content_type: str, *, api: str = "api",
          batch_receipts: set[str] | None = None, may_accept: bool = False, **headers) -> Outcome:
    """Send one body and judge the answer. Expected: a refusal (REFUSALS, error shape, nothing changed); with
    `batch_receipts`, also a 2xx whose report refuses the item, changing no table but those; with `may_accept`,
    also an acceptance (`accepted`), but never a 5xx."""
    before = fingerprint()
    response = send(world, caller, path, data, content_type, **headers)
    changed = changes(before, fingerprint())
    try:
        answer = response.json()
    except ValueError:
        answer = None
    out = Outcome(label, response.status_code, changed, answer)
    status = response.status_code
    if status >= 500:
        out.wrong.append("server error")
    elif status in REFUSALS or (status == 403 and isinstance(answer, dict) and answer.get("field")):
        # 403 naming a member refuses what the body asks (another department's task), not the caller
        out.wrong += error_problems(response, api)
        if changed:
            out.wrong.append(f"refused but changed {sorted(changed)}")
    elif 200 <= status < 300 and batch_receipts is not None and item_refusals(answer):
        if set(changed) - batch_receipts - AUDIT:
            out.wrong.append(f"item refused but changed {sorted(set(changed) - batch_receipts - AUDIT)}")
    elif 200 <= status < 300 and may_accept:
        out.accepted = True
    else:
        out.wrong.append(f"not refused ({str(answer)[:160]}; changed {sorted(changed)})")
    return out


def report(outcomes: list[Outcome]) -> str:
    return "\n".join(str(o) for o in outcomes if o.wrong)


_TEXT_COLUMNS: dict[str, list[str]] = {}


def _text_columns() -> dict[str, list[str]]:
    """table -> its text and JSON columns."""
    if not _TEXT_COLUMNS:
        from django.apps import apps
        from django.db import models

        for model in apps.get_models():
            if model._meta.db_table not in all_tables():
                continue
            columns = [f.column for f in model._meta.concrete_fields
                       if isinstance(f, (models.CharField, models.TextField, models.JSONField))]
            if columns:
                _TEXT_COLUMNS[model._meta.db_table] = columns
    return _TEXT_COLUMNS


def tables_holding(text: str, tables) -> list[str]:
    """Which of `tables` hold `text` verbatim in a text or JSON column (one query per table)."""
    from django.db import connection

    quote, found = connection.ops.quote_name, []
    with connection.cursor() as cursor:
        for table in tables:
            columns = _text_columns().get(table)
            if not columns:
                continue
            where = " OR ".join(f"CAST({quote(c)} AS TEXT) LIKE %s" for c in columns)
            cursor.execute(f"SELECT 1 FROM {quote(table)} WHERE {where} LIMIT 1", [f"%{text}%"] * len(columns))
            if cursor.fetchone():
                found.append(table)
    return found
