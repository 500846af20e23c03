"""信用承诺 API: standard-format templates (public), signing, reading per visibility, acceptance, fulfilment,
withdrawal, and verification by code (public)."""

from __future__ import annotations

from ninja import Router, Status

from ecredit import policy

from . import flows, services, signing
from .models import Commitment
from .schemas import (CommitmentAcceptIn, CommitmentDetailOut, CommitmentOut, FulfilmentIn, SignIn, TemplateOut,
                      CommitmentVerificationOut, VerifyIn, CommitmentWithdrawIn)

router = Router(tags=["commitments"])


def template_out(code: str) -> dict:
    """A commitment type in force with its standard-format template (placeholders unfilled)."""
    current = policy.current()
    rule = current.commitments.type_rule(code)
    promises = [dict(code=p, name=current.commitments.promises[p].name.zh, text=current.commitments.promises[p].text)
                for p in rule.template.promises]
    from ecredit.policy.commitment_rules import PLACEHOLDERS

    return dict(commitment_type=code, name=rule.name.zh, name_en=rule.name.en,
                template_version=services.template_version(code, rule), title=rule.template.title,
                opening=rule.template.opening, promises=promises, closing=rule.template.closing,
                placeholders=sorted(PLACEHOLDERS), signer_kinds=rule.signers.kinds, signer_roles=rule.signers.roles,
                platform_may_collect="platform_for_merchant" in rule.signers.by, visibility=rule.visibility,
                needs_acceptance=rule.needs_acceptance, acceptors=rule.acceptors, assessors=rule.assessors,
                matter_required=rule.matter_required, default_matter=rule.default_matter,
                valid_for=str(rule.valid_for), assess_within_working_days=rule.assess_within_working_days,
                effective=rule.effective, reference=rule.reference)


def commitment_out(c: Commitment, principal) -> dict:
    """A commitment as a list shows it."""
    return dict(code=c.code, commitment_type=c.commitment_type, type_name=services.type_name(c.commitment_type),
                subject_id=c.subject_id, subject_name=services.shown_name(c, principal), matter=c.matter,
                accepted_by=c.accepted_by.name if c.accepted_by_id else "", visibility=c.visibility,
                status=c.status, fulfilment=c.fulfilment, signed_on=c.signed_on, valid_until=c.valid_until,
                assessment_due=c.assessment_due, published_on=c.published_on)


def detail_out(c: Commitment, principal) -> dict:
    """A commitment with its text, signature and procedure, for those who may see it."""
    return dict(commitment_out(c, principal), title=c.title, text=c.text, template_version=c.template_version,
                signed_at=c.signed_at, signed_by=c.signed_by,
                collected_by=c.collected_by.name if c.collected_by_id else "", status_reason=c.status_reason,
                accepted_at=c.accepted_at, assessed_at=c.assessed_at, assessment_text=c.assessment_text,
                record_id=c.record_id, breach_record_id=c.breach_record_id, repaired_record_id=c.repaired_record_id,
                restored_until=c.restored_until, signature_valid=signing.signature_ok(c),
                content_digest=c.content_digest, signature=c.signature, signing_key=c.signing_key)


def _detail(code: str, principal) -> dict:
    c = services.commitment_for(code, principal)
    services.log_reads(principal, [c], "查阅信用承诺", "api")
    return detail_out(c, principal)


# Order matters: /commitments/templates before /commitments/{code}, which would match it.
@router.get("/commitments/templates", response=list[TemplateOut], auth=None,
            summary="Commitment types in force with their standard-format templates")
def templates(request):
    return [template_out(code) for code in policy.current().commitments.types]


@router.get("/commitments", response=list[CommitmentOut],
            summary="Commitments you may see (public ones for everyone; restricted ones for authorised readers)")
def list_commitments(request, q: str = "", commitment_type: str = "", status: str = "", fulfilment: str = "",
                     subject_id: int | None = None, limit: int = 100):
    limit = max(1, min(limit, 500))
    principal = request.auth
    found = list(services.search(principal, q=q, commitment_type=commitment_type, status=status,
                                 fulfilment=fulfilment, subject_id=subject_id)[:limit])
    services.log_reads(principal, found, "查阅信用承诺", "api")
    return [commitment_out(c, principal) for c in found]


@router.post("/commitments", response={200: CommitmentDetailOut, 201: CommitmentDetailOut},
             summary="Sign a commitment in standard format (own account, platform or logistics client); "
                     "re-sending the same client_ref is idempotent")
def sign(request, body: SignIn):
    c, created = services.sign_once(
        request.auth, client_ref=body.client_ref, commitment_type=body.commitment_type,
        subject_id=body.subject_id, matter=body.matter, accepted_by=body.accepted_by, valid_until=body.valid_until,
        visibility=body.visibility, record_id=body.record_id, repair_application_id=body.repair_application_id)
    return Status(201 if created else 200, _detail(c.code, request.auth))


@router.post("/commitments/verify", response=CommitmentVerificationOut, auth=None,
             summary="Verify a commitment by its code, optionally against a copy of its text")
def verify_copy(request, body: VerifyIn):
    from ecredit.access.auth import principal_of
    from ecredit.access.principal import anonymous

    principal = principal_of(request) or anonymous()
    return services.verify(body.code, principal, text=body.text).as_dict(principal)


@router.get("/commitments/{code}", response=CommitmentDetailOut,
            summary="A commitment by its code (per its visibility)")
def detail(request, code: str):
    return _detail(code, request.auth)


@router.get("/commitments/{code}/verification", response=CommitmentVerificationOut, auth=None,
            summary="Whether the commitment with this code is intact, signed and still stands")
def verification(request, code: str):
    from ecredit.access.auth import principal_of
    from ecredit.access.principal import anonymous

    principal = principal_of(request) or anonymous()
    return services.verify(code, principal).as_dict(principal)


@router.post("/commitments/{code}/acceptance", response=CommitmentDetailOut,
             summary="Accept a signed commitment (it takes effect and is published) or refuse it")
def accept(request, code: str, body: CommitmentAcceptIn):
    flows.accept(code, request.auth, accept=body.accept, reason=body.reason)
    return _detail(code, request.auth)


@router.post("/commitments/{code}/fulfilment", response=CommitmentDetailOut,
             summary="Assess fulfilment: fulfilled, partly or not fulfilled (a breach is recorded)")
def assess(request, code: str, body: FulfilmentIn):
    flows.assess(code, request.auth, fulfilment=body.fulfilment, text=body.text, decision_no=body.decision_no,
                 measures=body.measures)
    return _detail(code, request.auth)


@router.post("/commitments/{code}/withdrawal", response=CommitmentDetailOut,
             summary="Withdraw a commitment not yet accepted (the signer)")
def withdraw(request, code: str, body: CommitmentWithdrawIn):
    flows.withdraw(code, request.auth, reason=body.reason)
    return _detail(code, request.auth)
