"""Lists API: list types and measures, the procedure, platforms' reports, measure tasks and supervision."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Router, Status
from pydantic import BaseModel

from ecredit import policy
from ecredit.kit.errors import Forbidden
from ecredit.registry.services import display_name

from . import flows, joint, services
from .models import ListEntry, MeasureTask
from .schemas import (DecisionIn, EntryDetailOut, EntryOut, ImplementerOut, ListTypeOut, ListNoticeIn,
                      ListObjectionDecisionIn, ProposeIn, RemovalIn, RespondIn, ScanIn, MeasureTaskOut, TextIn)

router = Router(tags=["lists"])


def list_type_out(code: str) -> dict:
    """A list type in force with its measures, as the API and the rules page show it."""
    rule = policy.current().list_type(code)
    measures = []
    for m in rule.measures:
        measure = policy.current().measure(m)
        implementer = measure.implementer.department or measure.implementer.organisation_kind
        measures.append(dict(code=m, name=measure.name.zh, kind=measure.kind, content=measure.content,
                             implementer=implementer, legal_basis=measure.legal_basis,
                             accept_working_days=measure.accept_working_days,
                             report_working_days=measure.report_working_days))
    ground = lambda g: {"code": g.code, "name": g.name.zh,  # noqa: E731
                        "conditions": [_plain(c) for c in g.conditions]}
    return dict(code=code, name=rule.name.zh, name_en=rule.name.en, polarity=rule.polarity,
                record_type=rule.record_type, department=rule.department, subject_kinds=rule.subject_kinds,
                roles=rule.roles, grounds=[ground(g) for g in rule.grounds],
                exit_grounds=[ground(g) for g in rule.exit_grounds], procedure=_plain(rule.procedure),
                measures=measures, effective=rule.effective, reference=rule.reference)


def _plain(value):
    """Rule values as JSON (unset keys left out): periods as their ISO 8601 text (P1Y)."""
    if isinstance(value, BaseModel):
        return {k: _plain(getattr(value, k)) for k in type(value).model_fields if getattr(value, k) not in (None, [])}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def task_out(task: MeasureTask, principal) -> dict:
    """A task (from `joint.tasks_of`, annotated `is_overdue`) as its implementer and supervisors see it."""
    measure = policy.current().measure(task.measure)
    return dict(id=task.pk, entry_id=task.entry_id, list_type=task.entry.list_type, subject_id=task.entry.subject_id,
                subject_name=display_name(task.entry.subject, principal), measure=task.measure,
                measure_name=measure.name.zh, kind=task.kind, implementer=task.implementer.name, status=task.status,
                accept_due=task.accept_due, report_due=task.report_due, lift_due=task.lift_due,
                accepted_at=task.accepted_at, reported_at=task.reported_at, lifted_at=task.lifted_at,
                result=task.result, overdue=task.is_overdue, escalated=task.escalated_at is not None)


def entry_out(entry: ListEntry, principal) -> dict:
    """An entry as the API shows it."""
    rule = policy.current().list_type(entry.list_type)
    return dict(id=entry.pk, list_type=entry.list_type, list_name=rule.name.zh if rule else entry.list_type,
                subject_id=entry.subject_id, subject_name=display_name(entry.subject, principal),
                department=entry.department.name, status=entry.status, origin=entry.origin, grounds=entry.grounds,
                reason=entry.reason, proposed_at=entry.proposed_at, notice_due=entry.notice_due,
                notified_at=entry.notified_at, objection_due=entry.objection_due,
                objection_text=entry.objection_text, objection_upheld=entry.objection_upheld,
                decision_due=entry.decision_due, decided_at=entry.decided_at, decision_no=entry.decision_no,
                publication_due=entry.publication_due, published_on=entry.published_on, record_id=entry.record_id,
                repair_from=entry.repair_from, ends_on=entry.ends_on, exited_on=entry.exited_on,
                exit_reason=entry.exit_reason)


def _detail(entry_id: int, principal) -> dict:
    entry = services.entry_for(entry_id, principal, permission="list.propose" if not principal.can("list.handle")
                               else "list.handle")
    tasks = joint.tasks_of(principal).filter(entry=entry) if principal.can("measure.respond") else []
    return dict(entry_out(entry, principal), steps=services.steps(entry),
                tasks=[task_out(t, principal) for t in tasks])


@router.get("/lists/types", response=list[ListTypeOut], auth=None,
            summary="List types in force: grounds, procedure deadlines and measures with their legal basis")
def list_types(request):
    return [list_type_out(code) for code in policy.current().lists.list_types]


@router.get("/lists/entries", response=list[EntryOut], summary="Entries you may see (deciding department, "
            "proposer, credit office)")
def list_entries(request, status: str | None = None, list_type: str | None = None, limit: int = 100):
    limit = max(1, min(limit, 500))
    return [entry_out(e, request.auth) for e in services.entries(request.auth, status=status,
                                                                  list_type=list_type)[:limit]]


@router.post("/lists/entries", response={201: EntryDetailOut},
             summary="Propose a subject for a list (a platform reports its seriously dishonest merchant, R11.2)")
def propose(request, body: ProposeIn):
    entry = services.propose(request.auth, list_type=body.list_type, subject_id=body.subject_id, reason=body.reason,
                             evidence=body.evidence)
    return Status(201, _detail(entry.pk, request.auth))


@router.get("/lists/entries/{int:entry_id}", response=EntryDetailOut, summary="An entry with its procedure steps")
def entry_detail(request, entry_id: int):
    return _detail(entry_id, request.auth)


@router.post("/lists/entries/{int:entry_id}/notice", response=EntryDetailOut,
             summary="Record the notice to the subject (opens the objection window)")
def notify(request, entry_id: int, body: ListNoticeIn):
    flows.notify(entry_id, request.auth, channel=body.channel, reference=body.reference, text=body.text)
    return _detail(entry_id, request.auth)


@router.post("/lists/entries/{int:entry_id}/objection", response=EntryDetailOut,
             summary="The subject objects inside the window (its own account, or recorded by the department)")
def object_to(request, entry_id: int, body: TextIn):
    flows.file_objection(entry_id, request.auth, text=body.text)
    return _detail(entry_id, request.auth) if request.auth.can("list.handle") else \
        dict(entry_out(services.entry_for(entry_id, request.auth, permission="objection.file"), request.auth),
             steps=[], tasks=[])


@router.post("/lists/entries/{int:entry_id}/objection-decision", response=EntryDetailOut,
             summary="Decide the subject's objection")
def decide_objection(request, entry_id: int, body: ListObjectionDecisionIn):
    flows.decide_objection(entry_id, request.auth, upheld=body.upheld, decision=body.decision)
    return _detail(entry_id, request.auth)


@router.post("/lists/entries/{int:entry_id}/decision", response=EntryDetailOut,
             summary="Decide whether to list (listing needs the notice and a closed objection window)")
def decide(request, entry_id: int, body: DecisionIn):
    flows.decide(entry_id, request.auth, list_subject=body.list_subject, decision_no=body.decision_no,
                 text=body.text)
    return _detail(entry_id, request.auth)


@router.post("/lists/entries/{int:entry_id}/publication", response=EntryDetailOut,
             summary="Publish a decided entry: writes the list record and dispatches the measure tasks")
def publish(request, entry_id: int):
    flows.publish(entry_id, request.auth)
    return _detail(entry_id, request.auth)


@router.post("/lists/entries/{int:entry_id}/removal", response=EntryDetailOut,
             summary="End a published entry early: repair (after the minimum period) or revocation")
def remove(request, entry_id: int, body: RemovalIn):
    flows.remove(entry_id, request.auth, how=body.how, reason=body.reason)
    return _detail(entry_id, request.auth)


@router.post("/lists/scan", summary="Find candidates by the list types' grounds and propose them (credit office)")
def scan(request, body: ScanIn):
    principal = request.auth
    principal.require("list.handle")
    if not principal.city_wide:
        raise Forbidden(_("只有信用办可以发起全市名单筛查"))
    return services.scan(list_types=body.list_types).as_dict()


@router.get("/lists/tasks", response=list[MeasureTaskOut], summary="Measure tasks addressed to you (implementers)")
def tasks(request, status: str | None = None, limit: int = 200):
    limit = max(1, min(limit, 1000))
    principal = request.auth
    principal.require("measure.respond")
    return [task_out(t, principal) for t in joint.tasks_of(principal, status=status)[:limit]]


@router.post("/lists/tasks/{int:task_id}/response", response=MeasureTaskOut,
             summary="Answer a measure task: accept, report execution, decline with a reason, or lift")
def respond(request, task_id: int, body: RespondIn):
    task = joint.respond(task_id, request.auth, action=body.action, text=body.text)
    return task_out(joint.tasks_of(request.auth).get(pk=task.pk), request.auth)


@router.get("/lists/supervision", response=list[ImplementerOut],
            summary="Joint-action execution and response rates per department, platform and bank")
def supervision(request):
    return [dict(organisation=r.code, name=r.name, kind=r.kind, dispatched=r.dispatched,
                 accepted_on_time=r.accepted_on_time, executed=r.executed, declined=r.declined, open=r.open,
                 overdue=r.overdue, escalated=r.escalated, execution_rate=r.execution_rate,
                 response_rate=r.response_rate) for r in joint.implementer_figures(request.auth)]
