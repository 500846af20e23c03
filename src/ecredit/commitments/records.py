"""The archive records of commitments: the credit_commitment record written when a commitment takes effect (and
re-sent with its fulfilment), and the commitment_breach record written when it is broken.

Records go through `archive.services.ingest` like any source's, in the name of the organisation that accepted
the commitment (the credit office for one nobody accepts) or assessed it, with ids derived from the code, so a
record is never written twice and re-sending it with new details updates it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.access.models import Organisation, OrganisationKind
from ecredit.access.principal import Principal, system
from ecredit.archive import services as archive
from ecredit.archive.models import CreditRecord, RecordStatus
from ecredit.kit.errors import Conflict, ValidationFailed
from ecredit.registry.models import Subject, SubjectKind
from ecredit.registry.services import reveal_resident_id

from .models import PERFORMANCE_STATUS, Commitment, Fulfilment

# The role an organisation's records are written under, by its kind.
WRITER_ROLE = {OrganisationKind.CREDIT_OFFICE: "credit_office_admin", OrganisationKind.DEPARTMENT: "department_officer",
               OrganisationKind.PLATFORM: "platform_client"}
CLOSED = (RecordStatus.REVOKED, RecordStatus.REPAIRED, RecordStatus.EXPIRED)


def credit_office() -> Organisation:
    """The credit office: it records the commitments nobody accepts."""
    org = Organisation.objects.filter(kind=OrganisationKind.CREDIT_OFFICE, active=True).order_by("id").first()
    if org is None:
        raise Conflict(_("信用办尚未开通，无法记录信用承诺"), code="no_credit_office")
    return org


def writer(org: Organisation, label: str) -> Principal:
    """A principal that writes records as `org` (the acting person's label is kept in the change log)."""
    return Principal.build(label, WRITER_ROLE[org.kind], org)


def subject_ref(subject: Subject) -> dict[str, Any]:
    """How a record names the subject; a person's ID number is read back for the archive (access-logged)."""
    if subject.kind == SubjectKind.SHOP:
        return {"kind": "shop", "platform_uscc": subject.platform.uscc, "shop_id": subject.shop_id,
                "name": subject.name}
    if subject.kind == SubjectKind.PERSON:
        ric = reveal_resident_id(subject, system("commitments"), purpose="写入信用承诺记录", channel="commitments")
        return {"kind": "person", "ric": ric, "name": subject.name}
    return {"kind": "organisation", "uscc": subject.uscc, "name": subject.name}


def _ingest(item: dict[str, Any], principal) -> CreditRecord:
    report = archive.ingest([item], principal, atomic=True)
    if report.errors:
        error = report.errors[0]
        raise ValidationFailed(_("信用记录写入失败：{message}").format(message=error.message), field=error.field,
                               code=error.code)
    return CreditRecord.objects.get(pk=report.record_ids[0])


def _commitment_item(c: Commitment) -> dict[str, Any]:
    details = {"commitment_code": c.code, "commitment_type": c.commitment_type, "matter": c.matter,
               "content": c.text[:4000], "valid_until": c.valid_until.isoformat(),
               "performance_status": PERFORMANCE_STATUS[c.fulfilment], "visibility": c.visibility}
    if c.accepted_by_id:
        details["accepted_by"] = c.accepted_by.name[:200]
    name = policy.current().commitments.type_rule(c.commitment_type).name.zh
    return {"id": f"commitment-{c.code}", "type": "credit_commitment", "subject": subject_ref(c.subject),
            "decided_on": c.signed_on.isoformat(), "summary": f"{name}信用承诺：{c.matter}"[:500],
            "details": details, "evidence": [{"commitment": c.code}]}


def write_commitment_record(c: Commitment, label: str) -> CreditRecord:
    """Write (or re-send) the commitment's credit_commitment record; its visibility decides whether the public
    sees it (archive.publicity reads details.visibility)."""
    source = c.accepted_by if c.accepted_by_id and c.accepted_by.kind in WRITER_ROLE else credit_office()
    return _ingest(_commitment_item(c), writer(source, label))


def update_performance(c: Commitment, label: str) -> None:
    """Re-send the commitment record with the assessed fulfilment (as its source); a record already out of view
    (expired, revoked) is left as it is."""
    record = c.record
    if record is None or record.status in CLOSED:
        return
    _ingest(_commitment_item(c), writer(record.source, label))


def write_breach_record(c: Commitment, assessor: Organisation, label: str, *, facts: str, decision_no: str,
                        measures: str, today: dt.date) -> CreditRecord:
    """Write the commitment_breach record of a commitment assessed as partly or not fulfilled."""
    details = {"commitment_code": c.code, "commitment_type": c.commitment_type, "breach_facts": facts[:4000],
               "performance_status": "not_fulfilled" if c.fulfilment == Fulfilment.NOT_FULFILLED
               else "partially_fulfilled", "decided_by": assessor.name[:200],
               "repair_commitment": c.commitment_type == "credit_repair"}
    if decision_no:
        details["decision_no"] = decision_no[:128]
    if measures:
        details["measures"] = measures[:1000]
    name = policy.current().commitments.type_rule(c.commitment_type).name.zh
    return _ingest({"id": f"commitment-breach-{c.code}", "type": "commitment_breach",
                    "subject": subject_ref(c.subject), "decided_on": today.isoformat(),
                    "summary": f"违背{name}信用承诺（{c.code}）：{facts}"[:500], "details": details,
                    "evidence": [{"commitment": c.code}]}, writer(assessor, label))
