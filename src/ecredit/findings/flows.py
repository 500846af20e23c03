"""Deciding findings and training the review model.

- `confirm`: an officer of a department the finding is routed to (or the credit office) confirms an open
  finding; what it becomes is findings.yaml `outcomes`: credit records written through the archive, with the
  officer's organisation as their source (records.py builds them), or, for reviews attacking a shop, those
  reviews shielded (the shop is the victim, not the culprit). Training label 1.
- `dismiss`: the same officers dismiss an open finding, with a reason. Training label 0.
- `retrain`: a new review model from the accounts of reviewed review findings; trained only with findings.yaml's
  minimum of accounts and of findings of each label, active when its AUC on held-out findings (folds grouped by
  finding, nested) reaches `min_cv_auc`.

Only open (or stale: not found again lately) findings are decided; every decision is change-logged with the reason.
"""

from __future__ import annotations

import dataclasses

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.access.principal import system
from ecredit.audit.services import ChainWriter, lock_chain
from ecredit.kit.errors import Conflict, NotFound, ValidationFailed

from . import exporters, records, services, training
from .detectors import review_table
from .models import Finding, FindingKind, FindingStatus, ReviewModel

MAX_REASON = 2000


def _reason(reason: str, required: bool) -> str:
    text = str(reason or "").strip()
    if required and len(text) < 2:
        raise ValidationFailed(_("请写明理由"), field="reason", code="required")
    if len(text) > MAX_REASON:
        raise ValidationFailed(_("理由超过{n}个字符").format(n=MAX_REASON), field="reason", code="too_long")
    return text


def _open_finding(finding_id: int, principal) -> Finding:
    """The finding, locked, if the principal may decide it and it is still open."""
    principal.require("finding.review")
    finding = Finding.objects.visible_to(principal).select_for_update().filter(pk=finding_id).first()
    if finding is None:
        raise NotFound(_("未找到该线索"))
    if finding.status not in FindingStatus.decidable():
        raise Conflict(_("该线索已核查（{status}），不能再次处理").format(status=finding.get_status_display()),
                       code="already_decided")
    return finding


def outcome_of(finding: Finding, day=None):
    """What confirming this finding does (findings.yaml outcomes)."""
    key = finding.kind
    if finding.kind == FindingKind.REVIEW_ACCOUNTS:
        key = f"{finding.kind}.{finding.evidence.get('direction', 'positive')}"
    return policy.current().findings.on("outcomes", day).outcomes[key]


def operator_unidentified(finding: Finding) -> bool:
    """An unlicensed payment channel whose operator is not a registered subject: the finding is kept on the
    platform whose orders named the channel, but the platform did not run the payment business, so confirming it
    must not write 无证经营支付业务 on the platform (a platform's own wallet is run by the platform: identified)."""
    return (finding.kind == FindingKind.UNLICENSED_CHANNEL and not finding.evidence.get("operator_known")
            and finding.subject_id in (None, finding.platform_id))


def _decide(finding: Finding, principal, status: str, label: int, reason: str, now) -> None:
    finding.status, finding.label, finding.reason = status, label, reason
    finding.reviewed_by, finding.reviewer_org = principal.label[:120], principal.organisation_code[:64]
    finding.reviewed_at = now


def confirm(finding_id: int, principal, *, reason: str = "") -> Finding:
    """Confirm an open finding: write its credit records (or shield the reviews attacking a shop) and record
    the decision."""
    reason = _reason(reason, required=False)
    with transaction.atomic():
        lock_chain()
        finding = _open_finding(finding_id, principal)
        now = timezone.now()
        outcome = outcome_of(finding, timezone.localdate(now))
        if operator_unidentified(finding):
            # Refused rather than confirmed without a record: a confirmation is a finding's final state, and one
            # that wrote nothing would close the matter with no record on whoever ran the channel.
            raise ValidationFailed(_("该支付渠道的经营者尚未确认为已登记主体，确认会把“无证经营支付业务”记在平台名下，"
                                     "而平台并未经营该支付业务。请先查明经营者并在主体库中以该渠道名称登记，"
                                     "下一次检测会将线索关联到经营者，届时再确认；如不属实，可以排除本线索。"),
                                   code="operator_unidentified")
        if outcome.record_type is not None:
            finding.record_ids = records.write(finding, outcome, principal, reason)
        else:
            shielded = _shield(finding, outcome.shield_ground, principal, reason)
            finding.evidence = {**finding.evidence, "shielded": shielded}
        _decide(finding, principal, FindingStatus.CONFIRMED, 1, reason, now)
        with ChainWriter(now) as log:
            services.log_finding(finding, log, principal.actor, "confirm", reason or outcome.summary.zh)
    return finding


def _shield(finding: Finding, ground: str, principal, reason: str) -> list[int]:
    """Shield the reviews of the finding that are not shielded yet, on the officer's behalf (the marketplace
    lets the credit office and platforms shield; the officer's name and organisation go on the shielding)."""
    from ecredit.marketplace import services as marketplace
    from ecredit.marketplace.models import ReviewShield

    ids = [int(i) for i in finding.evidence.get("ratings", [])]
    done = set(ReviewShield.objects.filter(rating_id__in=ids).values_list("rating_id", flat=True))
    acting = dataclasses.replace(system("findings"), label=principal.label,
                                 organisation_code=principal.organisation_code)
    with translation.override(settings.LANGUAGE_CODE):    # stored with the shielding: the deployment's language
        note = _("线索{no}经核查确认：{reason}").format(no=records.case_no(finding), reason=reason)[:300]
    shielded = []
    for rating_id in ids:
        if rating_id not in done:
            marketplace.shield(rating_id, acting, ground, note)
            shielded.append(rating_id)
    return shielded


def dismiss(finding_id: int, principal, *, reason: str) -> Finding:
    """Dismiss an open finding with the reason (it stays dismissed unless its evidence grows materially)."""
    reason = _reason(reason, required=True)
    with transaction.atomic():
        lock_chain()
        finding = _open_finding(finding_id, principal)
        now = timezone.now()
        _decide(finding, principal, FindingStatus.DISMISSED, 0, reason, now)
        with ChainWriter(now) as log:
            services.log_finding(finding, log, principal.actor, "dismiss", reason)
    return finding


def retrain(principal) -> ReviewModel:
    """Train a review model from the reviewed review findings over today's review window; it becomes the
    active model when findings.yaml's minimums are met (otherwise it is kept, inactive, with its figures)."""
    principal.require("finding.run")
    day = timezone.localdate()
    current = policy.current()
    rule = current.findings.on("reviews", day)
    reviewed = training.reviewed_accounts()
    since, until = training.window(current.findings, day)
    table = review_table(exporters.ratings(since, until), rule)
    if table is None:
        raise ValidationFailed(_("检测窗口内没有评价数据，无法训练"), code="no_reviews")
    features, y, groups = training.labelled_groups(table, reviewed)
    positives, negatives = int((y == 1).sum()), int((y == 0).sum())
    need = rule.supervised
    if positives < need.min_positives or negatives < need.min_negatives:
        raise ValidationFailed(_("训练样本不足：已确认的虚假评价账号{p}个、已排除的账号{n}个，至少各需{pn}个、{nn}个").format(
            p=positives, n=negatives, pn=need.min_positives, nn=need.min_negatives), code="too_few_labels")
    # Accounts of one finding share their burst and neighbours: what the model can learn is bounded by the
    # number of findings, not of accounts (and grouped folds need a finding of each label in every fold).
    confirmed, dismissed = training.findings_per_label(y, groups)
    min_confirmed, min_dismissed = need.findings_needed()
    if confirmed < min_confirmed or dismissed < min_dismissed:
        raise ValidationFailed(_("训练样本不足：窗口内有账号的已确认评价线索{p}条、已排除的{n}条，"
                                 "至少各需{pn}条、{nn}条").format(
            p=confirmed, n=dismissed, pn=min_confirmed, nn=min_dismissed), code="too_few_findings")
    params, auc, text = training.fit(features, y, rule, groups)
    active = auc >= need.min_cv_auc
    with transaction.atomic(), ChainWriter() as log:
        model = ReviewModel.objects.create(
            trained_at=log.at, trained_by=principal.label[:120], positives=positives, negatives=negatives,
            features=list(features.names), params=params, cv_auc=round(float(auc), 6), booster=text,
            active=active, policy_version=current.version)
        if active:
            for old in ReviewModel.objects.filter(active=True).exclude(pk=model.pk).order_by("id"):
                old.active = False
                old.log_seq = log.append(principal.actor, "deactivate", services.MODEL_MODEL, old.pk,
                                         services.model_state(old), _("新模型启用"))
                old.save()
        model.log_seq = log.append(principal.actor, "train", services.MODEL_MODEL, model.pk,
                                   services.model_state(model),
                                   _("按线索分组的嵌套交叉验证AUC {auc:.3f}（正样本{p}个账号/{pf}条线索，"
                                     "负样本{n}个账号/{nf}条线索）{state}").format(
                                       auc=auc, p=positives, n=negatives, pf=confirmed, nf=dismissed,
                                       state=_("，已启用") if active else _("，未达启用标准")))
        model.save()
    return model
