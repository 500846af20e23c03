"""Credit evaluation results: every score ever computed (history), the current one per model version,
grade changes as a feed, and batch runs."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Score(models.Model):
    """A subject's score under one version of one model, as computed on `as_of` (history: a new row only when
    the score, grade or explanation changed). `contributions` maps each indicator to [raw value, hundredths of a
    point]; `evidence` maps record-counting indicators to the ids of the records counted; `bound` is the
    adjustment that kept the score inside the model's range. base + contributions + bound = score, exactly."""

    subject = models.ForeignKey("registry.Subject", on_delete=models.CASCADE, related_name="scores",
                                verbose_name=_("信用主体"))
    model_code = models.CharField(_("评价模型"), max_length=32)
    model_version = models.CharField(_("模型版本"), max_length=48)
    as_of = models.DateField(_("评价日期"))
    score = models.DecimalField(_("得分"), max_digits=7, decimal_places=2)
    grade = models.CharField(_("等级"), max_length=4)
    base = models.DecimalField(_("基础分"), max_digits=7, decimal_places=2)
    bound = models.DecimalField(_("上下限调整"), max_digits=7, decimal_places=2, default=0)
    contributions = models.JSONField(_("指标得分"))
    evidence = models.JSONField(_("依据记录"), default=dict)
    digest = models.CharField(_("摘要"), max_length=40)
    policy_version = models.CharField(_("规则版本"), max_length=16)
    computed_at = models.DateTimeField(_("计算时间"))
    run = models.BigIntegerField(_("批次"), null=True, blank=True)

    class Meta:
        verbose_name = _("信用评价得分")
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["subject", "model_version", "computed_at"])]

    def __str__(self) -> str:
        return f"{self.model_version} {self.score} {self.grade}"


class CurrentScore(models.Model):
    """The latest score of a subject under each model version (one row per subject and version): what
    profiles, reports, distributions and the feed read."""

    subject = models.ForeignKey("registry.Subject", on_delete=models.CASCADE, related_name="current_scores",
                                verbose_name=_("信用主体"))
    model_code = models.CharField(_("评价模型"), max_length=32)
    model_version = models.CharField(_("模型版本"), max_length=48)
    score_row = models.ForeignKey(Score, on_delete=models.CASCADE, related_name="+", verbose_name=_("得分记录"))
    score = models.DecimalField(_("得分"), max_digits=7, decimal_places=2)
    grade = models.CharField(_("等级"), max_length=4)
    as_of = models.DateField(_("评价日期"))
    digest = models.CharField(_("摘要"), max_length=40)
    in_force = models.BooleanField(_("现行版本"), default=True)

    class Meta:
        verbose_name = _("现行信用评价")
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["subject", "model_version"], name="one_current_per_version")]
        indexes = [models.Index(fields=["model_version", "grade"]), models.Index(fields=["in_force", "subject"])]

    def __str__(self) -> str:
        return f"{self.subject_id} {self.model_version} {self.grade}"


class GradeChange(models.Model):
    """A subject's grade under the model in force changed (or was first given): the feed platforms pull
    (R14.2). `seq` is the cursor."""

    seq = models.BigAutoField(primary_key=True)
    subject = models.ForeignKey("registry.Subject", on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("信用主体"))
    model_version = models.CharField(_("模型版本"), max_length=48)
    old_grade = models.CharField(_("原等级"), max_length=4, blank=True)
    new_grade = models.CharField(_("新等级"), max_length=4)
    score = models.DecimalField(_("得分"), max_digits=7, decimal_places=2)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("等级变化")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.subject_id}: {self.old_grade or '—'} → {self.new_grade}"


class EvaluationRun(models.Model):
    """One batch rescoring: when, against which date and policy, how many subjects, how long each stage took."""

    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    as_of = models.DateField(_("评价日期"))
    policy_version = models.CharField(_("规则版本"), max_length=16)
    subjects = models.IntegerField(_("主体数"), default=0)
    changed = models.IntegerField(_("变化数"), default=0)
    timings = models.JSONField(_("各阶段耗时（秒）"), default=dict)

    class Meta:
        verbose_name = _("批量评价")
        verbose_name_plural = verbose_name
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.as_of} ({self.subjects})"
