"""Supervision figures per platform (R5.1): how claims are decided, paid and recovered, and the fund's health.

- filed / pending / accepted / rejected: claims by their decision (accepted counts every claim ever accepted);
- paid: count and amount, split into the fund and the platform's own money; median calendar days from filing
  to payment (what the consumer waits); on-time rate: paid claims decided and paid within their deadlines;
- recovery rate: recovered / paid (amounts); outstanding: paid, not yet recovered nor written off;
- overdue: open claims past the deadline of their step today; time-barred: receivables older than the
  limitation period (民法典第一百八十八条);
- the fund's balance against the required minimum (policy floor or the agreed minimum, the higher).

An officer (compensation.view) sees every platform that has a fund, a claim or a platform account; a platform
sees only its own row.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import asdict, dataclass

from django.db.models import Count, Q, Sum
from django.utils import timezone

from ecredit import policy
from ecredit.access.models import Organisation, OrganisationKind
from ecredit.registry.models import Subject, SubjectKind

from .models import PAID_STATUSES, ClaimStatus, CompensationClaim, ProtectionFund, overdue_q
from .services import platform_of, require_view, required_minimum


@dataclass
class PlatformFigures:
    """One platform's row of the supervision table."""

    platform_id: int
    platform_name: str
    has_fund: bool
    balance_fen: int
    required_minimum_fen: int
    below_minimum: bool
    filed: int
    pending: int
    accepted: int
    rejected: int
    paid: int
    paid_fen: int
    paid_from_fund_fen: int
    paid_from_own_fen: int
    median_days_to_pay: float | None
    on_time_rate: float | None
    recovered_fen: int
    written_off_fen: int
    outstanding_fen: int
    recovery_rate: float | None
    overdue: int
    time_barred: int

    def as_dict(self) -> dict:
        return asdict(self)


def _platform_ids(principal) -> list[int]:
    if principal.can("compensation.view") or principal.city_wide:
        ids = set(ProtectionFund.objects.values_list("platform_id", flat=True))
        ids |= set(CompensationClaim.objects.values_list("platform_id", flat=True).distinct())
        usccs = Organisation.objects.filter(kind=OrganisationKind.PLATFORM).exclude(uscc="").values("uscc")
        ids |= set(Subject.objects.filter(kind=SubjectKind.ORGANISATION, uscc__in=usccs)
                   .values_list("id", flat=True))
        return sorted(ids)
    return [platform_of(principal).pk]


def per_platform(principal, today: dt.date | None = None) -> list[PlatformFigures]:
    """The figures of every platform the principal may see, by platform name."""
    require_view(principal)
    today = today or timezone.localdate()
    ids = _platform_ids(principal)
    claims = CompensationClaim.objects.filter(platform_id__in=ids)
    paid_q = Q(status__in=PAID_STATUSES)
    rows = {r["platform_id"]: r for r in claims.values("platform_id").annotate(
        filed=Count("id"), pending=Count("id", filter=Q(status=ClaimStatus.FILED)),
        accepted=Count("id", filter=Q(accepted_fen__isnull=False)),
        rejected=Count("id", filter=Q(status=ClaimStatus.REJECTED)), paid=Count("id", filter=paid_q),
        paid_fen=Sum("paid_fen"), paid_from_fund_fen=Sum("paid_from_fund_fen"),
        paid_from_own_fen=Sum("paid_from_own_fen"), recovered_fen=Sum("recovered_fen"),
        written_off_fen=Sum("written_off_fen"), overdue=Count("id", filter=overdue_q(today)))}
    waits: dict[int, list[int]] = {}
    on_time: dict[int, list[bool]] = {}
    limitation = policy.current().compensation.procedure_on(today).recovery_limitation
    barred: dict[int, int] = {}
    for pid, filed_at, decided_at, paid_at, decision_due, pay_due, paid, recovered, written_off in claims.filter(
            paid_q).values_list("platform_id", "filed_at", "decided_at", "paid_at", "decision_due", "pay_due",
                                "paid_fen", "recovered_fen", "written_off_fen").iterator(chunk_size=5000):
        outstanding = paid - recovered - written_off
        paid_day = timezone.localdate(paid_at)
        waits.setdefault(pid, []).append((paid_day - timezone.localdate(filed_at)).days)
        on_time.setdefault(pid, []).append(bool(decided_at and timezone.localdate(decided_at) <= decision_due
                                                and pay_due and paid_day <= pay_due))
        if outstanding and limitation.after(paid_day) < today:
            barred[pid] = barred.get(pid, 0) + 1
    funds = {f.platform_id: f for f in ProtectionFund.objects.filter(platform_id__in=ids)}
    names = dict(Subject.objects.filter(pk__in=ids).values_list("id", "name"))
    out = []
    for pid in ids:
        r = rows.get(pid, {})
        fund = funds.get(pid)
        n = lambda key: int(r.get(key) or 0)  # noqa: E731
        minimum = required_minimum(fund, today)
        balance = fund.balance_fen if fund else 0
        paid_fen, recovered, written_off = n("paid_fen"), n("recovered_fen"), n("written_off_fen")
        out.append(PlatformFigures(
            platform_id=pid, platform_name=names.get(pid, str(pid)), has_fund=fund is not None,
            balance_fen=balance,
            required_minimum_fen=minimum, below_minimum=balance < minimum, filed=n("filed"), pending=n("pending"),
            accepted=n("accepted"), rejected=n("rejected"), paid=n("paid"), paid_fen=paid_fen,
            paid_from_fund_fen=n("paid_from_fund_fen"), paid_from_own_fen=n("paid_from_own_fen"),
            median_days_to_pay=float(statistics.median(waits[pid])) if waits.get(pid) else None,
            on_time_rate=round(sum(on_time[pid]) / len(on_time[pid]), 4) if on_time.get(pid) else None,
            recovered_fen=recovered, written_off_fen=written_off,
            outstanding_fen=paid_fen - recovered - written_off,
            recovery_rate=round(recovered / paid_fen, 4) if paid_fen else None, overdue=n("overdue"),
            time_barred=barred.get(pid, 0)))
    return sorted(out, key=lambda f: (f.platform_name, f.platform_id))
