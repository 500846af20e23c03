"""Joint rewards and punishments: initiate → respond → feed back (发起-响应-反馈).

Publishing an entry dispatches one task per measure and implementer (a department, or every active platform
or bank); the implementer accepts it and reports execution, or declines with a reason; an overdue task is
escalated to the credit office; when the entry ends, open tasks are cancelled and executed ones must be lifted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterator

from django.db.models import BooleanField, Case, Count, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.access.models import Organisation
from ecredit.audit.services import Actor, ChainWriter, logged_write
from ecredit.kit.errors import Conflict, NotFound, ValidationFailed
from ecredit.policy.list_rules import ListTypeVersion

from .models import TASK_OPEN, ListEntry, MeasureTask, TaskStatus
from .services import object_state, save_logged

TASK_MODEL = "lists.measuretask"
SYSTEM_ACTOR = Actor("system:lists", "credit_office")
STATE_FIELDS = ("entry_id", "measure", "kind", "implementer_id", "status", "accept_due", "report_due",
                "accepted_at", "reported_at", "handled_by", "result", "lift_due", "lifted_at", "escalated_at")


def task_state(task: MeasureTask) -> str:
    """Canonical state of a task as the change log keeps it."""
    return object_state(task, STATE_FIELDS)


def iter_task_states() -> Iterator[tuple[int, str]]:
    """(id, state) of every task, for `ecredit verify-log`."""
    for task in MeasureTask.objects.order_by("id").iterator(chunk_size=2000):
        yield task.pk, task_state(task)


def _save(task: MeasureTask, log: ChainWriter, actor: Actor, action: str, reason: str = "") -> None:
    save_logged(task, log, actor, action, TASK_MODEL, STATE_FIELDS, reason)


def _deadline(start: dt.date, days: int) -> dt.date:
    return policy.current().calendar.add_working_days(start, days).due


def implementers(measure_code: str, on: dt.date) -> list[Organisation]:
    """Who carries out a measure: its department, or every active organisation of its kind."""
    implementer = policy.current().measure(measure_code, on).implementer
    if implementer.department:
        return list(Organisation.objects.filter(code=implementer.department, active=True))
    return list(Organisation.objects.filter(kind=implementer.organisation_kind, active=True).order_by("code"))


def unstaffed_measures(on: dt.date) -> list[dict]:
    """Measures of the list types in force whose implementer has no active organisation: publishing would
    dispatch them to no one, so the credit office is shown them (a department without an account, no bank yet)."""
    current, out = policy.current(), []
    codes = sorted({m for code in current.lists.list_types for m in current.list_type(code, on).measures})
    for code in codes:
        if not implementers(code, on):
            measure = current.measure(code, on)
            out.append({"code": code, "name": measure.name.zh,
                        "implementer": measure.implementer.department or measure.implementer.organisation_kind})
    return out


def dispatch(entry: ListEntry, rule: ListTypeVersion, log: ChainWriter, today: dt.date) -> int:
    """One task per measure of the list type and implementer, with accept and report deadlines."""
    made = 0
    for code in rule.measures:
        measure = policy.current().measure(code, today)
        for org in implementers(code, today):
            task = MeasureTask(entry=entry, measure=code, kind=measure.kind, implementer=org,
                               dispatched_at=log.at, accept_due=_deadline(today, measure.accept_working_days),
                               report_due=_deadline(today, measure.report_working_days))
            _save(task, log, SYSTEM_ACTOR, "dispatch", f"entry {entry.pk}: {measure.name.zh}")
            made += 1
    return made


def on_exit(entry: ListEntry, log: ChainWriter, today: dt.date) -> None:
    """The entry ended: tasks not carried out are cancelled; measures carried out must be lifted."""
    for task in MeasureTask.objects.select_for_update().filter(entry=entry, status__in=(
            TaskStatus.DISPATCHED, TaskStatus.ACCEPTED, TaskStatus.EXECUTED)):
        if task.status == TaskStatus.EXECUTED:
            measure = policy.current().measure(task.measure, today)
            task.status, task.lift_due = TaskStatus.TO_LIFT, _deadline(today, measure.accept_working_days)
            _save(task, log, SYSTEM_ACTOR, "lift_required", f"entry {entry.pk} {entry.status}")
        else:
            task.status = TaskStatus.CANCELLED
            _save(task, log, SYSTEM_ACTOR, "cancel", f"entry {entry.pk} {entry.status}")


def _task_for(task_id: int, principal) -> MeasureTask:
    principal.require("measure.respond")
    task = (MeasureTask.objects.visible_to(principal).select_for_update().select_related("entry")
            .filter(pk=task_id).first())
    if task is None or (task.implementer_id != principal.organisation_id and not principal.city_wide):
        # The deciding department sees its tasks but only the implementer answers them.
        raise NotFound(_("措施任务不存在"))
    return task


def _need(value: str, field: str) -> str:
    value = (value or "").strip()
    if len(value) < 2:
        raise ValidationFailed(_("请填写{field}").format(field=field), field=field, code="required")
    return value[:4000]


@logged_write
def respond(task_id: int, principal, *, action: str, text: str = "", now: dt.datetime | None = None) -> MeasureTask:
    """The implementer answers a task: `accept`, `report` (executed, with what was done), `decline` (with
    the reason it does not apply) or `lift` (the entry ended and the measure is undone)."""
    task = _task_for(task_id, principal)
    now = now or timezone.now()
    expected = {"accept": (TaskStatus.DISPATCHED,), "report": (TaskStatus.DISPATCHED, TaskStatus.ACCEPTED),
                "decline": (TaskStatus.DISPATCHED, TaskStatus.ACCEPTED), "lift": (TaskStatus.TO_LIFT,)}
    if action not in expected:
        raise ValidationFailed(_("操作应为 accept、report、decline 或 lift"), field="action", code="bad_action")
    if task.status not in expected[action]:
        raise Conflict(_("任务当前状态（{status}）不能办理此操作").format(status=task.get_status_display()),
                       code="wrong_status")
    task.handled_by = principal.label
    if action == "accept":
        task.status, task.accepted_at = TaskStatus.ACCEPTED, now
    elif action == "report":
        task.result = _need(text, "text")
        task.status, task.reported_at = TaskStatus.EXECUTED, now
        task.accepted_at = task.accepted_at or now
    elif action == "decline":
        task.result = _need(text, "text")
        task.status, task.reported_at = TaskStatus.DECLINED, now
    else:
        task.result = (task.result + "\n" if task.result else "") + _need(text, "text")
        task.status, task.lifted_at = TaskStatus.LIFTED, now
    with ChainWriter(now) as log:
        _save(task, log, principal.actor, action, text)
    return task


def overdue_q(today: dt.date) -> Q:
    """Tasks past their deadline: not accepted by `accept_due`, not reported by `report_due`, not lifted."""
    return (Q(status=TaskStatus.DISPATCHED, accept_due__lt=today)
            | Q(status__in=(TaskStatus.DISPATCHED, TaskStatus.ACCEPTED), report_due__lt=today)
            | Q(status=TaskStatus.TO_LIFT, lift_due__lt=today))


def overdue_flag(today: dt.date) -> Case:
    """An annotation: the task is past one of its deadlines today (`overdue_q`)."""
    return Case(When(overdue_q(today), then=Value(True)), default=Value(False), output_field=BooleanField())


def escalate_overdue(log: ChainWriter, today: dt.date) -> int:
    """Mark newly overdue tasks as escalated to the credit office (once each; they stay on its dashboard)."""
    count = 0
    for task in MeasureTask.objects.select_for_update().filter(overdue_q(today), escalated_at__isnull=True):
        task.escalated_at = log.at
        _save(task, log, SYSTEM_ACTOR, "escalate", "overdue")
        count += 1
    return count


def tasks_of(principal, *, status: str | None = None, today: dt.date | None = None):
    """Tasks the principal may see (an implementer: its own only), open ones first, each with `is_overdue`."""
    if not (principal.can("measure.respond") or principal.can("supervision.view")):
        principal.require("measure.respond")
    found = (MeasureTask.objects.visible_to(principal).select_related("entry", "entry__subject", "implementer")
             .annotate(is_overdue=overdue_flag(today or timezone.localdate())))
    if status == "open":
        found = found.filter(status__in=TASK_OPEN)
    elif status:
        found = found.filter(status=status)
    return found.order_by("status", "accept_due", "id")


@dataclass
class ImplementerFigures:
    """One implementer's joint-action record: tasks received, answered in time, executed, overdue."""

    organisation_id: int
    code: str
    name: str
    kind: str
    dispatched: int
    accepted_on_time: int
    executed: int
    declined: int
    open: int
    overdue: int
    escalated: int
    due_for_acceptance: int = 0     # accepted, or past the accept deadline (a task not yet due is not late)

    @property
    def execution_rate(self) -> float | None:
        """Executed or answered with a reason, of tasks whose report deadline has passed or that are answered."""
        answered = self.executed + self.declined
        due = answered + self.overdue
        return round(answered / due, 4) if due else None

    @property
    def response_rate(self) -> float | None:
        """Accepted within the accept deadline, of the tasks accepted or past that deadline."""
        due = self.due_for_acceptance
        return round(self.accepted_on_time / due, 4) if due else None


def implementer_figures(principal, today: dt.date | None = None) -> list[ImplementerFigures]:
    """Execution and response rates per department, platform and bank (the supervision dashboard)."""
    principal.require("supervision.view")
    today = today or timezone.localdate()
    tasks = MeasureTask.objects.all() if principal.city_wide else MeasureTask.objects.visible_to(principal)
    rows = tasks.values("implementer_id", "implementer__code", "implementer__name", "implementer__kind").annotate(
        dispatched=Count("id"),
        accepted_on_time=Count("id", filter=Q(accepted_at__isnull=False, accepted_at__date__lte=F("accept_due"))),
        due_for_acceptance=Count("id", filter=Q(accepted_at__isnull=False) | Q(accept_due__lt=today)),
        executed=Count("id", filter=Q(status__in=(TaskStatus.EXECUTED, TaskStatus.TO_LIFT, TaskStatus.LIFTED))),
        declined=Count("id", filter=Q(status=TaskStatus.DECLINED)),
        open=Count("id", filter=Q(status__in=TASK_OPEN)),
        overdue=Count("id", filter=overdue_q(today)),
        escalated=Count("id", filter=Q(escalated_at__isnull=False)),
    ).order_by("implementer__kind", "implementer__code")
    return [ImplementerFigures(r["implementer_id"], r["implementer__code"], r["implementer__name"],
                               r["implementer__kind"], r["dispatched"], r["accepted_on_time"], r["executed"],
                               r["declined"], r["open"], r["overdue"], r["escalated"], r["due_for_acceptance"])
            for r in rows]


def platform_response_rates(platform_subject_ids: list[int], since: dt.date, today: dt.date) -> dict[int, float]:
    """Per platform (by its registry subject id): tasks dispatched since `since` and accepted in time, of those
    accepted or past their accept deadline (the platform-compliance view, R11.1)."""
    from ecredit.registry.models import Subject

    usccs = dict(Subject.objects.filter(pk__in=platform_subject_ids).values_list("uscc", "id"))
    rows = (MeasureTask.objects.filter(implementer__kind="platform", implementer__uscc__in=list(usccs),
                                       dispatched_at__date__gte=since, dispatched_at__date__lte=today)
            .values("implementer__uscc").annotate(
                on_time=Count("id", filter=Q(accepted_at__isnull=False, accepted_at__date__lte=F("accept_due"))),
                due=Count("id", filter=Q(accepted_at__isnull=False) | Q(accept_due__lt=today))))
    return {usccs[r["implementer__uscc"]]: round(r["on_time"] / r["due"], 4) for r in rows if r["due"]}
