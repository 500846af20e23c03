"""Credit commitments (信用承诺): templates by type, signed commitments with their codes, publication and fulfilment."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CommitmentType(models.TextChoices):
    """The seven types of the national record template (the catalog's commitment_type codes)."""

    APPROVAL_SUBSTITUTE = "approval_substitute", _("审批替代型")
    TOLERANCE_ACCEPTANCE = "tolerance_acceptance", _("容缺受理型")
    CERTIFICATION = "certification", _("证明事项型")
    CREDIT_REPAIR = "credit_repair", _("信用修复型")
    INDUSTRY_SELF_DISCIPLINE = "industry_self_discipline", _("行业自律型")
    VOLUNTARY = "voluntary", _("主动型")
    OTHER = "other", _("其他")


class Visibility(models.TextChoices):
    """How widely a commitment is published (公开类型), narrowest last."""

    PUBLIC = "public", _("公开")
    RESTRICTED = "restricted", _("有限公开（授权查询）")
    NOT_PUBLIC = "not_public", _("不公开")


# Narrower visibilities come later: a signer may narrow a type's default, never widen it.
VISIBILITY_ORDER = (Visibility.PUBLIC, Visibility.RESTRICTED, Visibility.NOT_PUBLIC)


class Status(models.TextChoices):
    """A commitment's life: signed → in force (accepted, or at once when no acceptance is needed) → expired;
    withdrawn by the signer or refused by the accepting organisation before that."""

    SIGNED = "signed", _("已签署（待受理）")
    IN_FORCE = "in_force", _("生效中")
    EXPIRED = "expired", _("已到期")
    WITHDRAWN = "withdrawn", _("已撤回")
    REFUSED = "refused", _("不予受理")


# Published (in the archive, on the portal per visibility) once accepted: these statuses with `published_on` set
# (a commitment that expired before anyone accepted it was never published).
PUBLISHED = (Status.IN_FORCE, Status.EXPIRED)


class Fulfilment(models.TextChoices):
    """Fulfilment as assessed by the accepting or supervising organisation (履约状态)."""

    PENDING = "pending", _("履行中（待认定）")
    FULFILLED = "fulfilled", _("全部履行")
    PARTLY = "partly", _("部分履行")
    NOT_FULFILLED = "not_fulfilled", _("全部未履行")


BREACHES = (Fulfilment.PARTLY, Fulfilment.NOT_FULFILLED)
# The catalog's performance_status codes for the same states.
PERFORMANCE_STATUS = {Fulfilment.PENDING: "in_progress", Fulfilment.FULFILLED: "fulfilled",
                      Fulfilment.PARTLY: "partially_fulfilled", Fulfilment.NOT_FULFILLED: "not_fulfilled"}


class CommitmentQuerySet(models.QuerySet):
    """Commitments, scoped by visibility and by who signed, collected, accepted or assessed them."""

    def visible_to(self, principal) -> "CommitmentQuerySet":
        """Commitments the principal may see: the credit office all; everyone the published public ones;
        those who read authorised data also the published restricted ones; the signer's own account, the
        organisation that signed, collected or accepts one, and the one that assessed it, theirs whatever
        the visibility or status."""
        if principal.city_wide:
            return self.all()
        q = self.public_q()
        if "authorised" in principal.reads:
            q |= Q(status__in=PUBLISHED, published_on__isnull=False, visibility=Visibility.RESTRICTED)
        if principal.subject_id:
            q |= Q(subject_id=principal.subject_id) | Q(subject__operator_id=principal.subject_id)
        # A subject account's organisation is the shared self-service one: it sees its subject's, not the org's.
        if principal.organisation_id and not principal.acts_as_subject:
            org = principal.organisation_id
            q |= (Q(signed_by_org_id=org) | Q(collected_by_id=org) | Q(accepted_by_id=org)
                  | Q(assessed_by_org_id=org))
        return self.filter(q)

    @staticmethod
    def public_q() -> Q:
        """What everyone sees: published commitments whose visibility is public."""
        return Q(status__in=PUBLISHED, published_on__isnull=False, visibility=Visibility.PUBLIC)

    def public(self) -> "CommitmentQuerySet":
        """The portal's list."""
        return self.filter(self.public_q())


class Commitment(models.Model):
    """A signed credit commitment in standard format (plan task 7; the national commitment record template).

    `code` is region (6) + signing date (8) + serial (6), the serial counted per region and date by
    `CodeCounter`. `text` is the template rendered at signing; its SM3 digest, the code and the signing time
    are signed with the deployment's key (`signature`), so a copy or a row whose text changed fails
    verification. Accepting it publishes it per `visibility` and writes a `credit_commitment` record
    (`record`); a breach writes a `commitment_breach` record (`breach_record`) and, for a credit-repair
    commitment, puts the repaired record (`repaired_record`) back in view for its maximum period.
    """

    code = models.CharField(_("承诺编码"), max_length=20, unique=True)
    region = models.CharField(_("行政区划代码"), max_length=6)
    signed_on = models.DateField(_("签署日期"))
    serial = models.PositiveIntegerField(_("流水号"))
    commitment_type = models.CharField(_("承诺类型"), max_length=32, choices=CommitmentType.choices)
    subject = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, related_name="commitments",
                                verbose_name=_("承诺主体"))
    signed_by = models.CharField(_("签署账号"), max_length=120)
    signed_by_org = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("签署单位"))
    collected_by = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("代为收集的平台"))
    template_version = models.CharField(_("模板版本"), max_length=60)
    policy_version = models.CharField(_("规则版本"), max_length=16)
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("承诺书全文"))
    matter = models.CharField(_("承诺事项"), max_length=200)
    accepted_by = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="accepted_commitments", verbose_name=_("承诺受理单位"))
    visibility = models.CharField(_("公开类型"), max_length=12, choices=Visibility.choices)
    signed_at = models.DateTimeField(_("签署时间"))
    content_digest = models.CharField(_("内容摘要（SM3）"), max_length=64)
    algorithm = models.CharField(_("签名算法"), max_length=16)
    signature = models.CharField(_("电子签名"), max_length=128)
    signing_key = models.CharField(_("签名公钥"), max_length=64)
    valid_until = models.DateField(_("有效期至"))
    assessment_due = models.DateField(_("履约认定期限"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.SIGNED)
    status_reason = models.TextField(_("撤回或不予受理理由"), blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    accepted_by_label = models.CharField(_("受理人"), max_length=120, blank=True)
    published_on = models.DateField(_("公开日期"), null=True, blank=True)
    fulfilment = models.CharField(_("履约状态"), max_length=16, choices=Fulfilment.choices,
                                  default=Fulfilment.PENDING)
    assessed_at = models.DateTimeField(_("认定时间"), null=True, blank=True)
    assessed_by = models.CharField(_("认定人"), max_length=120, blank=True)
    assessed_by_org = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+", verbose_name=_("认定单位"))
    assessment_text = models.TextField(_("认定意见"), blank=True)
    record = models.OneToOneField("archive.CreditRecord", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="commitment", verbose_name=_("信用承诺记录"))
    breach_record = models.OneToOneField("archive.CreditRecord", on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="breached_commitment", verbose_name=_("违背承诺记录"))
    repaired_record = models.ForeignKey("archive.CreditRecord", on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="repair_commitments", verbose_name=_("修复的信用记录"))
    repair_application = models.ForeignKey("archive.RepairApplication", on_delete=models.PROTECT, null=True,
                                           blank=True, related_name="commitments", verbose_name=_("信用修复申请"))
    restored_until = models.DateField(_("恢复公示至"), null=True, blank=True)
    # The signer's own id of its signing request (an API client's, or a form's): the same id sent again is the
    # same commitment, so a retried request or a form submitted twice signs once.
    client_ref = models.CharField(_("签署请求编号"), max_length=64, blank=True, default="")
    updated_at = models.DateTimeField(_("更新时间"))
    log_seq = models.BigIntegerField(_("日志序号"), null=True)

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("信用承诺")
        verbose_name_plural = verbose_name
        ordering = ["-signed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "signed_on", "serial"], name="commitment_serial_per_day"),
            models.UniqueConstraint(fields=["signed_by", "client_ref"], condition=~Q(client_ref=""),
                                    name="commitment_client_ref_once"),
            # A repair commitment names the record it repairs.
            models.CheckConstraint(condition=~Q(commitment_type="credit_repair") | Q(repaired_record__isnull=False),
                                   name="repair_commitment_names_record"),
        ]
        indexes = [models.Index(fields=["status", "visibility"]), models.Index(fields=["accepted_by", "status"]),
                   models.Index(fields=["subject", "status"]), models.Index(fields=["fulfilment", "assessment_due"])]

    def __str__(self) -> str:
        return self.code


class CodeCounter(models.Model):
    """The last serial given out per region and signing date. Signing locks the row (select_for_update), so two
    signers never get the same serial; the unique code and (region, date, serial) constraints back it up."""

    region = models.CharField(_("行政区划代码"), max_length=6)
    day = models.DateField(_("日期"))
    last = models.PositiveIntegerField(_("最后流水号"), default=0)

    class Meta:
        verbose_name = _("承诺编码流水号")
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["region", "day"], name="one_counter_per_region_day")]

    def __str__(self) -> str:
        return f"{self.region}{self.day:%Y%m%d}:{self.last}"
