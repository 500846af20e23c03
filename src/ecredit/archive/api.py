"""Archive endpoints: the catalog, records, objections, repair, and the credit check (R9.2)."""

from __future__ import annotations

from ninja import Query, Router, Status

from ecredit import policy
from ecredit.kit.errors import Forbidden, NotFound
from ecredit.registry import lookups
from ecredit.registry.schemas import SubjectQuery

from . import flows, services
from .models import CreditRecord, Objection, RepairApplication
from .schemas import (CorrectionIn, CreditCheckOut, ObjectionCheckIn, RecordObjectionDecisionIn, ObjectionIn, ObjectionOut,
                      RecordOut, RecordTypeDetail, RecordTypeOut, RepairDecisionIn, RepairIn, RepairOut, RevocationIn)

router = Router(tags=["archive"])


def _type_out(rule, detail: bool = False) -> dict:
    out = dict(code=rule.code, name=rule.name.zh, name_en=rule.name.en, category=rule.category,
               polarity=rule.polarity, severity=rule.severity, disclosure=rule.disclosure,
               publicity_rule=rule.publicity, legal_basis=rule.legal_basis, sources=rule.sources,
               subject_kinds=rule.subject_kinds)
    if detail:
        out.update(details_schema=rule.details_schema, effective=rule.effective, reference=rule.reference)
    return out


@router.get("/record-types", response=list[RecordTypeOut], summary="List record types (the catalog)")
def list_record_types(request):
    return [_type_out(rule) for rule in policy.current().catalog.record_types]


@router.get("/record-types/{code}", response=RecordTypeDetail, summary="One record type with its details schema")
def get_record_type(request, code: str):
    rule = policy.current().record_types.get(code)
    if rule is None:
        raise NotFound(f"record type {code}")
    return _type_out(rule, detail=True)


def record_out(record: CreditRecord, principal) -> dict:
    """A record as the API shows it to `principal` (a person's identity masked unless allowed)."""
    summary, details = services.present(record, principal)
    return dict(id=record.pk, type=record.record_type_id, type_name=record.record_type.name,
                subject=lookups.brief(record.subject, principal), source=record.source.code,
                source_record_id=record.source_record_id, decided_on=record.decided_on, summary=summary,
                details=details, legal_basis=record.legal_basis, status=record.status,
                disclosure=record.disclosure, public_from=record.public_from, repair_from=record.repair_from,
                public_until=record.public_until, publicity_basis=record.publicity_basis,
                policy_version=record.policy_version)


@router.get("/records/{int:record_id}", response=RecordOut, summary="One credit record")
def get_record(request, record_id: int, purpose: str = ""):
    principal = request.auth
    record = CreditRecord.objects.visible_to(principal).select_related("record_type", "subject", "source") \
        .filter(pk=record_id).first()
    if record is None:
        raise NotFound("record")
    services.log_reads(principal, [record], purpose, "api")
    return record_out(record, principal)


@router.post("/records/{int:record_id}/correction", response=RecordOut, summary="Correct a record you submitted")
def correct_record(request, record_id: int, body: CorrectionIn):
    record = services.correct(record_id, request.auth, summary=body.summary, details=body.details,
                              decided_on=body.decided_on, reason=body.reason)
    return record_out(CreditRecord.objects.select_related("record_type", "subject", "source").get(pk=record.pk),
                      request.auth)


@router.post("/records/{int:record_id}/revocation", response=RecordOut, summary="Revoke a record you submitted")
def revoke_record(request, record_id: int, body: RevocationIn):
    record = services.revoke(record_id, request.auth, reason=body.reason)
    return record_out(CreditRecord.objects.select_related("record_type", "subject", "source").get(pk=record.pk),
                      request.auth)


class CheckQuery(SubjectQuery):
    purpose: str


@router.get("/credit-check", response=CreditCheckOut, summary="Credit check of a subject (purpose required)")
def credit_check(request, query: Query[CheckQuery]):
    principal = request.auth
    subject = lookups.find(principal, **query.dict())
    summary = services.credit_summary(subject, principal, purpose=query.purpose, channel="api")
    return dict(subject=lookups.brief(subject, principal), checked_at=summary["checked_at"], purpose=query.purpose,
                public_only=summary["public_only"], counts=summary["counts"],
                records=[record_out(r, principal) for r in summary["records"]])


def _objection_out(o: Objection) -> dict:
    return dict(id=o.pk, record=o.record_id, status=o.status, filed_by=o.filed_by, reason=o.reason,
                filed_at=o.filed_at, check_due=o.check_due, decide_due=o.decide_due, due_estimated=o.due_estimated,
                decision=o.decision, decided_at=o.decided_at)


@router.post("/objections", response={201: ObjectionOut}, summary="File an objection to a record")
def file_objection(request, body: ObjectionIn):
    objection = flows.file_objection(body.record, request.auth, reason=body.reason, contact=body.contact,
                                     evidence=body.evidence)
    return Status(201, _objection_out(objection))


@router.get("/objections", response=list[ObjectionOut], summary="Objections you may see (open first)")
def list_objections(request, open_only: bool = False):
    principal = request.auth
    if not (principal.can("objection.file") or principal.can("objection.handle")):
        raise Forbidden("objection")
    objections = Objection.objects.visible_to(principal)
    if open_only:
        objections = objections.open()
    return [_objection_out(o) for o in objections.order_by("decide_due")[:500]]


@router.post("/objections/{int:objection_id}/check", response=ObjectionOut, summary="First check of an objection")
def check_objection(request, objection_id: int, body: ObjectionCheckIn):
    return _objection_out(flows.check_objection(objection_id, request.auth, accept=body.accept, note=body.note))


@router.post("/objections/{int:objection_id}/decision", response=ObjectionOut, summary="Decide an objection")
def decide_objection(request, objection_id: int, body: RecordObjectionDecisionIn):
    return _objection_out(flows.decide_objection(objection_id, request.auth, upheld=body.upheld,
                                                 decision=body.decision, correction=body.correction,
                                                 revoke=body.revoke))


def _repair_out(a: RepairApplication) -> dict:
    return dict(id=a.pk, record=a.record_id, status=a.status, applied_at=a.applied_at, decide_due=a.decide_due,
                due_estimated=a.due_estimated, checks=a.checks, decision=a.decision)


@router.post("/repairs", response={201: RepairOut}, summary="Apply for credit repair of a record")
def apply_repair(request, body: RepairIn):
    return Status(201, _repair_out(flows.apply_for_repair(body.record, request.auth, statement=body.statement,
                                                          attested=body.attested)))


@router.post("/repairs/{int:application_id}/decision", response=RepairOut, summary="Decide a repair application")
def decide_repair(request, application_id: int, body: RepairDecisionIn):
    return _repair_out(flows.decide_repair(application_id, request.auth, approve=body.approve,
                                           decision=body.decision))
