"""The people and things a 放心消费 enrolment involves in tests, and the steps they take.

`Town` sets up the reviewing departments the plan names (market regulation, commerce, the credit office), a
department that does not review (postal), a platform, and merchants with their shops. Records go through the
archive's intake as their sources send them; grades are computed by the evaluation; list entries go through
the lists' procedure. Steps call the services and flows the API and the console call.
"""

from __future__ import annotations

import datetime as dt
import itertools
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.test import TestCase
from django.utils import timezone

from ecredit import policy
from ecredit.access.principal import Principal
from ecredit.archive import services as archive
from ecredit.audit.services import Actor
from ecredit.evaluation.services import rescore_subjects
from ecredit.lists import flows as list_flows
from ecredit.lists import services as list_services
from ecredit.registry import services as registry
from ecredit.registry.models import Subject, SubjectKind
from ecredit.registry.shops import report_shops
from ecredit.safe_consumption import flows, services
from tests import factories as f

TZ = ZoneInfo("Asia/Shanghai")
REGION = "320613"
_seed = itertools.count(810001)


@contextmanager
def on_day(day: dt.date, hour: int = 10):
    """Travel to `day`, 10:00 in Nantong; the clock stands still."""
    with time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=TZ), tick=False):
        yield


def background_tasks():
    """Run what `records_written` enqueues (rescoring, lists and titles following their records) as production
    does once a transaction commits: tests run inside one transaction that never commits."""
    return TestCase.captureOnCommitCallbacks(using="default", execute=True)


def day(spec: Any, today: dt.date | None = None) -> dt.date:
    """A date from a scenario: an ISO date, or relative to today ('-30d', '-13m', '-2y', 'today')."""
    today = today or timezone.localdate()
    if isinstance(spec, dt.date):
        return spec
    text = str(spec).strip()
    if text == "today":
        return today
    if text[0] in "+-" and text[-1] in "dmy":
        n = int(text[:-1])
        if text[-1] == "d":
            return today + dt.timedelta(days=n)
        months = n * (12 if text[-1] == "y" else 1)
        from ecredit.kit.periods import Period

        period = Period.parse(f"P{abs(months)}M")
        return period.after(today) if months > 0 else period.before(today)
    return dt.date.fromisoformat(text)


class Town:
    """The cast, its merchants and their records."""

    def __init__(self) -> None:
        self.market = f.organisation("department", "market_regulation", name="南通市市场监督管理局")
        self.commerce = f.organisation("department", "commerce", name="南通市商务局")
        self.postal = f.organisation("department", "postal", name="南通市邮政管理局")
        self.office = f.organisation("credit_office", "credit_office", name="南通市信用办")
        self.platform_uscc = f.uscc(next(_seed))
        registry.register({"uscc": self.platform_uscc, "name": "南通好物电商平台"}, Actor("test"), roles=["platform"])
        self.platform_org = f.organisation("platform", "platform_sc", name="南通好物电商平台", uscc=self.platform_uscc)
        self.platform_subject = Subject.objects.get(uscc=self.platform_uscc)
        self.officer = f.principal("department_officer", self.market)
        self.commerce_officer = f.principal("department_officer", self.commerce)
        self.postal_officer = f.principal("department_officer", self.postal)
        self.admin = f.principal("credit_office_admin", self.office)
        self.platform = f.principal("platform_client", self.platform_org)
        self._accounts: dict[int, Principal] = {}
        self._n = itertools.count(1)

    # ------------------------------------------------------------------------------------------ subjects

    def company(self, name: str = "南通放心商贸有限公司", *, verified: bool = True, region: str = REGION) -> Subject:
        """A merchant company registered by the business registry."""
        return registry.register({"uscc": f.uscc(next(_seed)), "name": name},
                                 Actor("test:registry", "market_regulation"), roles=["merchant"], verified=verified,
                                 region=region)

    def shop(self, operator: Subject, name: str = "放心好物旗舰店", shop_id: str | None = None,
             operator_name: str | None = None) -> Subject:
        """A shop on the platform, reported by the platform with its operator's real-name data."""
        shop_id = shop_id or f"S{next(self._n):05d}"
        operator_ref = {"uscc": operator.uscc, "name": operator_name or operator.name} if operator.uscc else None
        report = report_shops([{"shop_id": shop_id, "name": name, "operator": operator_ref}], self.platform)
        assert not report.errors, report.errors
        return Subject.objects.get(platform__uscc=self.platform_uscc, shop_id=shop_id)

    def account(self, subject: Subject) -> Principal:
        """The subject's own account."""
        if subject.pk not in self._accounts:
            org = f.organisation("subject", f"self_{subject.pk}", name=subject.name)
            self._accounts[subject.pk] = f.principal("subject_account", org, subject_id=subject.pk)
        return self._accounts[subject.pk]

    # ------------------------------------------------------------------------------------------ records

    def record(self, subject: Subject, type_code: str, on: Any = "-30d", details: dict | None = None,
               by: Principal | None = None) -> int:
        """Write one record through the archive's intake, as its source sends it; returns its id."""
        rule = policy.current().record_types[type_code]
        decided_on = day(on)
        n = next(self._n)
        if rule.category == "penalty":
            body = {"decision_no": f"通罚〔{decided_on.year}〕{n}号", "penalty_kinds": ["fine"], "fine_amount_wan": 2.0,
                    "field": "general"}
        else:
            body = f.minimal_details(rule.details_schema)
        body.update(details or {})
        if subject.kind == SubjectKind.SHOP:
            ref = {"platform_uscc": subject.platform.uscc, "shop_id": subject.shop_id, "name": subject.name}
        else:
            ref = {"uscc": subject.uscc, "name": subject.name}
        departments = {"department", "market_regulation"} & set(rule.sources)
        source = by or (self.officer if departments else self.platform if "platform" in rule.sources else self.admin)
        report = archive.ingest([{"id": f"sc-{n}", "type": type_code, "subject": ref,
                                  "decided_on": decided_on.isoformat(), "summary": rule.name.zh, "details": body}],
                                source)
        assert not report.errors, report.errors
        return report.record_ids[0]

    def commitment(self, subject: Subject, kind: str = "industry_self_discipline", on: Any = "-60d",
                   **details: Any) -> int:
        """A signed credit commitment of `kind`, accepted by market regulation."""
        return self.record(subject, "credit_commitment", on,
                           {"commitment_type": kind, "content": "诚信经营、商品质量和售后服务承诺", **details})

    def grade(self, *subjects: Subject) -> None:
        """Compute the subjects' grades now (as the evaluation's background task would)."""
        rescore_subjects([s.pk for s in subjects])

    def listed(self, subject: Subject, list_type: str = "focus_list") -> int:
        """Put the subject on a list through the lists' procedure (proposed and notified 40 days ago)."""
        past = timezone.now() - dt.timedelta(days=40)
        entry = list_services.propose(self.officer, list_type=list_type, subject_id=subject.pk,
                                      reason="多次销售假冒伪劣商品，建议列入", now=past)
        list_flows.notify(entry.pk, self.officer, channel="written", reference="告知1号", now=past)
        list_flows.decide(entry.pk, self.officer, list_subject=True, decision_no="列1号", text="决定列入",
                          now=past + dt.timedelta(days=20))
        list_flows.publish(entry.pk, self.officer, now=past + dt.timedelta(days=21))
        return entry.pk

    def merchant(self, name: str = "南通放心商贸有限公司", *, shop: bool = False) -> Subject:
        """A merchant that meets every criterion: verified, a commitment, graded (B); a shop of it if asked."""
        company = self.company(name)
        self.commitment(company)
        if not shop:
            self.grade(company)
            return company
        outlet = self.shop(company, f"{name[:4]}旗舰店")
        self.grade(company, outlet)
        return outlet

    # ------------------------------------------------------------------------------------------ steps

    def apply(self, subject: Subject, by: Principal | None = None, **kwargs: Any):
        """The subject's own account (a shop's: its operator's) applies."""
        who = by or self.account(subject.operator if subject.kind == SubjectKind.SHOP else subject)
        return services.apply(who, subject_id=subject.pk, **kwargs)

    def approve(self, enrolment, by: Principal | None = None, publish: bool = True):
        return flows.review(enrolment.pk, by or self.officer, approve=True, reason="经审核符合放心消费单位条件",
                            decision_no=f"通放心〔2026〕{enrolment.pk}号", publish=publish)

    def title(self, subject: Subject, **kwargs: Any):
        """Apply and approve at once: a published title."""
        return self.approve(self.apply(subject), **kwargs)
