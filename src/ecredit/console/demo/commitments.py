"""Demo city: credit commitments (信用承诺) at every step, taken through the commitments' services with the times
they would have happened over the last ten months.

- each platform makes a voluntary commitment and collects industry self-discipline commitments from a few of its
  shops; the logistics firm makes a voluntary one;
- merchant companies sign commitments for government matters (审批替代, 容缺受理, 证明事项) to the department
  of the matter; most are accepted, one is refused, one withdrawn, a few still wait;
- older ones are assessed (mostly 全部履行, some 部分履行 / 全部未履行, which write breach records), some are
  left for the inbox, a few overdue; a company whose penalty was repaired breaks its repair commitment and
  the penalty returns to public view for its maximum period;
- the daily pass then expires those whose validity ended.
Deterministic: subjects are taken in id order and choices come from a seeded `random.Random`.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

from django.utils import timezone

from ecredit.access.models import Organisation, OrganisationKind
from ecredit.access.principal import Principal
from ecredit.archive.models import CreditRecord, RecordStatus
from ecredit.commitments import flows, services
from ecredit.commitments.models import Commitment, Status
from ecredit.kit.errors import DomainError
from ecredit.registry.models import Subject, SubjectKind

from .writer import principal_of

SEED = 7
SHOPS_PER_PLATFORM = 6
MERCHANTS = 36
# (type, matter, department): government matters and the department that handles each.
MATTERS = (
    ("approval_substitute", "食品经营许可证核发（仅销售预包装食品）", "market_regulation"),
    ("approval_substitute", "第二类医疗器械经营备案", "market_regulation"),
    ("tolerance_acceptance", "食品经营许可证延续（容缺受理，补交场所证明）", "market_regulation"),
    ("tolerance_acceptance", "单用途商业预付卡备案（容缺受理）", "commerce"),
    ("certification", "经营场所使用证明（告知承诺）", "market_regulation"),
    ("approval_substitute", "快递业务经营许可（分支机构备案）", "postal"),
)
FACTS = {"partly": "承诺期限内仅补交部分材料，经营场所证明仍未提交",
         "not_fulfilled": "经事后核查，承诺的经营条件与实际不符，已责令限期整改"}


def _subject_account(subject: Subject) -> Principal:
    """The subject's own account, as the portal's signing page acts for it."""
    base = Principal.build(f"user:demo-{subject.pk}", "subject_account")
    return replace(base, organisation_kind=OrganisationKind.SUBJECT, subject_id=subject.pk)


def build(orgs: dict[str, Organisation]) -> int:
    """Write the commitments side of the demo city; returns how many commitments it made."""
    rng = random.Random(SEED)
    now = timezone.now()
    made = 0

    def at(days_ago: int) -> dt.datetime:
        return now - dt.timedelta(days=days_ago, hours=rng.randint(0, 6))

    for org in Organisation.objects.filter(kind=OrganisationKind.PLATFORM).order_by("code"):
        own = Subject.objects.filter(uscc=org.uscc).first()
        if own is None:
            continue
        platform = principal_of(org)
        services.sign(platform, commitment_type="voluntary", matter="平台规则公开透明、依法处理投诉举报", now=at(280))
        made += 1
        for shop in Subject.objects.filter(platform=own, kind=SubjectKind.SHOP).order_by("id")[:SHOPS_PER_PLATFORM]:
            services.sign(platform, commitment_type="industry_self_discipline", subject_id=shop.pk,
                          now=at(rng.randint(10, 300)))
            made += 1
    if "logistics_1" in orgs:
        services.sign(principal_of(orgs["logistics_1"]), commitment_type="voluntary",
                      matter="寄递安全、实名收寄和按承诺时限投递", now=at(200))
        made += 1
    made += _government_matters(orgs, rng, at)
    made += _broken_repair_commitment(orgs, at)
    flows.expire_due()
    return made


def _government_matters(orgs, rng: random.Random, at) -> int:
    merchants = list(Subject.objects.filter(kind=SubjectKind.ORGANISATION, operated_shops__isnull=False)
                     .distinct().order_by("id")[:MERCHANTS])
    made = 0
    for index, subject in enumerate(merchants):
        kind, matter, department = MATTERS[index % len(MATTERS)]
        department = department if department in orgs else "market_regulation"
        if department not in orgs:
            continue
        days_ago = rng.randint(1, 300)
        c = services.sign(_subject_account(subject), commitment_type=kind, matter=matter, accepted_by=department,
                          now=at(days_ago))
        made += 1
        officer = principal_of(orgs[department])
        if index == 3:
            flows.withdraw(c.code, _subject_account(subject), reason="改为一般程序办理", now=at(days_ago - 1))
            continue
        if index == 5:
            flows.accept(c.code, officer, accept=False, reason="申请人曾作出虚假承诺且尚未完成信用修复",
                         now=at(max(days_ago - 2, 0)))
            continue
        if days_ago < 5:
            continue                                    # still waiting in the department's inbox
        accepted_at = at(days_ago - rng.randint(1, 3))
        flows.accept(c.code, officer, now=accepted_at)
        c.refresh_from_db()
        if c.assessment_due >= timezone.localdate() and rng.random() < 0.6:
            continue                                    # in force, fulfilment still open
        if rng.random() < 0.25:
            continue                                    # overdue: the inbox shows it late
        outcome = rng.choices(("fulfilled", "partly", "not_fulfilled"), weights=(7, 2, 1))[0]
        flows.assess(c.code, officer, fulfilment=outcome,
                     text=FACTS.get(outcome, "经核查，承诺内容属实，已按承诺履行"),
                     decision_no=f"通信承认〔{accepted_at.year}〕{index + 1}号" if outcome != "fulfilled" else "")
    return made


def _broken_repair_commitment(orgs, at) -> int:
    """A repaired penalty whose subject breaks the repair commitment: the penalty is shown again."""
    record = (CreditRecord.objects.filter(status=RecordStatus.REPAIRED, subject__kind=SubjectKind.ORGANISATION,
                                          polarity="negative", source__kind=OrganisationKind.DEPARTMENT)
              .select_related("source").order_by("id").first())
    if record is None:
        return 0
    try:
        c = services.sign(_subject_account(record.subject), commitment_type="credit_repair", record_id=record.pk,
                          now=at(60))
        officer = principal_of(record.source)
        flows.accept(c.code, officer, now=at(59))
        flows.assess(c.code, officer, fulfilment="not_fulfilled", text="信用修复后再次发生同类违法行为",
                     decision_no="通信承认〔修〕1号")
    except DomainError:         # e.g. the record's maximum period is already over: nothing to show
        return 0
    return 1


def counts() -> dict[str, int]:
    """Commitments by status, for the command's report."""
    out: dict[str, int] = {}
    for status in Commitment.objects.values_list("status", flat=True):
        out[status] = out.get(status, 0) + 1
    return {Status(k).label: v for k, v in out.items()}
