"""What the models read: which model evaluates a subject, and the raw value of each indicator (record counts
with the records behind them, figures of derived tables, registry flags). The batch path (`batch.py`) computes
the same values from exported columns; a test holds the two to the same answers."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.apps import apps

from ecredit import policy
from ecredit.archive.models import LIVE_STATUSES, CreditRecord

from .engine import model_version

# Figures an indicator may name -> (app label, model, column). The marketplace keeps shops' reputation.
FIGURES = {
    "good_rate_180d": ("marketplace", "ShopReputation", "good_rate_180d"),
    "dsr_avg_180d": ("marketplace", "ShopReputation", "dsr_avg_180d"),
    "refund_rate_relative": ("marketplace", "ShopReputation", "refund_rate_relative"),
}


@dataclass(frozen=True)
class ModelInForce:
    """A model's code and the version of it in force on a date."""

    code: str
    version: str
    rule: object


def models_in_force(on: dt.date) -> dict[str, ModelInForce]:
    """Every model's version in force on `on` (models whose first version is later are left out)."""
    out = {}
    for code, versions in policy.current().evaluation.models.items():
        eligible = [v for v in versions if v.effective <= on]
        if eligible:
            rule = max(eligible, key=lambda v: v.effective)
            out[code] = ModelInForce(code, model_version(code, rule), rule)
    return out


def assign(kind: str, roles: set[str]) -> str | None:
    """The model code that evaluates a subject of this kind with these roles (first matching rule)."""
    for rule in policy.current().evaluation.assignment:
        if kind in rule.kinds and (not rule.roles or roles & set(rule.roles)):
            return rule.model
    return None


def counted_types(indicator) -> set[str]:
    """The record types a records indicator counts (its types plus every type of its categories)."""
    types = set(indicator.types)
    if indicator.categories:
        types |= {code for code, rule in policy.current().record_types.items()
                  if rule.category in indicator.categories}
    return types


def window_start(indicator, as_of: dt.date) -> dt.date:
    """The earliest decision date a records indicator still counts on `as_of`."""
    return indicator.within.before(as_of)


def figure_values(name: str, subject_ids: list[int]) -> dict[int, float]:
    """The named figure for these subjects (absent: no figure yet)."""
    source = FIGURES.get(name)
    if source is None or not apps.is_installed(f"ecredit.{source[0]}"):
        return {}
    model = apps.get_model(source[0], source[1])
    field = source[2]
    rows = model.objects.filter(shop_id__in=subject_ids).values_list("shop_id", field)
    return {pk: float(v) for pk, v in rows if v is not None and not math.isnan(float(v))}


def raw_for_subject(subject, model, as_of: dt.date) -> tuple[list[float], dict[str, list[int]]]:
    """Raw indicator values of one subject under `model`, and the ids of the records each count rests on."""
    raw: list[float] = []
    evidence: dict[str, list[int]] = {}
    records = list(CreditRecord.objects.filter(subject_id=subject.pk, status__in=LIVE_STATUSES,
                                               decided_on__lte=as_of)
                   .values_list("id", "record_type_id", "decided_on"))
    for indicator in model.indicators:
        if indicator.kind == "records":
            types, start = counted_types(indicator), window_start(indicator, as_of)
            ids = sorted(pk for pk, code, day in records if code in types and day >= start)
            raw.append(float(len(ids)))
            if ids:
                evidence[indicator.code] = ids
        elif indicator.kind == "figure":
            raw.append(figure_values(indicator.figure, [subject.pk]).get(subject.pk, math.nan))
        else:
            raw.append(1.0 if subject.verified else 0.0)
    return raw, evidence
