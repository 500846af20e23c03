"""The demo city's 放心消费 merchants: applications from companies (their own accounts) and from platforms for
their shops, checked against the criteria in force, then reviewed by market regulation and commerce over the
past months: most that pass are approved and published, some wait for review, those that fail are refused,
one title is suspended and one revoked. A final re-check brings every title in line with today's records.

Deterministic (seeded); runs after scoring and the lists, whose grades and entries are criteria.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Q
from django.utils import timezone

from ecredit.access.models import Organisation, OrganisationKind
from ecredit.access.principal import Principal
from ecredit.archive.models import LIVE_STATUSES, CreditRecord
from ecredit.console import demo_accounts
from ecredit.evaluation.models import CurrentScore
from ecredit.kit.errors import DomainError
from ecredit.registry.models import Subject, SubjectKind
from ecredit.safe_consumption import criteria, flows, services
from ecredit.safe_consumption.models import Enrolment, EnrolmentStatus

from .writer import principal_of

SEED = 16                       # the plan's task 16
COMPANIES, SHOPS, FAILING = 14, 10, 6


def _candidates(rng: random.Random) -> list[Subject]:
    """Companies and shops that meet every criterion today (most of the applications), and a few others that
    have a commitment but miss some other criterion (they will be refused)."""
    rules = criteria.scheme()
    test = next(c.check.records for c in rules.criteria if c.check.records is not None and c.check.records.at_least)
    kinds = set(test.details.get("commitment_type", []))
    committed = {sid for sid, details in CreditRecord.objects.filter(
        record_type_id__in=test.types, status__in=LIVE_STATUSES).values_list("subject_id", "details")
        if not kinds or (details or {}).get("commitment_type") in kinds}
    good = set(CurrentScore.objects.filter(in_force=True, grade__in=["A", "B"]).values_list("subject_id", flat=True))
    subjects = Subject.objects.exclude(roles__role="platform").select_related("platform", "operator")
    pools = {
        "company": list(subjects.filter(kind=SubjectKind.ORGANISATION, pk__in=committed & good).order_by("id")),
        "shop": list(subjects.filter(Q(pk__in=committed) | Q(operator_id__in=committed), kind=SubjectKind.SHOP,
                                     pk__in=good).order_by("id")),
        "other": list(subjects.filter(kind=SubjectKind.ORGANISATION, pk__in=committed).exclude(pk__in=good)
                      .order_by("id")[:200]),
    }
    wanted = {"company": COMPANIES, "shop": SHOPS, "other": FAILING}
    chosen: list[Subject] = []
    for pool, subjects_in in pools.items():
        rng.shuffle(subjects_in)
        picked = 0
        for subject in subjects_in[:wanted[pool] * 6]:
            if picked == wanted[pool]:
                break
            if pool == "other" or criteria.check(subject).passed:
                chosen.append(subject)
                picked += 1
    return sorted(chosen, key=lambda s: s.pk)


def _applicant(subject: Subject, self_service: Organisation, platforms: dict[str, Organisation]) -> Principal:
    if subject.kind == SubjectKind.SHOP and subject.platform is not None and subject.platform.uscc in platforms:
        return principal_of(platforms[subject.platform.uscc])
    own = subject.operator_id if subject.kind == SubjectKind.SHOP else subject.pk
    return Principal.build(f"demo:self:{own}", "subject_account", self_service, own)


def build(orgs: dict) -> int:
    """Write the demo's enrolments; returns how many were made."""
    rng = random.Random(SEED)
    reviewers = [principal_of(orgs[code]) for code in ("market_regulation", "commerce") if code in orgs]
    if not reviewers:
        return 0
    code, name = demo_accounts.SUBJECT_ORGANISATION
    self_service, _ = Organisation.objects.get_or_create(code=code, defaults={"name": name,
                                                                            "kind": OrganisationKind.SUBJECT})
    platforms = {org.uscc: org for org in orgs.values() if org.kind == OrganisationKind.PLATFORM and org.uscc}
    districts = list(services.known_regions())[1:]
    now = timezone.now()
    made = 0
    published: list[int] = []
    for index, subject in enumerate(_candidates(rng)):
        applied = now - dt.timedelta(days=rng.randint(20, 150), hours=rng.randint(0, 8))
        region = "" if subject.region in districts else rng.choice(districts)
        try:
            enrolment = services.apply(_applicant(subject, self_service, platforms), subject_id=subject.pk,
                                       region=region, statement=rng.choice(STATEMENTS), now=applied)
        except DomainError:
            continue
        made += 1
        reviewer = reviewers[index % len(reviewers)]
        decided = applied + dt.timedelta(days=rng.randint(3, 15))
        if decided > now or rng.random() < 0.15:
            continue                                         # still waiting for review
        try:
            if enrolment.passed:
                flows.review(enrolment.pk, reviewer, approve=True, reason="经核验符合全部认定条件，予以认定。",
                             decision_no=f"通放心〔{decided.year}〕{enrolment.pk}号", publish=True, now=decided)
                published.append(enrolment.pk)
            else:
                failed = "、".join(i["name"] for i in enrolment.results["items"] if not i["passed"])
                flows.review(enrolment.pk, reviewer, approve=False, reason=f"不符合认定条件：{failed}。", now=decided)
        except DomainError:
            continue                                         # the records changed since: it waits for review
    if len(published) >= 2:
        flows.suspend(published[0], reviewers[0], reason="收到多起关于虚假宣传的投诉，核查期间暂停称号。")
        flows.revoke(published[1], reviewers[0], reason="经查实存在价格欺诈行为，撤销放心消费单位称号。")
    flows.recheck()
    return made


STATEMENTS = (
    "本店承诺商品支持七日无理由退货，质量问题退货运费由本店承担。",
    "本公司建立了投诉处理制度，消费者投诉二十四小时内响应。",
    "承诺诚信经营、明码标价，不刷单、不虚假宣传。",
    "",
)


def summary() -> dict[str, int]:
    """Enrolments by status (for the demo's report)."""
    counts: dict[str, int] = {}
    for status in Enrolment.objects.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return {s: counts.get(s, 0) for s in EnrolmentStatus.values}
