"""API shapes of the commitments: templates, signing, commitments, acceptance, fulfilment, verification."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field


class PromiseOut(Schema):
    code: str
    name: str
    text: str


class TemplateOut(Schema):
    commitment_type: str
    name: str
    name_en: str
    template_version: str
    title: str
    opening: list[str]
    promises: list[PromiseOut]
    closing: list[str]
    placeholders: list[str]
    signer_kinds: list[str]
    signer_roles: list[str]
    platform_may_collect: bool
    visibility: str
    needs_acceptance: bool
    acceptors: list[str]
    assessors: list[str]
    matter_required: bool
    default_matter: str
    valid_for: str
    assess_within_working_days: int
    effective: dt.date
    reference: str


class SignIn(Schema):
    commitment_type: str = Field(max_length=32)
    subject_id: int | None = None          # default: the caller's own subject; a platform: its merchant
    matter: str = Field(default="", max_length=200)
    accepted_by: str = Field(default="", max_length=64)   # organisation code of the accepting body
    valid_until: dt.date | None = None
    visibility: Literal["public", "restricted", "not_public"] | None = None
    record_id: int | None = None           # credit repair: the record repaired
    repair_application_id: int | None = None
    client_ref: str = Field(default="", max_length=64,
                            description="your id of this signing request: sent again, it signs nothing new")


class CommitmentAcceptIn(Schema):
    accept: bool = True
    reason: str = Field(default="", max_length=2000)


class CommitmentWithdrawIn(Schema):
    reason: str = Field(max_length=2000)


class FulfilmentIn(Schema):
    fulfilment: Literal["fulfilled", "partly", "not_fulfilled"]
    text: str = Field(max_length=4000)
    decision_no: str = Field(default="", max_length=128)
    measures: str = Field(default="", max_length=1000)


class VerifyIn(Schema):
    code: str = Field(max_length=40)
    text: str | None = Field(default=None, max_length=20000)


class CommitmentOut(Schema):
    code: str
    commitment_type: str
    type_name: str
    subject_id: int
    subject_name: str
    matter: str
    accepted_by: str
    visibility: str
    status: str
    fulfilment: str
    signed_on: dt.date
    valid_until: dt.date
    assessment_due: dt.date
    published_on: dt.date | None


class CommitmentDetailOut(CommitmentOut):
    title: str
    text: str
    template_version: str
    signed_at: dt.datetime
    signed_by: str
    collected_by: str
    status_reason: str
    accepted_at: dt.datetime | None
    assessed_at: dt.datetime | None
    assessment_text: str
    record_id: int | None
    breach_record_id: int | None
    repaired_record_id: int | None
    restored_until: dt.date | None
    signature_valid: bool
    content_digest: str
    signature: str
    signing_key: str


class CommitmentVerificationOut(Schema):
    verdict: str
    code: str
    reason: str
    shown: bool
    commitment_type: str
    type_name: str
    status: str
    signed_on: dt.date | None
    visibility: str
    subject_name: str
    title: str
    text: str
    content_digest: str
    signature: str
    signing_key: str
    signed_message: str
