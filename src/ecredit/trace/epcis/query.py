"""EPCIS 2.0 queries (SimpleEventQuery parameters over GET /epcis/events and the browse paths) on the stored
events, answered as EPCIS query documents (JSON-LD) with keyset paging by an opaque, signed nextPageToken.

Supported: eventType, GE/LT_eventTime, GE/LT_recordTime, EQ_action, EQ_bizStep, EQ_disposition,
EQ_readPoint, WD_readPoint, EQ_bizLocation, WD_bizLocation, MATCH_epc, MATCH_parentID, MATCH_inputEPC,
MATCH_outputEPC, MATCH_anyEPC, MATCH_epcClass, MATCH_inputEPCClass, MATCH_outputEPCClass, MATCH_anyEPCClass,
EQ_bizTransaction_{type}, EQ_source_{type}, EQ_destination_{type}, EQ_eventID, EXISTS_errorDeclaration,
GE/LT_errorDeclarationTime, orderBy (eventTime, recordTime), orderDirection, eventCountLimit, maxEventCount,
perPage, nextPageToken. Any other parameter is refused (QueryParameterException), never silently ignored.
WD_ (with descendants): without master-data hierarchies, a GLN's descendants are its sub-locations (the same
GLN with a GLN extension, `.../414/<gln>/254/<ext>`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

from django.core import signing
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit.kit.errors import DomainError
from ecredit.trace.models import Event, EventBizTransaction, EventEpc, EventSourceDest

from . import hashing, store, vocab

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 1000
_TOKEN_SALT = "ecredit.trace.epcis.nextPageToken"
_EPC_MATCH = {
    "MATCH_epc": ("epc", "child"), "MATCH_parentID": ("parent",), "MATCH_inputEPC": ("input",),
    "MATCH_outputEPC": ("output",), "MATCH_anyEPC": ("epc", "child", "parent", "input", "output"),
    "MATCH_epcClass": ("quantity", "child_quantity"), "MATCH_inputEPCClass": ("input_quantity",),
    "MATCH_outputEPCClass": ("output_quantity",),
    "MATCH_anyEPCClass": ("quantity", "child_quantity", "input_quantity", "output_quantity"),
}
_PAGING = {"perPage", "nextPageToken", "orderBy", "orderDirection", "eventCountLimit", "maxEventCount"}
_FILTERS = {"eventType", "GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime", "EQ_action",
            "EQ_bizStep", "EQ_disposition", "EQ_readPoint", "WD_readPoint", "EQ_bizLocation", "WD_bizLocation",
            "EQ_eventID", "EXISTS_errorDeclaration", "GE_errorDeclarationTime", "LT_errorDeclarationTime",
            *_EPC_MATCH}
_ORDER_FIELDS = {"eventTime": "event_time", "recordTime": "record_time"}
_UNENCODED_PLUS = re.compile(r" (\d{2}:\d{2})$")


class QueryParameterError(DomainError):
    """A query parameter the binding does not allow here, or a value it cannot take."""

    code = "invalid_query"
    http_status = 400
    problem_type = "epcisException:QueryParameterException"


class QueryTooLarge(DomainError):
    """More events than maxEventCount allows."""

    code = "query_too_large"
    http_status = 413
    problem_type = "epcisException:QueryTooLargeException"


def _values(raw: str) -> list[str]:
    return [v.strip() for v in raw.split("|") if v.strip()]


def _time(name: str, raw: str) -> dt.datetime:
    # An offset written unencoded in the URL (`...T10:00:00+08:00`) arrives with its `+` decoded as a space.
    raw = _UNENCODED_PLUS.sub(r"+\1", raw.strip())
    try:
        return hashing.parse_time(raw)
    except ValueError:
        raise QueryParameterError(_("参数 {name} 须为RFC 3339时间（含时区）").format(name=name)) from None


def _epc_filter(names: list[str], roles: tuple[str, ...]) -> Q:
    """Events naming one of the identifiers in one of the roles; EPC patterns (urn:epc:idpat:...) match
    every identifier of their GTIN."""
    exact, gtins = set(), set()
    for name in names:
        if name.startswith("urn:epc:idpat:"):
            key = store.identifiers.parse(name)
            if key is None or not key.gtin:
                raise QueryParameterError(_("不支持的EPC模式“{value}”").format(value=name))
            gtins.add(key.gtin)
        else:
            exact.add(store.canonical_epc(name))
    match = Q(pk__in=[])
    if exact:
        match |= Q(epc__in=exact)
    if gtins:
        match |= Q(gtin__in=gtins)
    return Q(pk__in=EventEpc.objects.filter(match, role__in=roles).values("event_id"))


def _place_filter(column: str, names: list[str], descendants: bool) -> Q:
    canonical = [store.canonical_epc(n) for n in names]
    q = Q(**{f"{column}__in": canonical})
    if descendants:
        for name in canonical:
            q |= Q(**{f"{column}__startswith": name + "/254/"})
    return q


def filters(params: dict[str, str]) -> Q:
    """The query parameters (other than paging and order) as one filter on Event."""
    q = Q()
    for name, raw in params.items():
        if name in _PAGING:
            continue
        values = _values(raw)
        if name == "eventType":
            q &= Q(event_type__in=values)
        elif name in ("GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime", "GE_errorDeclarationTime",
                      "LT_errorDeclarationTime"):
            column = {"eventTime": "event_time", "recordTime": "record_time",
                      "errorDeclarationTime": "error_declared_at"}[name[3:]]
            q &= Q(**{f"{column}__{'gte' if name.startswith('GE') else 'lt'}": _time(name, raw)})
        elif name == "EQ_action":
            q &= Q(action__in=values)
        elif name == "EQ_bizStep":
            q &= Q(biz_step__in=[vocab.full_uri("bizStep", v) for v in values])
        elif name == "EQ_disposition":
            q &= Q(disposition__in=[vocab.full_uri("disposition", v) for v in values])
        elif name in ("EQ_readPoint", "WD_readPoint"):
            q &= _place_filter("read_point", values, name.startswith("WD"))
        elif name in ("EQ_bizLocation", "WD_bizLocation"):
            q &= _place_filter("biz_location", values, name.startswith("WD"))
        elif name == "EQ_eventID":
            q &= Q(event_id__in=values)
        elif name == "EXISTS_errorDeclaration":
            q &= Q(error_declared_at__isnull=False)
        elif name in _EPC_MATCH:
            q &= _epc_filter(values, _EPC_MATCH[name])
        elif name.startswith("EQ_bizTransaction_"):
            kind = vocab.full_uri("bizTransactionType", name[len("EQ_bizTransaction_"):])
            q &= Q(pk__in=EventBizTransaction.objects.filter(type=kind, value__in=values).values("event_id"))
        elif name.startswith(("EQ_source_", "EQ_destination_")):
            kind, _sep, type_ = name[3:].partition("_")
            q &= Q(pk__in=EventSourceDest.objects.filter(kind=kind, type=vocab.full_uri("sourceDestType", type_),
                                                         value__in=values).values("event_id"))
        else:
            raise QueryParameterError(_("不支持的查询参数“{name}”").format(name=name))
    return q


def _int(params: dict, name: str, default: int | None = None) -> int | None:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise QueryParameterError(_("参数 {name} 须为正整数").format(name=name)) from None
    if value < 1:
        raise QueryParameterError(_("参数 {name} 须为正整数").format(name=name))
    return value


def _fingerprint(params: dict) -> str:
    """The query a token belongs to (a token is refused for any other query)."""
    kept = {k: v for k, v in params.items() if k not in ("nextPageToken", "perPage")}
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()[:16]


def run(params: dict[str, str], base=None) -> tuple[list[Event], str | None]:
    """Events of one page and the token of the next page (None on the last page)."""
    params = {k: v for k, v in params.items()}
    queryset = (base if base is not None else Event.objects.all()).filter(filters(params))
    order_by = params.get("orderBy", "")
    if order_by and order_by not in _ORDER_FIELDS:
        raise QueryParameterError(_("orderBy 只能是 eventTime 或 recordTime"))
    direction = params.get("orderDirection", "DESC" if order_by else "ASC").upper()
    if direction not in ("ASC", "DESC"):
        raise QueryParameterError(_("orderDirection 只能是 ASC 或 DESC"))
    limit, max_count = _int(params, "eventCountLimit"), _int(params, "maxEventCount")
    if limit and max_count:
        raise QueryParameterError(_("eventCountLimit 与 maxEventCount 不能同时使用"))
    if limit and not order_by:
        raise QueryParameterError(_("使用 eventCountLimit 时须指定 orderBy"))
    per_page = min(_int(params, "perPage", DEFAULT_PER_PAGE), MAX_PER_PAGE)
    column = _ORDER_FIELDS.get(order_by, "event_time")
    fingerprint = _fingerprint(params)
    served = 0
    if params.get("nextPageToken"):
        try:
            token = signing.loads(params["nextPageToken"], salt=_TOKEN_SALT)
        except signing.BadSignature:
            raise QueryParameterError(_("nextPageToken 无效")) from None
        if token.get("q") != fingerprint:
            raise QueryParameterError(_("nextPageToken 不属于本次查询"))
        after, after_id, served = dt.datetime.fromisoformat(token["t"]), token["i"], token.get("n", 0)
        op = "lt" if direction == "DESC" else "gt"
        queryset = queryset.filter(Q(**{f"{column}__{op}": after}) | Q(**{column: after, f"pk__{op}": after_id}))
    elif max_count is not None and queryset.count() > max_count:
        raise QueryTooLarge(_("符合条件的事件超过 maxEventCount（{count}）").format(count=max_count))
    sign = "-" if direction == "DESC" else ""
    queryset = queryset.order_by(f"{sign}{column}", f"{sign}pk")
    take = per_page if limit is None else max(0, min(per_page, limit - served))
    page = list(queryset[:take + 1])
    more = len(page) > take and (limit is None or served + take < limit)
    page = page[:take]
    token = None
    if more and page:
        last = page[-1]
        token = signing.dumps({"t": getattr(last, column).isoformat(), "i": last.pk, "q": fingerprint,
                               "n": served + len(page)}, salt=_TOKEN_SALT, compress=True)
    return page, token


def event_document(event: Event) -> dict:
    """An event as the query answers it: as captured (JSON-LD form), with its eventID and recordTime."""
    return event.document


def query_document(events: list[Event]) -> dict:
    """An EPCISQueryDocument (JSON-LD) holding the events."""
    now = timezone.now()
    return {
        "@context": [vocab.STANDARD_CONTEXT],
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
        "epcisBody": {"queryResults": {"queryName": "SimpleEventQuery",
                                       "resultsBody": {"eventList": [event_document(e) for e in events]}}},
    }


BROWSE_COLUMNS = {"bizSteps": ("biz_step", "bizStep"), "dispositions": ("disposition", "disposition"),
                  "bizLocations": ("biz_location", None), "readPoints": ("read_point", None)}


def browse(kind: str, base, page: int, per_page: int) -> tuple[list[str], bool]:
    """Distinct values of one browse path among the visible events (bare words for CBV terms)."""
    column, field = BROWSE_COLUMNS[kind]
    values = list(base.exclude(**{column: ""}).order_by(column).values_list(column, flat=True).distinct()
                  [page * per_page:(page + 1) * per_page + 1])
    more = len(values) > per_page
    values = values[:per_page]
    return ([vocab.bare_word(field, v) for v in values] if field else values), more


def browse_filter(kind: str, value: str) -> dict[str, str]:
    """The query parameter a browse path's `/{value}/events` stands for."""
    return {"bizSteps": {"EQ_bizStep": value}, "dispositions": {"EQ_disposition": value},
            "bizLocations": {"EQ_bizLocation": value}, "readPoints": {"EQ_readPoint": value},
            "eventTypes": {"eventType": value}, "epcs": {"MATCH_anyEPC": value}}[kind]
