"""Capturing EPCIS documents and single events: parse (JSON-LD or XML), validate (schema with format checking,
then CBV terms), hash, and store new events in one transaction with one change-log entry per capture job.

Capture runs inside the request: a 10,000-event document is parsed, validated and stored in a few seconds
(bench/trace.py measures it), so the capture job is finished when POST /capture answers 202 and its resource
already shows the outcome. Re-capturing a document stores nothing twice: an event whose canonical hash is
stored is counted as captured, not stored again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit import jsonbody
from ecredit.audit.services import ChainWriter, state_text
from ecredit.kit.errors import Conflict, DomainError, Forbidden, NotFound
from ecredit.trace.models import CaptureJob, ErrorBehaviour, Event, JobStatus

from . import hashing, store, validation, vocab
from .xml import XmlDocumentError, to_json_document

JOB_MODEL = "trace.CaptureJob"
JSON_TYPES = ("application/ld+json", "application/json")
XML_TYPES = ("application/xml", "text/xml")
# Operational limits of one capture (GS1-EPCIS-Capture-Limit and GS1-EPCIS-Capture-File-Size-Limit headers):
# what one synchronous request handles in a few seconds on the deployment's two cores; not policy values.
CAPTURE_LIMIT = 10_000
FILE_SIZE_LIMIT = 20 * 1024 * 1024
EVENT_PATH = "/epcisBody/eventList/"
QUERY_EVENT_PATH = "/epcisBody/queryResults/resultsBody/eventList/"


class CaptureRefused(DomainError):
    """A capture refused as a whole: every violation listed (RFC 7807 ValidationException)."""

    code = "invalid"
    http_status = 400
    problem_type = "epcisException:ValidationException"


class UnsupportedMediaType(DomainError):
    """A body in a media type the binding does not take."""

    code = "unsupported_media_type"
    http_status = 415
    problem_type = "epcisException:UnsupportedMediaType"


class PayloadTooLarge(DomainError):
    """More events or bytes than one capture takes."""

    code = "too_large"
    http_status = 413
    problem_type = "epcisException:CaptureLimitExceededException"


class EventExists(Conflict):
    """POST /events of an event whose canonical hash is already stored."""

    problem_type = "epcisException:ResourceAlreadyExistsException"


@dataclass
class Parsed:
    """A request body as a JSON-LD document, with where its events are."""

    document: dict
    events: list
    event_path: str
    prefixes: dict[str, str]
    xml: bool
    media_type: str


@dataclass
class Outcome:
    """What a capture did: the job, and per event whether it was new."""

    job: CaptureJob
    event_ids: list[int] = field(default_factory=list)     # the new events' ids
    events: list[Event] = field(default_factory=list)      # the new event itself, for a single event
    duplicates: list[str] = field(default_factory=list)


def media_type_of(content_type: str) -> str:
    """The bare media type of a Content-Type header (`application/ld+json; charset=utf-8` -> ...)."""
    return content_type.split(";", 1)[0].strip().lower()


def parse(body: bytes, content_type: str, *, single_event: bool = False) -> Parsed:
    """Parse a capture body (JSON-LD or XML) into the JSON-LD form; refuse what is not EPCIS at all."""
    media = media_type_of(content_type) or "application/json"
    if len(body) > FILE_SIZE_LIMIT:
        raise PayloadTooLarge(_("文档超过 {limit} 字节的上限").format(limit=FILE_SIZE_LIMIT))
    xml = media in XML_TYPES
    if xml:
        if single_event:
            raise UnsupportedMediaType(_("单个事件请以 application/ld+json 或 application/json 提交"))
        try:
            document = to_json_document(body)
        except XmlDocumentError as exc:
            raise CaptureRefused(_("XML文档无法解析：{reason}").format(reason=exc)) from exc
        try:
            jsonbody.check(document)   # the limits a JSON-LD capture has (text length, nesting)
        except jsonbody.BadJson as exc:
            raise CaptureRefused(_("XML文档无法接收：{reason}").format(reason=exc.message)) from exc
    elif media in JSON_TYPES:
        try:
            document = jsonbody.loads(body, repeated_members=True)
        except jsonbody.BadJson as exc:
            raise CaptureRefused(_("JSON无法解析：{reason}").format(reason=exc.message)) from exc
    else:
        raise UnsupportedMediaType(_("不支持的文档类型“{media}”：请用 application/ld+json、application/json 或 "
                                     "application/xml").format(media=media))
    if not isinstance(document, dict):
        raise CaptureRefused(_("文档须为JSON对象"))
    prefixes = vocab.document_prefixes(document.get("@context"))
    if single_event:
        return Parsed(document, [document], "", prefixes, False, media)
    body_part = document.get("epcisBody") if isinstance(document.get("epcisBody"), dict) else {}
    if document.get("type") == "EPCISQueryDocument":
        results = (body_part.get("queryResults") or {}).get("resultsBody") or {}
        events, path = results.get("eventList"), QUERY_EVENT_PATH
    else:
        events, path = body_part.get("eventList"), EVENT_PATH
    events = events if isinstance(events, list) else []
    if len(events) > CAPTURE_LIMIT:
        raise PayloadTooLarge(_("一次最多采集 {limit} 个事件，本文档有 {count} 个").format(
            limit=CAPTURE_LIMIT, count=len(events)))
    return Parsed(document, events, path, prefixes, xml, media)


def check(parsed: Parsed) -> tuple[list[validation.Violation], dict[int, list[validation.Violation]]]:
    """Validate: (document-level violations, violations per event index)."""
    found: list[validation.Violation] = []
    if not validation.is_valid(parsed.document, xml=parsed.xml):
        found = validation.violations(parsed.document, xml=parsed.xml)
    for index, event in enumerate(parsed.events):
        if isinstance(event, dict):
            # A single event (POST /events) is the document itself: its fields sit at the root ("/bizStep").
            where = f"{parsed.event_path}{index}" if parsed.event_path else ""
            found.extend(validation.semantic_violations(event, where))
    document_level: list[validation.Violation] = []
    per_event: dict[int, list[validation.Violation]] = {}
    for violation in found:
        index = _event_index(violation.path, parsed.event_path) if parsed.event_path else 0
        if index is None:
            document_level.append(violation)
        else:
            per_event.setdefault(index, []).append(violation)
    return document_level, per_event


def _event_index(path: str, prefix: str) -> int | None:
    if not path.startswith(prefix):
        return None
    head = path[len(prefix):].split("/", 1)[0]
    return int(head) if head.isdigit() else None


def _stored_document(event: dict, parsed: Parsed, event_hash: str, record_time: str) -> dict:
    """The event as kept: as received (JSON-LD form), with its eventID (the hash when none was given), our
    recordTime and, when the event relies on the document's prefixes, the document's @context."""
    document = dict(event)
    document.setdefault("eventID", event_hash)
    document["recordTime"] = record_time
    context = parsed.document.get("@context")
    if "@context" not in document and parsed.prefixes and context is not None:
        document["@context"] = context
    return document


def _job_state(job: CaptureJob, hashes: list[str]) -> dict:
    return {"organisation": job.organisation_id, "status": job.status, "media_type": job.media_type,
            "events": job.events, "stored": job.stored, "error_behaviour": job.error_behaviour,
            "errors": len(job.errors), "event_hashes": hashlib.sha256("\n".join(sorted(hashes)).encode()).hexdigest()}


def iter_job_states():
    """(id, canonical state) of every capture job, recomputed from the tables (for `ecredit verify-log`)."""
    hashes: dict[int, list[str]] = {}
    for job_id, event_hash in Event.objects.values_list("capture_job_id", "event_hash").iterator(chunk_size=5000):
        hashes.setdefault(job_id, []).append(event_hash)
    for job in CaptureJob.objects.order_by("pk").iterator(chunk_size=2000):
        yield job.pk, state_text(_job_state(job, hashes.get(job.pk, [])))


def _problem(violation: validation.Violation) -> dict:
    return {"type": CaptureRefused.problem_type, "title": _("事件未通过校验"), "status": 400,
            "detail": f"{violation.path or '/'}: {violation.reason}", **violation.as_dict()}


def capture(parsed: Parsed, principal, *, error_behaviour: str = ErrorBehaviour.ROLLBACK,
            epcis_version: str = "", cbv_version: str = "", single_event: bool = False) -> Outcome:
    """Capture a parsed document (or one event) for the principal's organisation.

    Refused as a whole (CaptureRefused, nothing written) when the document itself is invalid, or when any event
    is and the behaviour is rollback; with proceed, the valid events are stored and the job lists the others.
    """
    principal.require("trace.capture")
    if not principal.organisation_id:
        raise Forbidden(_("采集事件须以单位身份提交"), code="forbidden")
    document_level, per_event = check(parsed)
    refused = [v for v in document_level] + [v for index in sorted(per_event) for v in per_event[index]]
    if document_level or (per_event and (error_behaviour == ErrorBehaviour.ROLLBACK or single_event)):
        raise CaptureRefused(_("文档未通过校验：共 {count} 处问题").format(count=len(refused)),
                             details=[v.as_dict() for v in refused])
    now = timezone.now()
    record_time = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
    prepared: dict[str, tuple[store.EventRows, dict]] = {}
    for index, event in enumerate(parsed.events):
        if index in per_event:
            continue
        event_hash = hashing.event_hash(event, parsed.prefixes)
        if event_hash not in prepared:  # the same event twice in one document is one event
            prepared[event_hash] = (store.rows_for(event, parsed.prefixes, event_hash, now),
                                    _stored_document(event, parsed, event_hash, record_time))
    with transaction.atomic(), ChainWriter(at=now) as log:
        existing = store.existing_hashes(prepared)
        if single_event and existing:
            raise EventExists(_("该事件已采集（事件哈希 {hash}）").format(hash=next(iter(existing))),
                              code="conflict", details={"eventHash": next(iter(existing))})
        new = [(hash_, item) for hash_, item in prepared.items() if hash_ not in existing]
        job = CaptureJob.objects.create(
            organisation_id=principal.organisation_id, received_at=now, finished_at=now,
            status=JobStatus.FAILED if per_event else JobStatus.SUCCEEDED, media_type=parsed.media_type[:40],
            events=len(parsed.events), stored=len(new), error_behaviour=error_behaviour,
            errors=[_problem(v) for index in sorted(per_event) for v in per_event[index]],
            epcis_version=epcis_version[:8], cbv_version=cbv_version[:8],
            subject_id=principal.subject_id if principal.acts_as_subject else None)
        ids = store.insert([item for _, item in new], principal.organisation_id, job.pk)
        job.log_seq = log.append(principal.actor, "capture", JOB_MODEL, job.pk,
                                 state_text(_job_state(job, [h for h, _ in new])))
        CaptureJob.objects.filter(pk=job.pk).update(log_seq=job.log_seq)
    events = list(Event.objects.filter(pk__in=ids).order_by("pk")) if single_event else []
    return Outcome(job=job, event_ids=ids, events=events, duplicates=sorted(existing))


def job_for(job_id: int, principal) -> CaptureJob:
    """A capture job its organisation (or trace.view) may see."""
    if not (principal.can("trace.capture") or principal.can("trace.view") or principal.city_wide):
        principal.require("trace.capture")
    job = CaptureJob.objects.visible_to(principal).filter(pk=job_id).first()
    if job is None:
        raise NotFound(_("没有这个采集任务"))
    return job
