"""Supervision of the plan itself (R18.2): departments' progress reports on the plan's tasks."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProgressStatus(models.TextChoices):
    """Where a department stands on a task in a reporting period."""

    NOT_STARTED = "not_started", _("未启动")
    IN_PROGRESS = "in_progress", _("推进中")
    COMPLETED = "completed", _("已完成")
    BLOCKED = "blocked", _("受阻")


class PlanProgressQuerySet(models.QuerySet):
    def visible_to(self, principal) -> "PlanProgressQuerySet":
        """Reports the principal may see: all for the city-wide, its own department's otherwise."""
        if principal.city_wide:
            return self
        if not principal.organisation_id:
            return self.none()
        return self.filter(department_id=principal.organisation_id)


class PlanProgress(models.Model):
    """A department's progress report on one of the plan's tasks (policy: plan.yaml) for one reporting period
    (`2026Q3`). One row per (task, department, period): reporting again updates it, and every change is a
    change-log entry (`log_seq` is the latest). The department is the access.Organisation whose code is the
    department's code in departments.yaml; `reported_by` names who reported (the department itself, or the
    credit office on its behalf)."""

    task = models.PositiveSmallIntegerField(_("任务序号"))
    department = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, related_name="plan_progress",
                                   verbose_name=_("报告部门"))
    period = models.CharField(_("报告期"), max_length=7)
    status = models.CharField(_("进展状态"), max_length=12, choices=ProgressStatus.choices)
    percent = models.PositiveSmallIntegerField(_("完成进度（%）"), default=0)
    summary = models.TextField(_("工作进展"), max_length=4000)
    problems = models.TextField(_("存在问题"), max_length=4000, blank=True)
    next_steps = models.TextField(_("下一步计划"), max_length=4000, blank=True)
    reported_by = models.CharField(_("报告人"), max_length=120)
    reported_org = models.CharField(_("报告单位"), max_length=64)
    reported_at = models.DateTimeField(_("报告时间"))
    log_seq = models.BigIntegerField(_("变更日志序号"))

    objects = PlanProgressQuerySet.as_manager()

    class Meta:
        verbose_name = _("任务进展报告")
        verbose_name_plural = verbose_name
        ordering = ["task", "department_id", "-period"]
        constraints = [models.UniqueConstraint(fields=["task", "department", "period"],
                                               name="plan_progress_once_per_period")]
        indexes = [models.Index(fields=["period", "task"])]

    def __str__(self) -> str:
        return f"{self.task} {self.department_id} {self.period}"
