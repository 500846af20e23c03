"""Evaluation endpoints: a subject's current score explained line by line, its score history, and the models
(every version, with indicators and grade bands)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Router, Schema

from ecredit import policy
from ecredit.archive.models import CreditRecord
from ecredit.audit.services import record_access
from ecredit.kit.errors import NotFound, ValidationFailed
from ecredit.registry import lookups
from ecredit.registry.models import SubjectKind

from . import features, services
from .engine import model_version

router = Router(tags=["evaluation"])
CENT = Decimal("0.01")


class ScoredSubjectBrief(Schema):
    id: int
    kind: str
    name: str
    key: str
    verified: bool


class LineOut(Schema):
    code: str
    name: str
    kind: str
    raw: float | None
    points: Decimal
    rule: str
    record_ids: list[int]          # the records counted that the caller may read
    withheld_records: int          # records counted that the caller may not read (their points still count)


class ExplanationOut(Schema):
    subject: ScoredSubjectBrief
    model_code: str
    model_name: str
    model_version: str
    reference: str
    as_of: dt.date
    computed_at: dt.datetime
    base: Decimal
    lines: list[LineOut]
    bound: Decimal
    score: Decimal
    grade: str


class HistoryOut(Schema):
    id: int
    model_code: str
    model_version: str
    as_of: dt.date
    computed_at: dt.datetime
    score: Decimal
    grade: str
    base: Decimal
    bound: Decimal
    points: dict[str, Decimal]
    policy_version: str


class BandOut(Schema):
    grade: str
    min: float


class IndicatorOut(Schema):
    code: str
    name: str
    name_en: str
    kind: str
    rule: str
    types: list[str]
    categories: list[str]
    within: str | None
    points_each: float | None
    cap: float | None
    figure: str | None
    from_value: float | None
    to_value: float | None
    flag: str | None
    points: float | None


class VersionOut(Schema):
    version: str
    effective: dt.date
    reference: str
    in_force: bool
    name: str
    name_en: str
    base: float
    min_score: float
    max_score: float
    indicators: list[IndicatorOut]
    bands: list[BandOut]


class ModelOut(Schema):
    code: str
    name: str
    in_force_version: str | None
    versions: list[VersionOut]


class AssignmentOut(Schema):
    model: str
    kinds: list[str]
    roles: list[str]


class ModelsOut(Schema):
    on: dt.date
    assignment: list[AssignmentOut]
    models: list[ModelOut]


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _subject(request, subject_id: int, purpose: str):
    """The subject if the caller may see it (a person only for those who may); a person's read is logged."""
    principal = request.auth
    subject = lookups.find(principal, subject_id=subject_id)
    if subject.kind == SubjectKind.PERSON:
        record_access(principal.actor, subject.pk, "evaluation", purpose or "查阅信用评价", "api")
    return principal, subject


@router.get("/subjects/{int:subject_id}/evaluation", response=ExplanationOut,
            summary="A subject's current credit evaluation, explained line by line",
            description="The score under the model version in force: base + every indicator's points + the bound "
                        "adjustment = score, exactly (decimal strings). Each line names its rule and the records it "
                        "counted; ids of records the caller may not read are withheld (counted in "
                        "`withheld_records`). Organisations and shops: anyone; persons: only callers who may see "
                        "persons (reads logged). 404 `not_evaluated` when no model has scored the subject yet.")
def get_evaluation(request, subject_id: int, purpose: str = ""):
    principal, subject = _subject(request, subject_id, purpose)
    explanation = services.current_explanation(subject.pk, english=_english())
    if explanation is None:
        raise NotFound(_("该主体尚无信用评价"), code="not_evaluated")
    counted = {pk for line in explanation.lines for pk in line.record_ids}
    readable = set(CreditRecord.objects.visible_to(principal).filter(pk__in=counted).values_list("id", flat=True)) \
        if counted else set()
    lines = [dict(code=line.code, name=line.name, kind=line.kind, raw=line.raw, points=line.points, rule=line.rule,
                  record_ids=[pk for pk in line.record_ids if pk in readable],
                  withheld_records=sum(1 for pk in line.record_ids if pk not in readable))
             for line in explanation.lines]
    return dict(subject=lookups.brief(subject, principal), model_code=explanation.model_code,
                model_name=explanation.model_name, model_version=explanation.model_version,
                reference=explanation.reference, as_of=explanation.as_of, computed_at=explanation.computed_at,
                base=explanation.base, lines=lines, bound=explanation.bound, score=explanation.score,
                grade=explanation.grade)


@router.get("/subjects/{int:subject_id}/evaluation/history", response=list[HistoryOut],
            summary="A subject's score history, newest first",
            description="Every score the subject has had (a new entry only when score, grade or explanation "
                        "changed), optionally under one model version (`model_version`, e.g. `shop@2024-01-01`). "
                        "Who may ask: as for the current evaluation.")
def get_history(request, subject_id: int, model_version: str = "", limit: int = 100, purpose: str = ""):
    if not 1 <= limit <= 1000:
        raise ValidationFailed(_("limit 应在1到{n}之间").format(n=1000), field="limit")
    _principal, subject = _subject(request, subject_id, purpose)
    return [dict(id=s.pk, model_code=s.model_code, model_version=s.model_version, as_of=s.as_of,
                 computed_at=s.computed_at, score=s.score, grade=s.grade, base=s.base, bound=s.bound,
                 points={code: (Decimal(part[1]) / 100).quantize(CENT) for code, part in s.contributions.items()},
                 policy_version=s.policy_version)
            for s in services.history(subject.pk, model_version or None)[:limit]]


def _indicator_out(indicator, english: bool) -> dict:
    return dict(code=indicator.code, name=indicator.name.zh, name_en=indicator.name.en, kind=indicator.kind,
                rule=services.rule_text(indicator, english), types=list(indicator.types),
                categories=list(indicator.categories), within=str(indicator.within) if indicator.within else None,
                points_each=indicator.points_each, cap=indicator.cap, figure=indicator.figure,
                from_value=indicator.from_, to_value=indicator.to, flag=indicator.flag, points=indicator.points)


@router.get("/evaluation/models", response=ModelsOut, summary="The evaluation models: every version, which is in force",
            description="For each model: its versions (effective date, legal reference, base, bounds, indicators "
                        "with their rules, grade bands) and the version in force today. `assignment` says which "
                        "model evaluates a subject (first matching rule by kind, then role). Anyone may read it.")
def list_models(request):
    english = _english()
    today = timezone.localdate()
    in_force = features.models_in_force(today)
    out = []
    for code, rules in policy.current().evaluation.models.items():
        current = in_force.get(code)
        versions = []
        for rule in sorted(rules, key=lambda r: r.effective, reverse=True):
            version = model_version(code, rule)
            versions.append(dict(version=version, effective=rule.effective, reference=rule.reference,
                                 in_force=current is not None and current.version == version, name=rule.name.zh,
                                 name_en=rule.name.en, base=rule.base, min_score=rule.min_score,
                                 max_score=rule.max_score,
                                 indicators=[_indicator_out(i, english) for i in rule.indicators],
                                 bands=[dict(grade=b.grade, min=b.min) for b in rule.bands]))
        latest = max(rules, key=lambda r: r.effective)
        out.append(dict(code=code, name=latest.name.en if english else latest.name.zh,
                        in_force_version=current.version if current else None, versions=versions))
    assignment = [dict(model=a.model, kinds=list(a.kinds), roles=list(a.roles))
                  for a in policy.current().evaluation.assignment]
    return dict(on=today, assignment=assignment, models=out)
