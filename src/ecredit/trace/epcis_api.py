"""The GS1 EPCIS 2.0 REST binding at /epcis/ (capture, events, browse paths): its own NinjaAPI, because the
standard fixes its paths, media types and error shapes (RFC 7807 problem details), unlike /api/v1/.

Bodies are read raw (JSON-LD, JSON or XML by Content-Type) and answers are built as HttpResponses so the
media types are the binding's: `application/ld+json` (or `application/json` when asked for) for documents,
`application/problem+json` for errors (with `code`, like /api/v1's errors, and `errors`: every violation).
Who sees what: capturers (trace.capture) their own organisation's events and jobs, trace.view all of them,
the public none (it has the trace page).
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

import orjson
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from ecredit import __version__
from ecredit.access.auth import PrincipalAuth
from ecredit.api_errors import PROBLEM_SCHEMA, document_errors
from ecredit.audit.services import record_access
from ecredit.kit.errors import DomainError, Forbidden, NotFound
from ecredit.trace.epcis import capture as capturing
from ecredit.trace.epcis import query, store, vocab
from ecredit.trace.models import CaptureJob, ErrorBehaviour, Event, EventType, JobStatus

class EpcisAPI(NinjaAPI):
    """The binding's API, whose OpenAPI document lists the problem answers every operation may give."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        return document_errors(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params),
                               name="Problem", body=PROBLEM_SCHEMA, media_type="application/problem+json",
                               extra={"406": "不支持的应答格式 / not acceptable",
                                      "415": "不支持的内容类型 / unsupported media type"})


epcis_api = EpcisAPI(title="ecredit EPCIS 2.0", version=__version__, auth=PrincipalAuth(), urls_namespace="epcis",
                     description="GS1 EPCIS 2.0 REST binding: capture (JSON-LD, XML) and query of traceability "
                                 "events. Errors are RFC 7807 problem details.")

VERSION_HEADERS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0", "GS1-EPCIS-Min": "2.0.0",
                   "GS1-EPCIS-Max": "2.0.0", "GS1-CBV-Min": "2.0.0", "GS1-CBV-Max": "2.0.0",
                   "GS1-EPCIS-Capture-Limit": str(capturing.CAPTURE_LIMIT),
                   "GS1-EPCIS-Capture-File-Size-Limit": str(capturing.FILE_SIZE_LIMIT)}
READING_PURPOSE = "产品追溯核查"  # the purpose an officer's reading of events is logged under (as in the console)
PROBLEM_TYPES = {400: "epcisException:ValidationException", 401: "epcisException:SecurityException",
                 403: "epcisException:SecurityException", 404: "epcisException:NoSuchResourceException",
                 406: "epcisException:NotAcceptable", 409: "epcisException:ResourceAlreadyExistsException",
                 413: "epcisException:QueryTooLargeException", 415: "epcisException:UnsupportedMediaType"}


def _json(data, status: int = 200, content_type: str = "application/json", headers: dict | None = None):
    response = HttpResponse(orjson.dumps(data), status=status, content_type=content_type)
    for name, value in {**VERSION_HEADERS, **(headers or {})}.items():
        response[name] = value
    return response


def _problem(status: int, title: str, code: str, *, problem_type: str | None = None, detail: str = "",
             errors: list | None = None, extra: dict | None = None) -> HttpResponse:
    body = {"type": problem_type or PROBLEM_TYPES.get(status, "about:blank"), "title": title, "status": status,
            "code": code}
    if detail:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = errors
    body.update(extra or {})
    return _json(body, status, "application/problem+json")


@epcis_api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    status = exc.http_status
    if isinstance(exc, Forbidden) and getattr(request, "auth", None) is not None and request.auth.is_anonymous:
        status = 401
    errors = exc.details if isinstance(exc.details, list) else None
    extra = exc.details if isinstance(exc.details, dict) else None
    return _problem(status, str(exc.message), exc.code, problem_type=getattr(exc, "problem_type", None),
                    errors=errors, extra=extra)


@epcis_api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return _problem(401, _("令牌无效或已失效"), "unauthenticated")


@epcis_api.exception_handler(ValidationError)
def invalid_request(request, exc: ValidationError):
    errors = [{"path": "/".join(str(p) for p in e.get("loc", [])), "reason": e.get("msg", "")} for e in exc.errors]
    return _problem(400, _("请求格式不正确"), "invalid", errors=errors)


def _reader(request):
    """The caller, if it may read events through /epcis/ at all."""
    principal = request.auth
    if principal.is_anonymous:
        raise Forbidden(_("请先登录或使用接口令牌"), code="unauthenticated")
    if not (principal.can("trace.view") or principal.can("trace.capture") or principal.city_wide):
        principal.require("trace.view")
    return principal


def _visible(request):
    return Event.objects.visible_to(_reader(request))


def _document_type(request) -> str:
    accept = request.headers.get("Accept", "")
    return "application/json" if "application/json" in accept and "ld+json" not in accept else "application/ld+json"


def _params(request) -> dict[str, str]:
    return {k: request.GET.get(k) for k in request.GET}


def _log_reading(request, events) -> None:
    """Log an officer's reading of other organisations' events: their documents may carry a consignee's name
    or phone (a capturer reading its own events is not logged)."""
    principal = request.auth
    if any(e.organisation_id != principal.organisation_id for e in events):
        record_access(principal.actor, None, f"EPCIS {request.get_full_path()}", READING_PURPOSE, "epcis")


def _events_answer(request, base, extra: dict[str, str] | None = None) -> HttpResponse:
    params = _params(request)
    page, token = query.run({**params, **(extra or {})}, base)
    _log_reading(request, page)
    headers = {}
    if token:
        following = {k: v for k, v in params.items() if k != "nextPageToken"} | {"nextPageToken": token}
        headers["Link"] = f'<{request.build_absolute_uri(request.path)}?{urlencode(following)}>; rel="next"'
    return _json(query.query_document(page), 200, _document_type(request), headers)


class _NotAcceptable(DomainError):
    code = "not_acceptable"
    http_status = 406
    problem_type = "epcisException:NotAcceptable"


def _versions(request) -> tuple[str, str]:
    """GS1-EPCIS-Version and GS1-CBV-Version of a capture: 2.x or absent."""
    epcis, cbv = request.headers.get("GS1-EPCIS-Version", ""), request.headers.get("GS1-CBV-Version", "")
    for name, value in (("GS1-EPCIS-Version", epcis), ("GS1-CBV-Version", cbv)):
        if value and not value.strip().startswith("2"):
            raise _NotAcceptable(_("本系统只支持 {name} 2.x").format(name=name))
    return epcis.strip(), cbv.strip()


def _job_document(request, job: CaptureJob) -> dict:
    return {"captureID": str(job.pk), "createdAt": job.received_at.isoformat().replace("+00:00", "Z"),
            "finishedAt": job.finished_at.isoformat().replace("+00:00", "Z") if job.finished_at else None,
            "running": job.status == JobStatus.RUNNING, "success": job.status == JobStatus.SUCCEEDED,
            "captureErrorBehaviour": job.error_behaviour, "errors": job.errors,
            "eventCount": job.events, "storedCount": job.stored}


# Discovery --------------------------------------------------------------------------------------------------
@epcis_api.get("/", summary="Top-level resources")
def top_level(request):
    _reader(request)
    return _json({"@context": vocab.STANDARD_CONTEXT, "type": "Collection",
                  "member": ["capture", "events", "eventTypes", "epcs", "bizSteps", "bizLocations", "readPoints",
                             "dispositions"]})


# Capture ----------------------------------------------------------------------------------------------------
@epcis_api.post("/capture", summary="Capture an EPCIS document (JSON-LD, JSON or XML)")
def capture_document(request: HttpRequest):
    principal = request.auth
    principal.require("trace.capture")
    behaviour = request.headers.get("GS1-Capture-Error-Behaviour", ErrorBehaviour.ROLLBACK).strip().lower()
    if behaviour == "all":  # the binding's enum has it without defining it: all or nothing, i.e. rollback
        behaviour = ErrorBehaviour.ROLLBACK
    if behaviour not in ErrorBehaviour.values:
        raise capturing.CaptureRefused(_("GS1-Capture-Error-Behaviour 只能是 rollback 或 proceed"))
    epcis_version, cbv_version = _versions(request)
    parsed = capturing.parse(request.body, request.headers.get("Content-Type", ""))
    outcome = capturing.capture(parsed, principal, error_behaviour=behaviour, epcis_version=epcis_version,
                                cbv_version=cbv_version)
    location = request.build_absolute_uri(f"/epcis/capture/{outcome.job.pk}")
    return _json(_job_document(request, outcome.job), 202, headers={"Location": location})


@epcis_api.get("/capture", summary="Capture jobs of the caller's organisation")
def capture_jobs(request):
    principal = request.auth
    if not (principal.can("trace.view") or principal.city_wide):
        principal.require("trace.capture")
    jobs = CaptureJob.objects.visible_to(principal)
    per_page = min(int(request.GET.get("perPage") or 30), 1000) if (request.GET.get("perPage") or "30").isdigit() \
        else 30
    return _json({"@context": vocab.STANDARD_CONTEXT, "type": "Collection",
                  "member": [_job_document(request, j) for j in jobs[:per_page]]})


@epcis_api.get("/capture/{int:capture_id}", summary="A capture job")
def capture_job(request, capture_id: int):
    return _json(_job_document(request, capturing.job_for(capture_id, request.auth)))


@epcis_api.post("/events", summary="Capture one event")
def capture_event(request: HttpRequest):
    principal = request.auth
    principal.require("trace.capture")
    epcis_version, cbv_version = _versions(request)
    parsed = capturing.parse(request.body, request.headers.get("Content-Type", ""), single_event=True)
    outcome = capturing.capture(parsed, principal, epcis_version=epcis_version, cbv_version=cbv_version,
                                single_event=True)
    event = outcome.events[0]
    location = request.build_absolute_uri("/epcis/events/" + quote(event.event_id, safe=""))
    return _json(event.document, 201, _document_type(request), {"Location": location})


# Query ------------------------------------------------------------------------------------------------------
@epcis_api.get("/events", summary="Query events (SimpleEventQuery parameters)")
def events(request):
    return _events_answer(request, _visible(request))


@epcis_api.get("/events/{path:event_id}", summary="One event by its eventID")
def event(request, event_id: str):
    found = _visible(request).filter(event_id=event_id).order_by("pk").first() or \
        _visible(request).filter(event_hash=event_id).first()
    if found is None:
        raise NotFound(_("没有这个事件"))
    _log_reading(request, [found])
    return _json(found.document, 200, _document_type(request))


@epcis_api.get("/eventTypes", summary="Event types")
def event_types(request):
    _reader(request)
    return _json({"@context": [vocab.STANDARD_CONTEXT], "type": "Collection", "member": sorted(EventType.values)})


@epcis_api.get("/eventTypes/{event_type}", summary="Sub-resources of an event type")
def event_type(request, event_type: str):
    _reader(request)
    if event_type not in EventType.values:
        raise NotFound(_("没有这个事件类型"))
    return _json({"@context": vocab.STANDARD_CONTEXT, "type": "Collection", "member": ["events"]})


@epcis_api.get("/eventTypes/{event_type}/events", summary="Events of one type")
def event_type_events(request, event_type: str):
    base = _visible(request)
    if event_type not in EventType.values:
        raise NotFound(_("没有这个事件类型"))
    return _events_answer(request, base.filter(event_type=event_type))


@epcis_api.get("/epcs/{path:epc}/events", summary="Events naming one EPC (in any role)")
def epc_events(request, epc: str):
    base = _visible(request)
    ids = store.EventEpc.objects.filter(epc=store.canonical_epc(epc)).values("event_id")
    return _events_answer(request, base.filter(pk__in=ids))


@epcis_api.get("/epcs/{path:epc}", summary="Sub-resources of an EPC")
def epc_resource(request, epc: str):
    _reader(request)
    return _json({"@context": vocab.STANDARD_CONTEXT, "type": "Collection", "member": ["events"]})


def _browse_routes(kind: str, name: str) -> None:
    """GET /{kind}, /{kind}/{value}, /{kind}/{value}/events for one browse path."""

    def listing(request):
        base = _visible(request)
        page = int(request.GET.get("page") or 0) if (request.GET.get("page") or "0").isdigit() else 0
        raw = request.GET.get("perPage") or str(query.DEFAULT_PER_PAGE)
        per_page = min(int(raw), query.MAX_PER_PAGE) if raw.isdigit() and int(raw) > 0 else query.DEFAULT_PER_PAGE
        values, more = query.browse(kind, base, page, per_page)
        headers = {}
        if more:
            headers["Link"] = (f'<{request.build_absolute_uri(request.path)}?'
                               f'{urlencode({"perPage": per_page, "page": page + 1})}>; rel="next"')
        return _json({"@context": [vocab.STANDARD_CONTEXT], "type": "Collection", "member": values}, 200,
                     headers=headers)

    def resource(request, value: str):
        _reader(request)
        return _json({"@context": vocab.STANDARD_CONTEXT, "type": "Collection", "member": ["events"]})

    def value_events(request, value: str):
        return _events_answer(request, _visible(request), query.browse_filter(kind, value))

    epcis_api.get(f"/{kind}/{{path:value}}/events", summary=f"Events with one {name}",
                  operation_id=f"{kind}_events")(value_events)
    epcis_api.get(f"/{kind}/{{path:value}}", summary=f"Sub-resources of a {name}",
                  operation_id=f"{kind}_resource")(resource)
    epcis_api.get(f"/{kind}", summary=f"{name} values in the repository", operation_id=f"{kind}_list")(listing)


for _kind, _name in (("bizSteps", "business step"), ("bizLocations", "business location"),
                     ("readPoints", "read point"), ("dispositions", "disposition")):
    _browse_routes(_kind, _name)
