"""Feed pages: who may read them, what each reader sees, and the signature over each page.

Two streams, each with its own cursor:
- grades: evaluation.GradeChange rows (a subject's grade under the model in force changed, or was first given);
  the cursor is the row's `seq`.
- lists: list and judicial records (catalog categories `list`, `judicial`: abnormal-operations list,
  serious-violation list, dishonest judgment debtors) entering or leaving public view, read from the archive's
  change log (audit.ChangeLogEntry of archive.creditrecord); the cursor is the log's `seq`. The log is written
  under one lock, so its sequence is its commit order and a cursor never skips an entry committed later.

Readers: platform clients (role platform_client of a platform organisation), bank clients (lists only matter to
them through the feed's organisations; a bank sees organisations) and the city-wide credit office (and the
system). A list item written by the list procedure carries its entry and the measures the reader's kind of
organisation carries out. A platform sees every organisation, its own shops, and persons only where they run one of its
shops; the credit office sees everything. Persons are always shown masked and never with a resident ID.
"""

from __future__ import annotations

from typing import Any

import orjson
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.access.principal import anonymous
from ecredit.archive.models import CreditRecord, RecordStatus
from ecredit.audit.models import ChangeLogEntry
from ecredit.evaluation.models import GradeChange
from ecredit.kit.canonical import canonical_json, iso
from ecredit.kit.crypto import ed25519_public_hex, ed25519_sign
from ecredit.kit.errors import Forbidden, ValidationFailed
from ecredit.registry.models import Subject, SubjectKind
from ecredit.registry.services import display_name

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
LIST_CATEGORIES = ("list", "judicial")
RECORD_MODEL = "archive.creditrecord"
ENTERING = ("create",)
LEAVING_ACTIONS = ("revoke", "objection_upheld_revoked", "repaired", "expire")
LEAVING_STATUSES = (RecordStatus.REVOKED, RecordStatus.REPAIRED, RecordStatus.EXPIRED)
# Grade changes commit in `seq` order: evaluation.services.write takes the change log's lock before numbering
# them, so paging by `seq` never skips a row that commits later.


def require_reader(principal) -> None:
    """Platform clients and the credit office only (Forbidden otherwise; 401 for anonymous callers)."""
    if principal.city_wide or (principal.organisation_kind == "platform" and principal.role == "platform_client"):
        return
    if principal.organisation_kind == "bank" and principal.role == "bank_client":
        return  # banks apply red-list credit support and cautious lending (R14); they see organisations only
    raise Forbidden(_("信用变动推送仅向电子商务平台、银行和信用办提供"), code="forbidden")


def check_paging(cursor: int, limit: int) -> None:
    """A cursor is a sequence number (0: from the beginning); a page holds 1 to MAX_LIMIT items."""
    if cursor < 0:
        raise ValidationFailed(_("cursor 不能为负数"), field="cursor")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(_("limit 应在1到{n}之间").format(n=MAX_LIMIT), field="limit")


def _platform_id(principal) -> int | None:
    """The registry entry of the platform the principal acts for (None if it is not registered)."""
    from ecredit.access.models import Organisation

    uscc = Organisation.objects.filter(pk=principal.organisation_id).values_list("uscc", flat=True).first()
    if not uscc:
        return None
    return Subject.objects.filter(uscc=uscc, kind=SubjectKind.ORGANISATION).values_list("id", flat=True).first()


def _scope(principal, prefix: str = "subject") -> tuple[Q | None, int | None]:
    """What the reader sees, as a filter on `prefix` (None: everything), and its platform's registry id."""
    if principal.city_wide:
        return None, None
    platform_id = _platform_id(principal)
    seen = Q(**{f"{prefix}__kind": SubjectKind.ORGANISATION})
    if platform_id:
        operators = Subject.objects.filter(kind=SubjectKind.SHOP, platform_id=platform_id,
                                           operator__isnull=False).values("operator_id")
        seen |= Q(**{f"{prefix}__kind": SubjectKind.SHOP, f"{prefix}__platform_id": platform_id})
        seen |= Q(**{f"{prefix}__kind": SubjectKind.PERSON, f"{prefix}_id__in": operators})
    return seen, platform_id


def _subjects(ids: set[int], platform_id: int | None) -> dict[int, dict[str, Any]]:
    """Each subject as a feed names it: id, kind, name (persons masked), USCC or platform USCC + shop id, and
    for a platform reader the ids of its own shops the subject runs."""
    subjects = Subject.objects.select_related("platform").in_bulk(list(ids))
    runs: dict[int, list[str]] = {}
    if platform_id and ids:
        for operator_id, shop_id in Subject.objects.filter(kind=SubjectKind.SHOP, platform_id=platform_id,
                                                           operator_id__in=list(ids)).values_list(
                "operator_id", "shop_id").order_by("shop_id"):
            runs.setdefault(operator_id, []).append(shop_id)
    viewer = anonymous()
    out = {}
    for pk, subject in subjects.items():
        ref: dict[str, Any] = {"id": pk, "kind": subject.kind, "name": display_name(subject, viewer)}
        if subject.kind == SubjectKind.ORGANISATION:
            ref["uscc"] = subject.uscc
        elif subject.kind == SubjectKind.SHOP:
            ref["platform_uscc"] = subject.platform.uscc if subject.platform else None
            ref["shop_id"] = subject.shop_id
        if platform_id:
            ref["your_shops"] = runs.get(pk, [])
        out[pk] = ref
    return out


def _page(feed: str, cursor: int, limit: int, items: list[dict], next_cursor: int, has_more: bool) -> dict:
    return {"feed": feed, "cursor": cursor, "limit": limit, "items": items, "next_cursor": next_cursor,
            "has_more": has_more, "generated_at": iso(timezone.now())}


def grade_page(principal, cursor: int = 0, limit: int = DEFAULT_LIMIT) -> dict:
    """Grade changes after `cursor` in sequence order, as the reader may see them."""
    require_reader(principal)
    check_paging(cursor, limit)
    scope, platform_id = _scope(principal)
    changes = GradeChange.objects.filter(seq__gt=cursor)
    if scope is not None:
        changes = changes.filter(scope)
    rows = list(changes.order_by("seq")[:limit + 1])
    has_more, rows = len(rows) > limit, rows[:limit]
    subjects = _subjects({r.subject_id for r in rows}, platform_id)
    items = [{"seq": r.seq, "subject": subjects.get(r.subject_id, {"id": r.subject_id}),
              "model_code": r.model_version.partition("@")[0], "model_version": r.model_version,
              "old_grade": r.old_grade or None, "new_grade": r.new_grade, "score": str(r.score), "at": iso(r.at)}
             for r in rows]
    return _page("grades", cursor, limit, items, rows[-1].seq if rows else cursor, has_more)


def list_types() -> dict[str, Any]:
    """Record types whose entries the list feed follows, by code."""
    return {code: rule for code, rule in policy.current().record_types.items() if rule.category in LIST_CATEGORIES}


def _event(entry: ChangeLogEntry, state: dict) -> str | None:
    """`listed` (a public entry created inside its window), `delisted` (revoked, repaired or expired), or None."""
    if state.get("disclosure") != "public":
        return None
    if entry.action in ENTERING:
        until = state.get("public_until")
        return "listed" if until is None or until >= timezone.localtime(entry.at).date().isoformat() else None
    return "delisted" if state.get("status") in LEAVING_STATUSES else None


def list_page(principal, cursor: int = 0, limit: int = DEFAULT_LIMIT) -> dict:
    """List and judicial entries entering or leaving public view after `cursor` (a change-log sequence number).
    Log entries of these records that are neither are passed over, so a page may hold fewer than `limit` items
    while `has_more` is true; `next_cursor` always moves past what was read."""
    require_reader(principal)
    check_paging(cursor, limit)
    types = list_types()
    scope, platform_id = _scope(principal)
    records = CreditRecord.objects.filter(record_type_id__in=list(types))
    if scope is not None:
        records = records.filter(scope)
    entries = list(ChangeLogEntry.objects.filter(model=RECORD_MODEL, seq__gt=cursor,
                                                 action__in=ENTERING + LEAVING_ACTIONS,
                                                 object_id__in=records.values("id"))
                   .order_by("seq")[:limit + 1])
    has_more, entries = len(entries) > limit, entries[:limit]
    events = []
    for entry in entries:
        state = orjson.loads(entry.state)
        kind = _event(entry, state)
        if kind:
            events.append((entry, state, kind))
    subjects = _subjects({state["subject_id"] for _e, state, _k in events}, platform_id)
    entries_by_record = _list_entries([entry.object_id for entry, _s, _k in events], principal)
    items = []
    for entry, state, kind in events:
        rule = types.get(state["record_type_id"])
        items.append({"seq": entry.seq, "event": kind, "action": entry.action, "at": iso(entry.at),
                      "record": {"id": entry.object_id, "type": state["record_type_id"],
                                 "type_name": rule.name.zh if rule else "",
                                 "type_name_en": rule.name.en if rule else "",
                                 "category": rule.category if rule else "", "status": state.get("status"),
                                 "decided_on": state.get("decided_on"), "public_from": state.get("public_from"),
                                 "public_until": state.get("public_until")},
                      "subject": subjects.get(state["subject_id"], {"id": state["subject_id"]}),
                      "list_entry": entries_by_record.get(entry.object_id)})
    return _page("lists", cursor, limit, items, entries[-1].seq if entries else cursor, has_more)


def _list_entries(record_ids: list[int], principal) -> dict[int, dict[str, Any]]:
    """For records written by the list procedure: the entry, its list type and the measures the reader's kind of
    organisation carries out (a platform's bars and rankings, a bank's lending), so it can apply them."""
    from ecredit.lists.models import ListEntry

    current, out = policy.current(), {}
    for entry in ListEntry.objects.filter(record_id__in=record_ids):
        rule = current.list_type(entry.list_type)
        measures = []
        for code in rule.measures if rule else []:
            measure = current.measure(code)
            if principal.city_wide or measure.implementer.organisation_kind == principal.organisation_kind:
                measures.append({"code": code, "name": measure.name.zh, "name_en": measure.name.en,
                                 "kind": measure.kind, "content": measure.content,
                                 "legal_basis": measure.legal_basis})
        out[entry.record_id] = {"id": entry.pk, "list_type": entry.list_type, "name": rule.name.zh if rule else "",
                                "name_en": rule.name.en if rule else "", "polarity": rule.polarity if rule else "",
                                "decision_no": entry.decision_no, "published_on": iso(entry.published_on),
                                "ends_on": iso(entry.ends_on), "status": entry.status, "measures": measures}
    return out


# ------------------------------------------------------------------------------------------------ signing


def public_key_hex() -> str:
    """The key feeds are signed with (the deployment's signing key, also at /api/v1/reports/signing-key)."""
    return ed25519_public_hex(settings.KEYS.signing_key)


def signed(page: dict) -> tuple[bytes, str]:
    """The page as canonical JSON bytes (sorted keys, no spaces, UTF-8) and the `X-Signature` header value:
    `ed25519=<hex signature of exactly these bytes>; key=<hex public key>`."""
    body = canonical_json(page)
    return body, f"ed25519={ed25519_sign(settings.KEYS.signing_key, body)}; key={public_key_hex()}"
