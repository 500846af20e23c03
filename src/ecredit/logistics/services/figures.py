"""Courier firms' monthly figures (R4.1, R4.4) and the service-quality record a failing month becomes.

`refresh_figures` recomputes, per carrier and month of pick-up, the on-time rate against the service standards'
time limits, the loss rate, complaints per million and the consumers' average satisfaction (see CarrierFigures
for each definition), from columns. `write_quality_records` then writes, as the postal administration's system,
one `logistics_service_quality` record for each final month a carrier was judged on and failed. Only failing
months become records because the evaluation model of logistics firms (evaluation.yaml) counts every record of
that type as a service-quality problem: a record for a month that met the standards would lower a good firm's
score.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.access.models import Organisation
from ecredit.access.principal import Principal
from ecredit.archive import services as archive
from ecredit.archive.models import CreditRecord
from ecredit.kit.errors import ValidationFailed

from ..models import CarrierFigures, DeliveryFeedback, Scan, ScanState, Waybill, WaybillState
from . import common as c

HISTORY_MONTHS = 13


def month_start(day: dt.date) -> dt.date:
    """The first day of `day`'s month."""
    return day.replace(day=1)


def month_end(first: dt.date) -> dt.date:
    """The last day of the month that starts on `first`."""
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def next_month(first: dt.date) -> dt.date:
    """The first day of the month after the one that starts on `first`."""
    return month_end(first) + dt.timedelta(days=1)


def _bounds(first: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(first, dt.time.min, tz), dt.datetime.combine(next_month(first), dt.time.min, tz))


@dataclass
class Month:
    """One carrier's figures for one month, before they are stored."""

    carrier_id: int
    values: dict[str, Any]


def compute(first: dt.date, as_of: dt.date) -> list[Month]:
    """Every carrier's figures for the month starting on `first`, as known at the end of `as_of`."""
    rules = c.rules()
    standards, thresholds = rules.standards(first), rules.figure_rules(first)
    start, end = _bounds(first)
    now = min(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min, timezone.get_current_timezone()),
              timezone.now())
    rows = list(Waybill.objects.filter(accepted_at__gte=start, accepted_at__lt=end).values_list(
        "id", "carrier_id", "accepted_at", "signed_at", "returned_at", "state", "accepted_region", "origin_region",
        "destination_region"))
    if not rows:
        return []
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    carrier = np.array([r[1] for r in rows], dtype=np.int64)
    accepted = np.array([r[2].timestamp() for r in rows])
    signed = np.array([r[3].timestamp() if r[3] else np.nan for r in rows])
    ended = np.array([r[3] is not None or r[4] is not None or r[5] in (WaybillState.REFUSED, WaybillState.RETURNED)
                      for r in rows])
    refused = np.array([r[5] == WaybillState.REFUSED for r in rows])
    returned = np.array([r[4] is not None for r in rows])
    same_city = np.array([c.route_of(r[6] or r[7], r[8]) == "same_city" for r in rows])
    limit = np.where(same_city, standards.time_limit_hours.same_city, standards.time_limit_hours.inter_city) * 3600
    delay = np.where(same_city, standards.complete_delay_days.same_city,
                     standards.complete_delay_days.inter_city) * 86400
    clock = now.timestamp()
    has_signed = np.isfinite(signed)
    with np.errstate(invalid="ignore"):
        on_time = has_signed & (signed - accepted <= limit)
        late = (has_signed & (signed - accepted > limit)) | (~ended & (clock > accepted + limit))
    reported_lost = np.isin(ids, _reported_lost(start, end, standards.loss_words))
    lost = ~has_signed & ((~ended & (clock > accepted + delay)) | reported_lost)
    feedback = list(DeliveryFeedback.objects.filter(waybill__accepted_at__gte=start, waybill__accepted_at__lt=end)
                    .values_list("waybill__carrier_id", "satisfaction", "complaint"))
    settled = as_of >= month_end(first) + dt.timedelta(days=thresholds.settle_days)
    out = []
    for carrier_id in np.unique(carrier).tolist():
        mine = carrier == carrier_id
        n = int(mine.sum())
        scores = [s for cid, s, _c in feedback if cid == carrier_id]
        complaints = sum(1 for cid, _s, flag in feedback if cid == carrier_id and flag)
        due = int(on_time[mine].sum() + late[mine].sum())
        values = dict(
            waybills=n, delivered=int(has_signed[mine].sum()), refused=int(refused[mine].sum()),
            returned=int(returned[mine].sum()), on_time=int(on_time[mine].sum()), late=int(late[mine].sum()),
            on_time_rate=round(float(on_time[mine].sum()) / due, 6) if due else None,
            lost=int(lost[mine].sum()), loss_rate=round(float(lost[mine].sum()) / n, 6),
            complaints=complaints, complaints_per_million=round(complaints * 1e6 / n, 2),
            feedback_count=len(scores), feedback_average=round(sum(scores) / len(scores), 3) if scores else None,
            judged=n >= thresholds.min_waybills, final=settled)
        values["passed"] = _passed(values, thresholds) if values["judged"] else None
        out.append(Month(carrier_id, values))
    return out


def _passed(values: dict, thresholds) -> bool:
    return not failures(values, thresholds)


def failures(values: dict, thresholds) -> list[str]:
    """The thresholds a month's figures miss, as codes: on_time, loss, complaints."""
    out = []
    if values["on_time_rate"] is not None and values["on_time_rate"] < thresholds.min_on_time_rate:
        out.append("on_time")
    if values["loss_rate"] is not None and values["loss_rate"] > thresholds.max_loss_rate:
        out.append("loss")
    if values["complaints_per_million"] is not None and \
            values["complaints_per_million"] > thresholds.max_complaints_per_million:
        out.append("complaints")
    return out


def _reported_lost(start: dt.datetime, end: dt.datetime, words: list[str]) -> list[int]:
    """Waybills picked up in [start, end) with a problem or return scan whose text reports a loss."""
    if not words:
        return []
    said = Q()
    for word in words:
        said |= Q(text__contains=word)
    return list(Scan.objects.filter(said, state__in=[ScanState.PROBLEM, ScanState.RETURNED],
                                    waybill__accepted_at__gte=start, waybill__accepted_at__lt=end)
                .values_list("waybill_id", flat=True).distinct())


def months_to_refresh(as_of: dt.date) -> list[dt.date]:
    """The months of pick-ups from HISTORY_MONTHS back to `as_of`'s month that are not final yet or have none."""
    first, out = month_start(as_of), []
    for _i in range(HISTORY_MONTHS):
        out.append(first)
        first = month_start(first - dt.timedelta(days=1))
    final = set(CarrierFigures.objects.filter(final=True, month__in=out).values_list("month", flat=True))
    return sorted(m for m in out if m not in final)


def refresh_figures(months: list[dt.date] | None = None, as_of: dt.date | None = None) -> int:
    """Recompute and store the figures of these months (default: every month of the last year not yet final);
    returns how many carrier-months were written. A month's row keeps its record."""
    as_of = as_of or timezone.localdate()
    months = sorted({month_start(m) for m in months}) if months else months_to_refresh(as_of)
    version, now, written = policy.current().version, timezone.now(), 0
    with transaction.atomic():
        for first in months:
            computed = compute(first, as_of)
            CarrierFigures.objects.filter(month=first).exclude(
                carrier_id__in=[m.carrier_id for m in computed]).filter(record__isnull=True).delete()
            for month in computed:
                CarrierFigures.objects.update_or_create(
                    carrier_id=month.carrier_id, month=first,
                    defaults={**month.values, "policy_version": version, "computed_at": now})
                written += 1
    return written


def carrier_figures(month: dt.date | None = None) -> list[CarrierFigures]:
    """The carriers' figures of a month (default: the latest month with figures), best on-time rate first."""
    rows = CarrierFigures.objects.select_related("carrier", "record")
    if month is None:
        month = rows.order_by("-month").values_list("month", flat=True).first()
        if month is None:
            return []
    return sorted(rows.filter(month=month_start(month)),
                  key=lambda f: (-(f.on_time_rate if f.on_time_rate is not None else -1), f.carrier.name))


def months_known() -> list[dt.date]:
    """Months with figures, newest first."""
    return list(CarrierFigures.objects.order_by("-month").values_list("month", flat=True).distinct())


# ---------------------------------------------------------------------------------------------- records


def _writer(code: str) -> Principal:
    org = Organisation.objects.filter(code=code).first()
    if org is None:
        raise ValidationFailed(_("未找到写入服务质量记录的部门“{code}”").format(code=code), code="no_source")
    return Principal.build("system:logistics", "department_officer", org)


def quality_item(row: CarrierFigures, rule, thresholds, evaluated_by: str, today: dt.date) -> dict[str, Any]:
    """The logistics_service_quality record of a carrier's failed month."""
    names = {"on_time": _("时限准时率"), "loss": _("丢失率"), "complaints": _("投诉率")}
    values = {k: getattr(row, k) for k in ("on_time_rate", "loss_rate", "complaints_per_million")}
    missed = failures(values, thresholds)
    period = f"{row.month.year}年{row.month.month}月"
    on_time = f"{row.on_time_rate * 100:.1f}%" if row.on_time_rate is not None else "—"
    remarks = _("由本平台寄递轨迹按 logistics.yaml 服务标准计算（规则版本 {version}）：{month}揽收 {n} 件；时限准时率 "
                "{on_time}（标准不低于 {min_on_time:.0f}%）；丢失 {lost} 件，丢失率 {loss:.2f}‰（标准不高于 "
                "{max_loss:.1f}‰）；消费者投诉 {complaints} 件，每百万件 {cpm:.0f} 件（标准不高于 {max_cpm:.0f} 件）。").format(
        version=row.policy_version, month=period, n=row.waybills, on_time=on_time,
        min_on_time=thresholds.min_on_time_rate * 100, lost=row.lost, loss=(row.loss_rate or 0) * 1000,
        max_loss=thresholds.max_loss_rate * 1000, complaints=row.complaints, cpm=row.complaints_per_million or 0,
        max_cpm=thresholds.max_complaints_per_million)
    details = {"evaluation_period": period, "grade": rule.grade, "evaluated_by": evaluated_by[:200],
               "complaint_rate": round(row.complaints_per_million or 0, 2),
               "valid_until": rule.valid_for.after(month_end(row.month)).isoformat(), "remarks": remarks[:1000]}
    if row.on_time_rate is not None:
        details["on_time_rate"] = round(row.on_time_rate * 100, 1)
    return {"id": f"parcel-quality-{row.carrier.uscc}-{row.month:%Y-%m}", "type": rule.record_type,
            "subject": {"uscc": row.carrier.uscc, "name": row.carrier.name}, "decided_on": today.isoformat(),
            "summary": _("{period}寄递服务质量未达标（{items}）").format(
                period=period, items="、".join(str(names[m]) for m in missed))[:500],
            "details": details, "evidence": [{"carrier_figures": row.pk, "month": f"{row.month:%Y-%m}"}]}


def write_quality_records(as_of: dt.date | None = None) -> list[int]:
    """Write, as the postal administration's system, the service-quality record of every final, judged month a
    carrier failed and that has none yet; returns the records' ids."""
    today = as_of or timezone.localdate()
    pending = list(CarrierFigures.objects.filter(final=True, judged=True, passed=False, record__isnull=True)
                   .select_related("carrier").order_by("month", "carrier_id"))
    pending = [row for row in pending if row.carrier.uscc]
    if not pending:
        return []
    rule = c.rules().record_rule(today)
    writer = _writer(rule.source_department)
    evaluated_by = Organisation.objects.get(pk=writer.organisation_id).name
    items = [quality_item(row, rule, c.rules().figure_rules(row.month), evaluated_by, today) for row in pending]
    report = archive.ingest(items, writer)
    if report.errors:
        raise ValidationFailed(_("服务质量记录写入失败：{message}").format(message=report.errors[0].message),
                               code="record_refused")
    written = dict(CreditRecord.objects.filter(source_id=writer.organisation_id,
                                               source_record_id__in=[i["id"] for i in items])
                   .values_list("source_record_id", "id"))
    for row, item in zip(pending, items):
        CarrierFigures.objects.filter(pk=row.pk).update(record_id=written.get(item["id"]))
    return [written[i["id"]] for i in items if i["id"] in written]
