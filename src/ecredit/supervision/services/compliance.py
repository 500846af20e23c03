"""Platforms' compliance with their duties (R11.1, plan task 11), one row per platform.

A platform is a registry subject with the role `platform` that has shops. Its figures, over the window of the
compliance rule in force (plan.yaml `compliance`):

- shops, and the real-name verification rate: shops whose own entry and whose operator are both verified;
- stale shops: not re-reported within the shop-report interval (deadlines.yaml), and the share reported in time;
- its own dishonesty reports (records of the rule's `report_categories` it submitted): working days from the
  finding (`decided_on`) to receipt (`created_at`), median and share within the rule's deadline;
- risk alerts it published on the portal (notice kinds `risk_alert_kinds`);
- complaint records about its shops (categories `complaint_categories`) per 1,000 shops;
- regulators' interviews, notices and rectification orders it received (`interview_types`);
- the joint-action task response rate: a column the `lists` app fills (None until then).

Every figure is one aggregate query over all platforms (grouped by platform, or by platform and pair of dates
for the timeliness), never a query or a Python loop per shop or per record: a production city has ~500,000
subjects. Working days are counted once per calendar day of the range, not per record.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Count, Max, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from ecredit import policy
from ecredit.access.models import Organisation, OrganisationKind
from ecredit.archive.models import LIVE_STATUSES, CreditRecord
from ecredit.kit.workdays import WorkingCalendar
from ecredit.lists.joint import platform_response_rates
from ecredit.policy.plan_rules import ComplianceRule
from ecredit.registry.models import Subject, SubjectKind
from ecredit.registry.services import shop_report_due

PLATFORM_ROLE = "platform"
PER_SHOPS = 1000



@dataclass
class PlatformCompliance:
    """One platform's compliance figures (shares are 0..1, None when there is nothing to divide by)."""

    subject_id: int
    name: str
    uscc: str
    organisation_id: int | None
    shops: int
    verified_shops: int
    stale_shops: int
    reports: int = 0
    reports_within_deadline: int = 0
    report_median_days: float | None = None
    risk_alerts: int = 0
    complaints: int = 0
    interviews: int = 0
    last_interview: dt.date | None = None
    joint_action_response_rate: float | None = None     # lists.joint.platform_response_rates

    @property
    def verification_rate(self) -> float | None:
        """Shops whose own entry and operator are verified, as a share of all its shops."""
        return self.verified_shops / self.shops if self.shops else None

    @property
    def timely_shop_share(self) -> float | None:
        """Shops re-reported within the interval, as a share of all its shops."""
        return (self.shops - self.stale_shops) / self.shops if self.shops else None

    @property
    def report_timely_share(self) -> float | None:
        """Its dishonesty reports made within the deadline, as a share of all of them."""
        return self.reports_within_deadline / self.reports if self.reports else None

    @property
    def complaints_per_1000_shops(self) -> float | None:
        """Complaint records about its shops per 1,000 shops."""
        return self.complaints * PER_SHOPS / self.shops if self.shops else None


@dataclass
class ComplianceReport:
    """Every platform's figures, with the window and the rule they were computed under."""

    as_of: dt.date
    since: dt.date
    rule: ComplianceRule
    platforms: list[PlatformCompliance] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------ pure parts


def working_day_ordinals(start: dt.date, end: dt.date, calendar: WorkingCalendar) -> dict[dt.date, int]:
    """For each day from `start` to `end`, the working days after `start` up to and including it: the
    working days between two days of the range are then one subtraction."""
    out, count, day = {start: 0}, 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += calendar.is_working_day(day)
        out[day] = count
    return out


def timeliness(days: dict[int, int], deadline: int) -> tuple[float | None, int]:
    """Median of a distribution given as {working days: number of reports}, and how many are within
    `deadline` working days. The median of an even count is the mean of the two middle values."""
    total = sum(days.values())
    if not total:
        return None, 0
    within = sum(n for d, n in days.items() if d <= deadline)
    ordered = sorted(days.items())

    def nth(k: int) -> int:            # the k-th smallest value, 0-based
        seen = 0
        for value, n in ordered:
            seen += n
            if k < seen:
                return value
        raise IndexError(k)

    middle = total // 2
    median = float(nth(middle)) if total % 2 else (nth(middle - 1) + nth(middle)) / 2
    return median, within


# ------------------------------------------------------------------------------------------------ queries


def _platforms(due: dt.datetime):
    verified = Q(shops__verified=True, shops__operator__verified=True)
    stale = Q(shops__last_reported_at__lt=due) | Q(shops__last_reported_at__isnull=True)
    return (Subject.objects.filter(kind=SubjectKind.ORGANISATION, roles__role=PLATFORM_ROLE)
            .annotate(n_shops=Count("shops"), n_verified=Count("shops", filter=verified),
                      n_stale=Count("shops", filter=stale))
            .filter(n_shops__gt=0).order_by("-n_shops", "id")
            .values("id", "name", "uscc", "n_shops", "n_verified", "n_stale"))


def _report_days(rule: ComplianceRule, usccs: list[str], since: dt.date, today: dt.date,
                 calendar: WorkingCalendar) -> dict[str, dict[int, int]]:
    """Per platform USCC: {working days from finding to receipt: number of its reports}."""
    groups = list(CreditRecord.objects.filter(
        record_type__category__in=rule.report_categories, source__kind=OrganisationKind.PLATFORM,
        source__uscc__in=usccs, decided_on__gte=since, decided_on__lte=today,
    ).annotate(received=TruncDate("created_at")).values("source__uscc", "decided_on", "received")
        .annotate(n=Count("id")).order_by())
    if not groups:
        return {}
    first = min(g["decided_on"] for g in groups)
    last = max(max(g["received"], g["decided_on"]) for g in groups)
    ordinal = working_day_ordinals(first, last, calendar)
    out: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for g in groups:
        days = max(0, ordinal[max(g["received"], g["decided_on"])] - ordinal[g["decided_on"]])
        out[g["source__uscc"]][days] += g["n"]
    return out


def compute(today: dt.date | None = None) -> ComplianceReport:
    """Every platform's compliance figures as of `today`, under the compliance rule in force."""
    today = today or timezone.localdate()
    current = policy.current()
    rule = policy.in_force(current.plan.compliance, today)
    since = rule.window.before(today)
    report = ComplianceReport(today, since, rule)
    rows = list(_platforms(shop_report_due()))
    if not rows:
        return report
    ids = [r["id"] for r in rows]
    usccs = [r["uscc"] for r in rows if r["uscc"]]
    organisations = dict(Organisation.objects.filter(kind=OrganisationKind.PLATFORM, uscc__in=usccs)
                         .values_list("uscc", "id"))
    days = _report_days(rule, usccs, since, today, current.calendar)
    publication = apps.get_model("portal", "Publication")      # the portal keeps notices; no import of a face
    alerts = dict(publication.objects.filter(kind__in=rule.risk_alert_kinds, publisher__uscc__in=usccs,
                                             published_on__gte=since, published_on__lte=today)
                  .values("publisher__uscc").annotate(n=Count("id")).values_list("publisher__uscc", "n"))
    complaints = dict(CreditRecord.objects.filter(
        subject__kind=SubjectKind.SHOP, subject__platform_id__in=ids,
        record_type__category__in=rule.complaint_categories, status__in=LIVE_STATUSES,
        decided_on__gte=since, decided_on__lte=today,
    ).values("subject__platform_id").annotate(n=Count("id")).values_list("subject__platform_id", "n"))
    interviews = {row["subject_id"]: row for row in CreditRecord.objects.filter(
        record_type_id__in=rule.interview_types, subject_id__in=ids, status__in=LIVE_STATUSES,
        decided_on__gte=since, decided_on__lte=today,
    ).values("subject_id").annotate(n=Count("id"), last=Max("decided_on"))}
    rates = platform_response_rates(ids, since, today)
    for row in rows:
        uscc = row["uscc"] or ""
        median, within = timeliness(days.get(uscc, {}), rule.report_deadline_working_days)
        seen = interviews.get(row["id"], {})
        report.platforms.append(PlatformCompliance(
            subject_id=row["id"], name=row["name"], uscc=uscc, organisation_id=organisations.get(uscc),
            shops=row["n_shops"], verified_shops=row["n_verified"], stale_shops=row["n_stale"],
            reports=sum(days.get(uscc, {}).values()), reports_within_deadline=within, report_median_days=median,
            risk_alerts=alerts.get(uscc, 0), complaints=complaints.get(row["id"], 0),
            interviews=seen.get("n", 0), last_interview=seen.get("last"),
            joint_action_response_rate=rates.get(row["id"])))
    return report


def platform_compliance(principal, today: dt.date | None = None) -> ComplianceReport:
    """The compliance figures, for those who supervise platforms (credit office, departments)."""
    principal.require("supervision.view")
    return compute(today)
