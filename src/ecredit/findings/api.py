"""HTTP API of findings: the departments a kind of finding is routed to (and the credit office) list and read
findings with their evidence and confirm or dismiss them; the credit office runs the detectors and retrains
the review model. Nobody else sees a finding: it is a suspicion, not a decision."""

from __future__ import annotations

from ninja import Router, Status

from ecredit import policy
from ecredit.registry.services import display_name

from . import flows, services, training
from .models import DetectionRun, Finding, ReviewModel
from .schemas import (ConfirmIn, DismissIn, FindingDetailOut, FindingPage, ReviewModelOut, ReviewModelStatusOut,
                      RingGraphOut, RunIn, RunOut)

router = Router(tags=["findings"])
MAX_PAGE = 200


def finding_out(finding: Finding, principal) -> dict:
    """A finding as a list shows it."""
    return dict(id=finding.pk, kind=finding.kind, kind_label=finding.get_kind_display(), status=finding.status,
                status_label=finding.get_status_display(), subject_id=finding.subject_id,
                subject_name=display_name(finding.subject, principal) if finding.subject_id else "",
                platform_id=finding.platform_id, platform_name=finding.platform.name if finding.platform_id else "",
                title=finding.title, score=finding.score, rank=finding.rank, first_seen=finding.first_seen,
                last_seen=finding.last_seen, times_seen=finding.times_seen, reviewed_at=finding.reviewed_at,
                record_ids=[int(i) for i in finding.record_ids])


def detail_out(finding: Finding, principal) -> dict:
    """A finding with its evidence, the subjects involved, its review and what confirming it does."""
    involved = [dict(subject_id=s.subject_id, name=display_name(s.subject, principal), role=s.role)
                for s in finding.involved.select_related("subject").order_by("id")]
    outcome = flows.outcome_of(finding)
    return dict(finding_out(finding, principal), evidence=finding.evidence, involved=involved,
                reviewed_by=finding.reviewed_by, reviewer_org=finding.reviewer_org, reason=finding.reason,
                label=finding.label, fingerprint=finding.fingerprint, follows=finding.follows_id,
                first_run=finding.first_run_id, last_run=finding.last_run_id, policy_version=finding.policy_version,
                outcome=dict(record_type=outcome.record_type, shield_ground=outcome.shield_ground,
                             summary=str(outcome.summary)))


def run_out(run: DetectionRun) -> dict:
    return dict(id=run.pk, started_at=run.started_at, finished_at=run.finished_at, window_start=run.window_start,
                window_end=run.window_end, detectors=run.detectors, engine=run.engine, status=run.status,
                figures=run.figures, error=run.error, triggered_by=run.triggered_by,
                policy_version=run.policy_version)


def model_out(model: ReviewModel) -> dict:
    return dict(id=model.pk, trained_at=model.trained_at, trained_by=model.trained_by, positives=model.positives,
                negatives=model.negatives, features=len(model.features), params=model.params, cv_auc=model.cv_auc,
                active=model.active, policy_version=model.policy_version)


@router.get("/findings", response=FindingPage,
            summary="Findings you may see (your department's kinds; the credit office all), filtered and paged")
def list_findings(request, kind: str | None = None, status: str | None = None, subject_id: int | None = None,
                  platform_id: int | None = None, offset: int = 0, limit: int = 50):
    limit, offset = max(1, min(limit, MAX_PAGE)), max(0, offset)
    found = services.findings(request.auth, kind=kind, status=status, subject_id=subject_id,
                              platform_id=platform_id)
    return dict(count=found.count(), offset=offset, limit=limit,
                items=[finding_out(f, request.auth) for f in found[offset:offset + limit]])


@router.get("/findings/{int:finding_id}", response=FindingDetailOut,
            summary="A finding with its evidence (per kind), the subjects involved and its review")
def finding_detail(request, finding_id: int):
    return detail_out(services.finding_for(finding_id, request.auth), request.auth)


@router.get("/findings/{int:finding_id}/graph", response=RingGraphOut,
            summary="A fake-order ring as a graph: buyers, shops (in the ring or camouflage) and order counts")
def finding_graph(request, finding_id: int):
    return services.ring_graph(services.finding_for(finding_id, request.auth))


@router.post("/findings/{int:finding_id}/confirmation", response=FindingDetailOut,
             summary="Confirm an open finding: it becomes credit records of its type (or shields the reviews "
                     "that attacked a shop)")
def confirm(request, finding_id: int, body: ConfirmIn):
    finding = flows.confirm(finding_id, request.auth, reason=body.reason)
    return detail_out(services.finding_for(finding.pk, request.auth), request.auth)


@router.post("/findings/{int:finding_id}/dismissal", response=FindingDetailOut,
             summary="Dismiss an open finding, with the reason")
def dismiss(request, finding_id: int, body: DismissIn):
    finding = flows.dismiss(finding_id, request.auth, reason=body.reason)
    return detail_out(services.finding_for(finding.pk, request.auth), request.auth)


@router.get("/findings/runs", response=list[RunOut], summary="Detection runs, newest first, with their figures")
def list_runs(request, limit: int = 30):
    return [run_out(r) for r in services.runs(request.auth)[:max(1, min(limit, MAX_PAGE))]]


@router.post("/findings/runs", response={201: RunOut},
             summary="Run the detectors now over the windows ending today (the credit office)")
def run_now(request, body: RunIn):
    run = services.run_detection(request.auth, detectors=body.detectors)
    return Status(201, run_out(run))


@router.get("/findings/review-model", response=ReviewModelStatusOut,
            summary="The supervised review model: the active one, recent ones, labels available")
def review_model(request):
    request.auth.require("finding.view")
    models = list(ReviewModel.objects.order_by("-trained_at", "-id")[:10])
    reviewed = training.reviewed_accounts()
    labels = {key: label for key, (label, _finding) in reviewed.items()}
    need = policy.current().findings.on("reviews").supervised
    min_confirmed, min_dismissed = need.findings_needed()
    active = services.active_model()
    return dict(active=model_out(active) if active else None, recent=[model_out(m) for m in models],
                labelled_positives=sum(1 for v in labels.values() if v == 1),
                labelled_negatives=sum(1 for v in labels.values() if v == 0),
                min_positives=need.min_positives, min_negatives=need.min_negatives, min_cv_auc=need.min_cv_auc,
                labelled_positive_findings=len({f for label, f in reviewed.values() if label == 1}),
                labelled_negative_findings=len({f for label, f in reviewed.values() if label == 0}),
                min_positive_findings=min_confirmed, min_negative_findings=min_dismissed)


@router.post("/findings/review-model/training", response={201: ReviewModelOut},
             summary="Retrain the review model from the reviewed review findings (the credit office)")
def retrain(request):
    return Status(201, model_out(flows.retrain(request.auth)))
