"""Inbound batches: what each source sent, through which channel, and what became of every row."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    API = "api", _("接口")
    EXCEL = "excel", _("Excel上传")
    CLI = "cli", _("命令行导入")
    SHOP_REPORT = "shop_report", _("网店实名报送")


class BatchStatus(models.TextChoices):
    ACCEPTED = "accepted", _("全部接收")
    PARTIAL = "partial", _("部分接收")
    REJECTED = "rejected", _("全部退回")


class BatchQuerySet(models.QuerySet):
    def visible_to(self, principal) -> "BatchQuerySet":
        """A source sees its own batches; the credit office sees all."""
        if not principal.can("batch.view"):
            return self.none()
        if principal.city_wide:
            return self
        return self.filter(Q(organisation_id=principal.organisation_id))


class Batch(models.Model):
    """One delivery from a source. `client_batch_id` (unique per organisation) makes re-sending a batch
    return the first answer instead of processing it twice; `content_hash` (SM3 of the records as received,
    canonical JSON) tells a re-sent batch from a different one that reuses the id."""

    organisation = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, related_name="batches",
                                     verbose_name=_("报送单位"))
    client_batch_id = models.CharField(_("报送方批次号"), max_length=100, null=True, blank=True)
    content_hash = models.CharField(_("内容摘要（SM3）"), max_length=64, blank=True)
    channel = models.CharField(_("渠道"), max_length=12, choices=Channel.choices)
    submitted_by = models.CharField(_("报送人"), max_length=120)
    submitted_at = models.DateTimeField(_("报送时间"), auto_now_add=True, db_index=True)
    filename = models.CharField(_("文件名"), max_length=200, blank=True)
    atomic = models.BooleanField(_("整批接收或整批退回"), default=False)
    status = models.CharField(_("结果"), max_length=12, choices=BatchStatus.choices)
    received = models.PositiveIntegerField(_("收到"), default=0)
    created = models.PositiveIntegerField(_("新增"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    unchanged = models.PositiveIntegerField(_("未变化"), default=0)
    rejected = models.PositiveIntegerField(_("退回"), default=0)
    errors = models.JSONField(_("错误明细"), default=list, blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), default=0)

    objects = BatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("报送批次")
        verbose_name_plural = verbose_name
        ordering = ["-submitted_at"]
        constraints = [models.UniqueConstraint(fields=["organisation", "client_batch_id"],
                                               name="batch_id_unique_per_source")]

    replayed = False  # set by the exchange service when a re-sent batch id returns this batch

    def __str__(self) -> str:
        return f"{self.organisation} #{self.pk} ({self.get_status_display()})"

    def report(self) -> dict:
        """The batch's answer as the API returns it."""
        return {"batch": self.pk, "client_batch_id": self.client_batch_id, "status": self.status,
                "received": self.received, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "rejected": self.rejected, "atomic": self.atomic,
                "errors": self.errors, "submitted_at": self.submitted_at}
