"""API shapes of advance compensation: the fund and its ledger, claims and their steps, figures, rules.

Amounts are integer fen (分). Input is checked again by the services, which name the field in Chinese.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, get_type_hints

from ninja import Schema
from pydantic import Field, create_model

from .figures import PlatformFigures


class FundTermsIn(Schema):
    agreement_no: str = Field(max_length=64)
    agreed_on: dt.date
    agreed_minimum_fen: int = Field(ge=0)
    contribution_terms: str = Field(max_length=4000, description="提取数额")
    management_terms: str = Field(max_length=4000, description="管理办法")
    use_terms: str = Field(max_length=4000, description="使用办法")
    refund_terms: str = Field(max_length=4000, description="退还办法")
    custodian: str = Field(default="", max_length=200)


class DepositIn(Schema):
    amount_fen: int
    reference: str = Field(max_length=64, description="the platform's payment reference: re-sending it is idempotent")
    memo: str = Field(default="", max_length=300)
    contributor_uscc: str = Field(default="", max_length=18, description="a merchant that paid in, if any")


class WithdrawalIn(Schema):
    amount_fen: int
    reference: str = Field(max_length=64)
    reason: str = Field(max_length=500)


class PostingOut(Schema):
    account: str
    claim_id: int | None
    amount_fen: int


class TransactionOut(Schema):
    id: int
    kind: str
    claim_id: int | None
    reference: str
    memo: str
    at: dt.datetime
    actor: str
    postings: list[PostingOut]


class FundOut(Schema):
    platform_id: int
    platform_name: str
    established: bool
    agreement_no: str | None = None
    agreed_on: dt.date | None = None
    agreed_minimum_fen: int | None = None
    contribution_terms: str | None = None
    management_terms: str | None = None
    use_terms: str | None = None
    refund_terms: str | None = None
    custodian: str | None = None
    balance_fen: int
    reserved_fen: int
    required_minimum_fen: int
    below_minimum: bool
    accounts: dict[str, int]


class ClaimIn(Schema):
    claim_id: str = Field(default="", max_length=64, description="the platform's own claim id (idempotency key)")
    platform_uscc: str = Field(default="", max_length=18, description="departments: the platform the claim is against")
    shop_id: str = Field(default="", max_length=64)
    merchant_uscc: str = Field(default="", max_length=18)
    order_no: str = Field(default="", max_length=64)
    complaint_ref: str = Field(default="", max_length=64, description="the complaint's case number, if any")
    consumer_name: str = Field(default="", max_length=64)
    consumer_phone: str = Field(max_length=32)
    amount_fen: int
    basis: str = Field(max_length=40)
    harms: list[str] = Field(max_length=10)
    facts: str = Field(max_length=4000)


class ClaimAcceptIn(Schema):
    amount_fen: int | None = None
    note: str = Field(default="", max_length=4000)


class RejectIn(Schema):
    reason: str = Field(max_length=40)
    note: str = Field(max_length=4000)


class PayIn(Schema):
    source: Literal["auto", "fund", "own"] = "auto"
    amount_fen: int | None = None
    reference: str = Field(default="", max_length=64)


class RecoveryIn(Schema):
    amount_fen: int
    reference: str = Field(default="", max_length=64)
    note: str = Field(default="", max_length=4000)


class ClaimNoteIn(Schema):
    note: str = Field(default="", max_length=4000)


class ClaimStepOut(Schema):
    action: str
    status: str
    at: dt.datetime
    actor: str
    organisation: str
    amount_fen: int | None
    text: str


class ClaimOut(Schema):
    id: int
    platform_id: int
    platform_name: str
    shop_id: int | None
    shop_name: str | None
    merchant_id: int | None
    merchant_name: str | None
    origin: str
    platform_claim_id: str
    order_no: str
    complaint_ref: str
    consumer_name: str
    consumer_phone: str
    basis: str
    harms: list[str]
    claimed_fen: int
    accepted_fen: int | None
    status: str
    filed_at: dt.datetime
    decision_due: dt.date
    decided_at: dt.datetime | None
    rejection_reason: str
    decision_text: str
    pay_due: dt.date | None
    paid_at: dt.datetime | None
    paid_fen: int
    paid_from_fund_fen: int
    paid_from_own_fen: int
    recovery_requested_at: dt.datetime | None
    recovery_due: dt.date | None
    recovered_fen: int
    written_off_fen: int
    outstanding_fen: int
    next_due: dt.date | None
    overdue: bool
    time_barred: bool


class ClaimDetailOut(ClaimOut):
    facts: str
    steps: list[ClaimStepOut]
    transactions: list[TransactionOut]


class ContactOut(Schema):
    name: str
    phone: str
    masked: bool


# One platform's row of the supervision table: the fields of figures.PlatformFigures, declared once there.
FiguresOut = create_model("FiguresOut", __base__=Schema,
                          **{name: (hint, ...) for name, hint in get_type_hints(PlatformFigures).items()})


class CodeOut(Schema):
    code: str
    name: str
    name_en: str
    reference: str
    recoverable: bool | None = None


class RulesOut(Schema):
    procedure: dict[str, Any]
    fund: dict[str, Any]
    bases: list[CodeOut]
    harms: list[CodeOut]
    rejection_reasons: list[CodeOut]
