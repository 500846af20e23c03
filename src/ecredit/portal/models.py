"""The public portal's own data: notices published on it, and the credit reports it has issued."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PublicationStatus(models.TextChoices):
    """A notice is public until its period ends or its publisher withdraws it."""

    PUBLISHED = "published", _("公示中")
    WITHDRAWN = "withdrawn", _("已撤回")


class PublicationQuerySet(models.QuerySet):
    def public(self, on=None) -> "PublicationQuerySet":
        """Notices the portal shows today."""
        today = on or timezone.localdate()
        return self.filter(status=PublicationStatus.PUBLISHED, published_on__lte=today, public_until__gte=today)


class Publication(models.Model):
    """A notice on the portal (policy: disclosure.yaml publication_kinds): a typical case, a platform's risk
    alert about one of its shops, a platform's major event, or a merchant's own disclosure. It names its
    publisher and, where it has one, the subject it is about; it is never deleted, only withdrawn."""

    kind = models.CharField(_("类型"), max_length=32)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"), max_length=10_000)
    topic = models.CharField(_("公示事项"), max_length=32, blank=True)
    subject = models.ForeignKey("registry.Subject", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="publications", verbose_name=_("相关主体"))
    publisher = models.ForeignKey("access.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                  verbose_name=_("发布单位"))
    publisher_subject = models.ForeignKey("registry.Subject", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+", verbose_name=_("发布主体"))
    published_on = models.DateField(_("发布日期"))
    public_until = models.DateField(_("公示截止"))
    status = models.CharField(_("状态"), max_length=12, choices=PublicationStatus.choices,
                              default=PublicationStatus.PUBLISHED)
    withdrawn_reason = models.CharField(_("撤回原因"), max_length=300, blank=True)
    reference = models.CharField(_("公示依据"), max_length=300)
    created_at = models.DateTimeField(_("创建时间"))
    log_seq = models.BigIntegerField(_("变更日志序号"))

    objects = PublicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("公示信息")
        verbose_name_plural = verbose_name
        ordering = ["-published_on", "-id"]
        indexes = [models.Index(fields=["kind", "published_on"]), models.Index(fields=["subject", "kind"])]

    def __str__(self) -> str:
        return self.title


class ReportScope(models.TextChoices):
    """Whose view of the archive a report prints."""

    PUBLIC = "public", _("公开版")
    OWN = "own", _("本人版")
    CHECK = "check", _("信用核查版")


class ReportStatus(models.TextChoices):
    """An issued report stays valid unless withdrawn (by the credit office, or because a record in it was
    revoked or corrected after issue)."""

    ISSUED = "issued", _("有效")
    WITHDRAWN = "withdrawn", _("已撤回")


class CreditReport(models.Model):
    """A credit report as issued: what it says (`content`, canonical JSON, SM3 `content_digest`), the
    exact PDF handed out (`pdf`, SHA-256 `pdf_sha256`), and the signature (`algorithm`, Ed25519 today) over
    code, digest and issue time. `/verify` answers from this row: valid, altered (a PDF naming this code but
    with other bytes) or withdrawn."""

    code = models.CharField(_("验证码"), max_length=24, unique=True)
    subject = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, related_name="credit_reports",
                                verbose_name=_("信用主体"))
    scope = models.CharField(_("版本"), max_length=8, choices=ReportScope.choices)
    language = models.CharField(_("语言"), max_length=8, default="zh-hans")
    issued_at = models.DateTimeField(_("出具时间"))
    issued_on = models.DateField(_("出具日期"))
    issued_to = models.CharField(_("申请人"), max_length=120)
    issued_to_org = models.CharField(_("申请单位"), max_length=64, blank=True)
    purpose = models.CharField(_("用途"), max_length=200, blank=True)
    content = models.JSONField(_("报告内容"))
    content_digest = models.CharField(_("内容摘要（SM3）"), max_length=64)
    record_ids = models.JSONField(_("所含记录"), default=list)
    algorithm = models.CharField(_("签名算法"), max_length=16, default="ed25519")
    signature = models.CharField(_("签名"), max_length=200)        # room for an SM2 signature (DER, hex)
    signing_key = models.CharField(_("签名公钥"), max_length=160)  # room for an SM2 public key (hex)
    pdf = models.BinaryField(_("报告文件"), editable=False)
    pdf_sha256 = models.CharField(_("文件摘要（SHA-256）"), max_length=64, db_index=True)
    status = models.CharField(_("状态"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.ISSUED)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("撤回原因"), max_length=300, blank=True)
    log_seq = models.BigIntegerField(_("变更日志序号"))

    class Meta:
        verbose_name = _("信用报告")
        verbose_name_plural = verbose_name
        ordering = ["-issued_at"]
        indexes = [models.Index(fields=["subject", "scope", "issued_on", "content_digest"])]

    def __str__(self) -> str:
        return self.code
