"""The change log (every write, hash-chained with SM3) and the access log (every non-public read)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChainHead(models.Model):
    """The last entry of the change log: one row, locked by every writer so the chain stays linear."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("变更日志链头")
        verbose_name_plural = verbose_name


class ChangeLogEntry(models.Model):
    """One write to the archive: who did what to which object, and the object's state afterwards.

    Entries are never updated or deleted. `hash` = SM3(previous hash, this entry's bytes), so editing or
    removing any entry, or any logged object behind the log's back, is found by `ecredit verify-log`.
    """

    seq = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField(_("时间"))
    actor = models.CharField(_("操作人"), max_length=120)
    organisation = models.CharField(_("单位"), max_length=64, blank=True)
    action = models.CharField(_("操作"), max_length=32)
    model = models.CharField(_("对象类型"), max_length=48)
    object_id = models.BigIntegerField(_("对象编号"))
    state = models.TextField(_("变更后状态"))
    reason = models.TextField(_("理由"), blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("变更日志")
        verbose_name_plural = verbose_name
        ordering = ["seq"]
        indexes = [models.Index(fields=["model", "object_id", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.model}:{self.object_id}"


class ChainCheckpoint(models.Model):
    """A signature (Ed25519) over the chain head at a moment, so that a rewrite of the whole chain
    after that moment is detectable too, not only a change of one entry."""

    seq = models.BigIntegerField(primary_key=True)
    hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    signature = models.CharField(max_length=128)
    public_key = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("日志签名点")
        verbose_name_plural = verbose_name
        ordering = ["seq"]


class AccessLogEntry(models.Model):
    """A read of data that is not public: who, about which subject, what data, for what stated purpose."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.CharField(_("访问人"), max_length=120)
    organisation = models.CharField(_("单位"), max_length=64, blank=True)
    subject_id = models.BigIntegerField(_("信用主体"), null=True, db_index=True)
    data = models.CharField(_("访问数据"), max_length=200)
    purpose = models.CharField(_("用途"), max_length=500)
    channel = models.CharField(_("渠道"), max_length=40)

    class Meta:
        verbose_name = _("访问日志")
        verbose_name_plural = verbose_name
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.data}"
