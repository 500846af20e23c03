""""放心消费" (safe consumption) merchants: enrolment, criteria from the policy files, the public list."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EnrolmentStatus(models.TextChoices):
    """Where an enrolment is (safe_consumption/flows.py moves it; every move is change-logged)."""

    APPLIED = "applied", _("已申请")
    CHECKED = "checked", _("已核验（待审核）")
    APPROVED = "approved", _("审核通过（待发布）")
    REFUSED = "refused", _("不予认定")
    PUBLISHED = "published", _("已发布")
    SUSPENDED = "suspended", _("已暂停")
    REVOKED = "revoked", _("已撤销")
    EXPIRED = "expired", _("已届满")


# Waiting for a reviewer: at most one per subject.
PENDING = (EnrolmentStatus.APPLIED, EnrolmentStatus.CHECKED)
# Holding the title (suspended included: it can be reinstated): at most one per subject.
HELD = (EnrolmentStatus.APPROVED, EnrolmentStatus.PUBLISHED, EnrolmentStatus.SUSPENDED)
ENDED = (EnrolmentStatus.REFUSED, EnrolmentStatus.REVOKED, EnrolmentStatus.EXPIRED)


class EnrolmentQuerySet(models.QuerySet):
    """放心消费 enrolments, scoped to who may see them; the titles held and on the public list."""

    def visible_to(self, principal) -> "EnrolmentQuerySet":
        """Enrolments the principal may see: the credit office and the reviewing departments all of them; a
        platform those it applied for or about its own shops; a subject's account its own and its shops'.
        Everyone else sees published titles through the public list only."""
        from ecredit import policy

        if principal.city_wide:
            return self.all()
        if not (principal.can("safe_consumption.review") or principal.can("safe_consumption.apply")):
            return self.none()
        if principal.can("safe_consumption.review") and \
                principal.organisation_code in policy.current().safe_consumption.scheme().reviewers:
            return self.all()
        q = Q(pk__in=[])
        if principal.organisation_id and not principal.acts_as_subject:
            q |= Q(applicant_org_id=principal.organisation_id)
            if principal.organisation_kind == "platform":
                from ecredit.access.models import Organisation

                uscc = (Organisation.objects.filter(pk=principal.organisation_id)
                        .values_list("uscc", flat=True).first())
                if uscc:
                    q |= Q(subject__kind="shop", subject__platform__uscc=uscc)
        if principal.subject_id:
            q |= Q(subject_id=principal.subject_id) | Q(subject__operator_id=principal.subject_id)
        return self.filter(q)

    def held(self) -> "EnrolmentQuerySet":
        """Enrolments holding the title (approved, published or suspended)."""
        return self.filter(status__in=HELD)

    def public(self, today) -> "EnrolmentQuerySet":
        """Titles on the public list today: published and not past their end."""
        return self.filter(status=EnrolmentStatus.PUBLISHED, valid_until__gte=today)


class Enrolment(models.Model):
    """A subject's (organisation's or shop's) application for the 放心消费 title, and the title it becomes.

    applied → checked (every criterion of safe_consumption.yaml checked, with evidence, kept in `results` with
    the policy version) → approved (an honour record written into the subject's archive) or refused →
    published (on the portal's list) → suspended / revoked (the daily re-check, or a reviewer) or expired.
    A renewal is a new enrolment that `renews` the title it continues; its approval extends the same honour
    record and ends the old enrolment.
    """

    subject = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, related_name="safe_consumption",
                                verbose_name=_("信用主体"))
    region = models.CharField(_("所在区县"), max_length=6, db_index=True)
    status = models.CharField(_("状态"), max_length=12, choices=EnrolmentStatus.choices,
                              default=EnrolmentStatus.APPLIED)
    applicant = models.CharField(_("申请人"), max_length=120)
    applicant_org = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("申请单位"))
    statement = models.TextField(_("申请说明"), blank=True)
    applied_at = models.DateTimeField(_("申请时间"))
    renews = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("续期的称号"))
    results = models.JSONField(_("条件核验结果"), default=dict)
    passed = models.BooleanField(_("符合全部条件"), null=True)
    checked_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    # The re-check that suspended or revoked the title (`results` stays the check the decision rested on). A
    # re-check that changes nothing writes nothing, so the daily pass adds no change-log entries of its own.
    recheck = models.JSONField(_("暂停或撤销时的复核结果"), default=dict, blank=True)
    policy_version = models.CharField(_("规则版本"), max_length=16, blank=True)
    reviewer = models.CharField(_("审核人"), max_length=120, blank=True)
    reviewer_org = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("审核单位"))
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    decision_no = models.CharField(_("认定文号"), max_length=128, blank=True)
    decision_text = models.TextField(_("审核意见"), blank=True)
    valid_from = models.DateField(_("有效期起"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    honour_record = models.ForeignKey("archive.CreditRecord", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("荣誉记录"))
    published_on = models.DateField(_("发布日期"), null=True, blank=True)
    suspended_on = models.DateField(_("暂停日期"), null=True, blank=True)
    ended_on = models.DateField(_("终止日期"), null=True, blank=True)
    end_reason = models.TextField(_("暂停、撤销或届满原因"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"))
    log_seq = models.BigIntegerField(_("日志序号"), null=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("放心消费单位申请")
        verbose_name_plural = verbose_name
        ordering = ["-applied_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["subject"], condition=Q(status__in=PENDING),
                                    name="one_pending_enrolment_per_subject"),
            models.UniqueConstraint(fields=["subject"], condition=Q(status__in=HELD),
                                    name="one_held_title_per_subject"),
            # A title is never held without a check that passed and a reviewer's decision.
            models.CheckConstraint(condition=~Q(status__in=HELD) | (Q(passed=True) & Q(decided_on__isnull=False)),
                                   name="title_only_after_passing_check"),
        ]
        indexes = [models.Index(fields=["status", "valid_until"])]

    def __str__(self) -> str:
        return f"{self.subject_id} #{self.pk} ({self.status})"


class EnrolmentStep(models.Model):
    """One step of an enrolment (apply, check, approve, publish, suspend, ...): who took it, when, from which
    status to which, why, and for a check its outcome. Append-only; each step is in the change log too."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="steps",
                                  verbose_name=_("申请"))
    action = models.CharField(_("步骤"), max_length=20)
    from_status = models.CharField(_("原状态"), max_length=12, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12)
    actor = models.CharField(_("办理人"), max_length=120)
    organisation = models.CharField(_("办理单位"), max_length=64, blank=True)
    at = models.DateTimeField(_("时间"))
    reason = models.TextField(_("说明"), blank=True)
    failed = models.JSONField(_("未满足的条件"), default=list, blank=True)
    log_seq = models.BigIntegerField(_("日志序号"), null=True)

    class Meta:
        verbose_name = _("放心消费办理记录")
        verbose_name_plural = verbose_name
        ordering = ["enrolment", "id"]

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.action} → {self.to_status}"
