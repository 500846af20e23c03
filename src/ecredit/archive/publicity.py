"""Publicity windows as pure functions of a record and the rule in force (no database, no Django).

`public_until` is the last day a record is shown (a period that runs three years from 5 March 2024 ends
with 5 March 2027, as a licence valid until a date is valid on that date).

Law: a record is shown from its decision date; the subject may apply for repair once the minimum period
has passed; it leaves public view at the maximum; of several penalty kinds in one decision the longest
period wins (NDRC Order 58; SAMR Order 45 arts 2, 13, 14). The rule values come from publicity.yaml.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ecredit.kit.periods import Period
from ecredit.policy import models as rules


@dataclass(frozen=True)
class PublicityWindow:
    """When a record is public. `public_from` None: never shown to the public."""

    public_from: dt.date | None
    repair_from: dt.date | None
    public_until: dt.date | None
    basis: str

    @property
    def published(self) -> bool:
        return self.public_from is not None


NOT_PUBLIC = PublicityWindow(None, None, None, "不向社会公开")


def describe(period: Period) -> str:
    """A period in Chinese: P3M → 3个月, P1Y6M → 1年6个月."""
    parts = [f"{period.years}年" if period.years else "", f"{period.months}个月" if period.months else "",
             f"{period.days}日" if period.days else ""]
    return "".join(parts) or "0日"


def compute(rule: rules.PublicityVersion, decided_on: dt.date, details: dict[str, Any],
            disclosure: str) -> PublicityWindow:
    """The publicity window of a record decided on `decided_on` under `rule`.

    A record that is not disclosed to the public still has its period (it is shared, counts in checks and
    may be repaired until it ends); it just never has a `public_from`."""
    if isinstance(rule, rules.NoPublicity):
        return NOT_PUBLIC
    window = _window(rule, decided_on, details)
    if disclosure != "public":
        return PublicityWindow(None, window.repair_from, window.public_until, ("不向社会公开；" + window.basis)[:300])
    if details.get("visibility", "public") != "public":  # e.g. a commitment its template keeps restricted
        return PublicityWindow(None, window.repair_from, window.public_until,
                               ("按记录的公开类型不向社会公开；" + window.basis)[:300])
    return window


def _window(rule: rules.PublicityVersion, decided_on: dt.date, details: dict[str, Any]) -> PublicityWindow:
    if isinstance(rule, rules.FixedPublicity):
        until, basis = rule.window.max.after(decided_on), f"最短{describe(rule.window.min)}，最长" \
            f"{describe(rule.window.max)}（{rule.reference}）"
        removed = _date(details.get("removal_date"))
        if removed and removed - dt.timedelta(days=1) < until:  # removed from the list: shown until the day before
            until, basis = max(removed - dt.timedelta(days=1), decided_on), f"{removed}移出名单；" + basis
        return PublicityWindow(decided_on, min(rule.window.min.after(decided_on), until), until, basis[:300])
    if isinstance(rule, rules.ValidityPublicity):
        cap = rule.cap.after(decided_on)
        valid_until = _date(details.get("valid_until"))
        until = min(valid_until, cap) if valid_until else cap
        return PublicityWindow(decided_on, None, until,
                               f"有效期内公示，最长{describe(rule.cap)}（{rule.reference}）")
    return _penalty(rule, decided_on, details)


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _penalty(rule: rules.PenaltyPublicity, decided_on: dt.date, details: dict[str, Any]) -> PublicityWindow:
    kinds = [k for k in details.get("penalty_kinds") or ["other"]]
    published = [k for k in kinds if k not in rule.not_published_kinds]
    if not published:
        return PublicityWindow(None, None, None, f"仅受警告处罚，不予公示（{rule.reference}）")
    fine = float(details.get("fine_amount_wan") or 0)
    ban_years = float(details.get("ban_years") or 0)
    windows: list[tuple[Period, Period, str]] = []
    for kind in published:
        light = kind in rule.light_kinds or (kind == "fine" and fine <= rule.low_fine_threshold_wan)
        window = rule.light if light else rule.general
        minimum, maximum = window.min, window.max
        note = "较轻处罚" if light else "一般处罚"
        if kind in rule.ban_kinds and ban_years:
            ban = Period.of_years(ban_years)
            if ban > maximum:
                maximum, note = ban, f"限制期限{describe(ban)}"
        windows.append((minimum, maximum, f"{kind}:{note}"))
    minimum = max(w[0] for w in windows)
    maximum = max(w[1] for w in windows)
    notes = [w[2] for w in windows]
    if details.get("field") in rule.special_fields and rule.special_field_min > minimum:
        minimum = rule.special_field_min
        notes.append(f"{details['field']}领域最短{describe(minimum)}")
    if minimum > maximum:
        maximum = minimum
    if any(k in rule.severe_kinds for k in published):
        minimum = maximum
        notes.append("较重处罚不得提前停止公示")
    basis = (f"最短{describe(minimum)}，最长{describe(maximum)}；" + "，".join(notes)
             + f"（{rule.reference}）")
    return PublicityWindow(decided_on, minimum.after(decided_on), maximum.after(decided_on), basis[:300])
