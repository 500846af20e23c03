"""Typed plan.yaml: the plan's 18 tasks, progress reporting, and platforms' compliance figures (R18.2, R11.1).

Each task's lead and cooperating departments come from departments.yaml (`leads`, `supports`); this module
joins the two files and lists what is inconsistent between them, for the loader to refuse at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Iterable, Literal

from pydantic import Field

from .models import Catalog, Dated, Departments, PeriodField, Strict, Texts


class PlanTask(Strict):
    """One numbered task of the plan (三、任务分工): its section, title and the requirements it maps to."""

    number: int = Field(ge=1, le=99)
    section: str
    title: Texts
    requirements: list[Annotated[str, Field(pattern=r"^R\d{1,2}(\.\d{1,2})?$")]] = Field(min_length=1)


class ReportingRule(Dated):
    """How often departments report progress on their tasks, and how many working days after the period
    ends the report is due."""

    period: Literal["quarter"]
    due_working_days: int = Field(ge=1, le=60)


class ComplianceRule(Dated):
    """How platforms' compliance figures are computed: the window they cover, which records are platforms'
    own dishonesty reports and within how many working days of the finding they count as timely, which
    record types are regulators' interviews and notices, which portal notices are risk alerts, and which
    record categories are complaints."""

    window: PeriodField
    report_categories: list[str] = Field(min_length=1)
    report_deadline_working_days: int = Field(ge=0, le=60)
    interview_types: list[str] = Field(min_length=1)
    risk_alert_kinds: list[str] = Field(min_length=1)
    complaint_categories: list[str] = Field(min_length=1)


class PlanRules(Dated):
    """The plan's task table, its progress-reporting rule and the platform-compliance rule (plan.yaml)."""

    sections: dict[str, Texts] = Field(min_length=1)
    tasks: list[PlanTask] = Field(min_length=1)
    reporting: list[ReportingRule] = Field(min_length=1)
    compliance: list[ComplianceRule] = Field(min_length=1)

    def task(self, number: int) -> PlanTask | None:
        """The task with this number, or None."""
        return next((t for t in self.tasks if t.number == number), None)


@dataclass(frozen=True)
class TaskDepartments:
    """A task's lead and cooperating department codes, in departments.yaml order."""

    leads: tuple[str, ...]
    supports: tuple[str, ...]

    @property
    def all(self) -> tuple[str, ...]:
        """Leads first, then cooperating departments."""
        return self.leads + self.supports

    def role(self, code: str) -> str | None:
        """'lead', 'support' or None for a department not on the task."""
        return "lead" if code in self.leads else "support" if code in self.supports else None


def task_departments(plan: PlanRules, departments: Departments) -> dict[int, TaskDepartments]:
    """Every task number with its lead and cooperating departments, read from departments.yaml."""
    leads: dict[int, list[str]] = {t.number: [] for t in plan.tasks}
    supports: dict[int, list[str]] = {t.number: [] for t in plan.tasks}
    for department in departments.departments:
        for number in department.leads:
            leads.setdefault(number, []).append(department.code)
        for number in department.supports:
            supports.setdefault(number, []).append(department.code)
    return {n: TaskDepartments(tuple(leads[n]), tuple(supports.get(n, ()))) for n in leads}


def problems(plan: PlanRules, departments: Departments, catalog: Catalog,
             publication_kinds: Iterable[str] = ()) -> list[tuple[str, str, str]]:
    """What is inconsistent in plan.yaml or between it and departments.yaml, the catalog and the portal's
    notice kinds, as (file, key, reason); empty when the files agree."""
    out: list[tuple[str, str, str]] = []
    seen: set[int] = set()
    for index, task in enumerate(plan.tasks):
        if task.number in seen:
            out.append(("plan.yaml", f"tasks.{index}.number", f"task {task.number} is listed twice"))
        seen.add(task.number)
        if task.section not in plan.sections:
            out.append(("plan.yaml", f"tasks.{index}.section", f"unknown section {task.section!r}"))
    for number in range(1, max(seen, default=0) + 1):
        if number not in seen:
            out.append(("plan.yaml", "tasks", f"task {number} is missing (tasks are numbered 1..{max(seen)})"))
    for index, department in enumerate(departments.departments):
        for name in ("leads", "supports"):
            for number in getattr(department, name):
                if number not in seen:
                    out.append(("departments.yaml", f"departments.{index}({department.code}).{name}",
                                f"task {number} is not in plan.yaml"))
        both = set(department.leads) & set(department.supports)
        if both:
            out.append(("departments.yaml", f"departments.{index}({department.code})",
                        f"leads and supports the same task: {sorted(both)}"))
    assigned = task_departments(plan, departments)
    for index, task in enumerate(plan.tasks):
        if task.number in assigned and not assigned[task.number].leads:
            out.append(("plan.yaml", f"tasks.{index}.number",
                        f"task {task.number} has no lead department in departments.yaml"))
    types = {rule.code for rule in catalog.record_types}
    for index, rule in enumerate(plan.compliance):
        for category in rule.report_categories:
            if category not in catalog.categories:
                out.append(("plan.yaml", f"compliance.{index}.report_categories", f"no category {category!r}"))
        for code in rule.interview_types:
            if code not in types:
                out.append(("plan.yaml", f"compliance.{index}.interview_types", f"no record type {code!r}"))
        for category in rule.complaint_categories:
            if category not in catalog.categories:
                out.append(("plan.yaml", f"compliance.{index}.complaint_categories",
                            f"no category {category!r}"))
        kinds = set(publication_kinds)
        for kind in rule.risk_alert_kinds:
            if kind not in kinds:
                out.append(("plan.yaml", f"compliance.{index}.risk_alert_kinds", f"no notice kind {kind!r}"))
    return out
