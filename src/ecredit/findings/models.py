"""Findings: what the detection library found in platform and logistics data, kept with its evidence and put
before an officer, who confirms it (it becomes a credit record) or dismisses it with a reason.

A finding is a derived result: it names the run that first and last produced it and the policy version used.
Re-running the detectors does not duplicate a finding: each has a `fingerprint` (its kind and the members that
make it, canonical), and a later run that finds the same thing refreshes its evidence and `last_run`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class FindingKind(models.TextChoices):
    """Which detector produced a finding (findings.yaml says what each becomes when confirmed)."""

    ORDER_RING = "order_ring", _("疑似刷单团伙")
    REVIEW_ACCOUNTS = "review_accounts", _("疑似虚假或恶意评价")
    EMPTY_PARCEL = "empty_parcel", _("疑似空包裹")
    BORROWED_NAME = "borrowed_name", _("疑似冒用他人名称")
    MISSING_LICENCE = "missing_licence", _("疑似无证销售重点商品")
    UNLICENSED_CHANNEL = "unlicensed_channel", _("疑似无证支付渠道")


class FindingStatus(models.TextChoices):
    """Where a finding is; confirmed and dismissed are final (a dismissed finding found again stays dismissed
    unless its evidence grows past what findings.yaml calls material, then it reopens). An open finding that the
    daily runs have not found for findings.yaml `staleness.after` becomes stale (its matter may have left the
    data windows or stopped): out of the officers' default list, still decidable, open again when found again."""

    OPEN = "open", _("待核查")
    CONFIRMED = "confirmed", _("已确认")
    DISMISSED = "dismissed", _("已排除")
    STALE = "stale", _("未再发现")

    @classmethod
    def decidable(cls) -> tuple[str, ...]:
        """The states an officer may confirm or dismiss a finding in."""
        return (cls.OPEN, cls.STALE)


class RunStatus(models.TextChoices):
    """How a detection run ended."""

    RUNNING = "running", _("运行中")
    FINISHED = "finished", _("已完成")
    FAILED = "failed", _("失败")


class DetectionRun(models.Model):
    """One run of the detectors over a window of data (scheduled daily, or started by an administrator).

    `detectors` lists the detectors run; `figures` holds per detector the rows read, findings new, refreshed
    and reopened, and the seconds taken; `engine` is numpy or spark (rings). Logged (`log_seq`) when it ends.
    """

    started_at = models.DateTimeField(_("开始时间"), db_index=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    window_start = models.DateField(_("数据起始日"))
    window_end = models.DateField(_("数据截止日"))
    detectors = models.JSONField(_("检测项"), default=list)
    engine = models.CharField(_("计算引擎"), max_length=16, default="numpy")
    status = models.CharField(_("状态"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    figures = models.JSONField(_("运行统计"), default=dict, blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    triggered_by = models.CharField(_("发起人"), max_length=120)
    policy_version = models.CharField(_("规则版本"), max_length=16)
    log_seq = models.BigIntegerField(_("变更日志序号"), default=0)

    class Meta:
        verbose_name = _("检测运行")
        verbose_name_plural = verbose_name
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"run {self.pk} {self.window_start}..{self.window_end} ({self.status})"


class FindingQuerySet(models.QuerySet):
    """Findings, scoped to who may see them."""

    def visible_to(self, principal) -> "FindingQuerySet":
        """Officers with `finding.view` see findings; a department without city-wide scope sees those
        findings.yaml routes to it (by kind), the credit office all of them. Nobody else sees any: a finding
        is a suspicion, not a decision."""
        from ecredit import policy

        if not principal.can("finding.view"):
            return self.none()
        if principal.city_wide:
            return self.all()
        kinds = policy.current().findings.kinds_for(principal.organisation_code)
        return self.filter(kind__in=kinds)

    def open(self) -> "FindingQuerySet":
        """Findings waiting for an officer."""
        return self.filter(status=FindingStatus.OPEN)


class Finding(models.Model):
    """A suspicion raised by a detector, with the evidence a person needs to judge it.

    - `subject`: the shop or organisation it is about (the shop a ring lifted, the shop whose reviews were
      faked, the shop that shipped empty parcels, the name borrower); `platform`: the platform whose data
      showed it (null for registry checks). Other subjects involved are in `FindingSubject`.
    - `score`: the detector's suspiciousness (rings: block density; reviews: the accounts' mean score;
      parcels: the share of the shop's waybilled orders that hit a rule; names: similarity; licences and
      channels: 1.0), `rank` its place among the run's findings of the same kind (1 = most suspicious).
    - `evidence`: JSON, per kind: ring members (buyers, shops), orders (platform order numbers), time span,
      density and its baseline; review accounts with their signals; parcel rule hits with waybill, scans and
      the rule's figures; name matches with similarity and reason; licence or channel gaps (the format of
      each kind: findings/detectors.py).
    - `key`: kind + the members that identify the matter (SM3; a ring's platform and shops, a shop and the
      direction of its reviews, a shop's parcels, a name pair, a shop and category, a platform and channel),
      the same whatever evidence grows around them. `fingerprint` (unique) is the key and the finding's place
      among the key's findings: the same finding found again is refreshed; a confirmed one whose evidence
      grew past findings.yaml `reopening` gets a follow-up finding (`follows`) with the next fingerprint.
    - On review: `reviewed_by`, `reviewed_at`, `reason`; confirmed findings name the credit records written
      (`record_ids`); `label` is what the review says for training (1 faked, 0 not faked).
    Every change of status is change-logged (`log_seq`).
    """

    kind = models.CharField(_("线索类型"), max_length=24, choices=FindingKind.choices, db_index=True)
    status = models.CharField(_("状态"), max_length=10, choices=FindingStatus.choices,
                              default=FindingStatus.OPEN, db_index=True)
    subject = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, related_name="findings",
                                null=True, blank=True, verbose_name=_("涉及主体"))
    platform = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, related_name="+",
                                 null=True, blank=True, verbose_name=_("平台"))
    title = models.CharField(_("摘要"), max_length=300)
    score = models.FloatField(_("可疑程度"))
    rank = models.PositiveIntegerField(_("排名"), default=0)
    evidence = models.JSONField(_("证据"), default=dict)
    fingerprint = models.CharField(_("线索指纹"), max_length=64, unique=True)
    key = models.CharField(_("线索键"), max_length=64, db_index=True, default="")
    follows = models.ForeignKey("self", on_delete=models.PROTECT, related_name="follow_ups", null=True,
                                blank=True, verbose_name=_("接续的已确认线索"))
    first_run = models.ForeignKey(DetectionRun, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("首次发现于"))
    last_run = models.ForeignKey(DetectionRun, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("最近发现于"))
    first_seen = models.DateTimeField(_("首次发现时间"))
    last_seen = models.DateTimeField(_("最近发现时间"), db_index=True)
    times_seen = models.PositiveIntegerField(_("发现次数"), default=1)
    reviewed_by = models.CharField(_("核查人"), max_length=120, blank=True)
    reviewer_org = models.CharField(_("核查单位"), max_length=64, blank=True)
    reviewed_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    reason = models.TextField(_("核查意见"), blank=True)
    label = models.SmallIntegerField(_("训练标签"), null=True, blank=True)
    record_ids = models.JSONField(_("生成的信用记录"), default=list, blank=True)
    policy_version = models.CharField(_("规则版本"), max_length=16)
    log_seq = models.BigIntegerField(_("变更日志序号"), default=0)

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = _("造假线索")
        verbose_name_plural = verbose_name
        ordering = ["status", "kind", "rank", "-last_seen"]
        indexes = [models.Index(fields=["kind", "status", "rank"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"


class FindingSubject(models.Model):
    """A registered subject involved in a finding beyond its main `subject`, and how (a ring's other shops,
    the organisation whose name was borrowed, a payment channel's operator), for "findings about X"."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="involved",
                                verbose_name=_("线索"))
    subject = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("主体"))
    role = models.CharField(_("涉及方式"), max_length=24)

    class Meta:
        verbose_name = _("线索涉及主体")
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["finding", "subject", "role"],
                                               name="finding_subject_once")]

    def __str__(self) -> str:
        return f"{self.finding_id} {self.role} {self.subject_id}"


class ReviewModel(models.Model):
    """A supervised fake-review classifier trained from reviewed findings (confirmed = faked, dismissed =
    genuine), with its cross-validated quality. The newest with `active` scores review accounts beside the
    unsupervised score; `booster` is the model as text (LightGBM's own format), never pickled code."""

    trained_at = models.DateTimeField(_("训练时间"))
    trained_by = models.CharField(_("训练发起人"), max_length=120)
    positives = models.PositiveIntegerField(_("正样本数"))
    negatives = models.PositiveIntegerField(_("负样本数"))
    features = models.JSONField(_("特征"), default=list)
    params = models.JSONField(_("参数"), default=dict)
    cv_auc = models.FloatField(_("交叉验证AUC"), null=True, blank=True)
    booster = models.TextField(_("模型"))
    active = models.BooleanField(_("启用"), default=False)
    policy_version = models.CharField(_("规则版本"), max_length=16)
    log_seq = models.BigIntegerField(_("变更日志序号"), default=0)

    class Meta:
        verbose_name = _("评价识别模型")
        verbose_name_plural = verbose_name
        ordering = ["-trained_at"]

    def __str__(self) -> str:
        return f"review model {self.pk} ({self.positives}+/{self.negatives}-)"
