"""The quarterly evaluation report (R10.1): grade distributions at the quarter's end by model, district and
platform, the biggest score movers over the quarter, and the grade changes within it.

Everything is read from the score history by evaluation date (`as_of`): a subject's standing on a day is its
latest score with `as_of` on or before that day, under a model version that was in force on that score's date
(scores computed with other versions for comparison are left out). The start of the quarter is the standing on
the day before its first day; the end is its last day, or today for the quarter under way. One ordered pass over
the history gives all three parts; no ORM object is made per score. Names are shown as the public sees them
(persons masked): the report is for the credit office and may be published.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.access.principal import anonymous
from ecredit.kit.errors import ValidationFailed
from ecredit.registry.models import Subject, SubjectKind
from ecredit.registry.services import display_name

from .engine import model_version
from .models import Score

MOVERS = 20
_QUARTER_RE = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")


# ------------------------------------------------------------------------------------------------ quarters


@dataclass(frozen=True)
class Quarter:
    """A calendar quarter, written `2026Q4`."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """`2026Q4` (also `2026-Q4`, `2026q4`); ValidationFailed otherwise."""
        match = _QUARTER_RE.match(text or "")
        if not match:
            raise ValidationFailed(_("季度格式应为“年份Q季度”，如 2026Q4"), field="quarter", code="bad_quarter")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        """The quarter `day` falls in."""
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def last(self) -> dt.date:
        return self.next().first - dt.timedelta(days=1)

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"


@dataclass(frozen=True)
class Period:
    """The part of a quarter a report covers: the whole of a past quarter, or the current one up to today."""

    quarter: Quarter
    start: dt.date
    end: dt.date
    to_date: bool


def resolve(text: str | None = None, today: dt.date | None = None) -> Period:
    """The period a request names: `2026Q4`, `current` (the quarter under way, to date) or nothing (the last
    completed quarter). A quarter that has not begun is refused."""
    today = today or timezone.localdate()
    if not (text or "").strip():
        quarter = Quarter.of(today).previous()
    elif text.strip().lower() == "current":
        quarter = Quarter.of(today)
    else:
        quarter = Quarter.parse(text)
    if quarter.first > today:
        raise ValidationFailed(_("该季度尚未开始"), field="quarter", code="future_quarter")
    return Period(quarter, quarter.first, min(quarter.last, today), quarter.last > today)


def recent_quarters(today: dt.date | None = None, count: int = 8) -> list[Quarter]:
    """The quarter under way and the `count` before it, newest first (for a chooser)."""
    quarter = Quarter.of(today or timezone.localdate())
    out = [quarter]
    for _i in range(count):
        quarter = quarter.previous()
        out.append(quarter)
    return out


# ------------------------------------------------------------------------------------------------ results


@dataclass
class Row:
    """Counts per grade for one group (a model, a district, a platform) or for all."""

    key: str
    label: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, grade: str) -> float:
        """The grade's share of the group, 0..1."""
        return self.counts.get(grade, 0) / self.total if self.total else 0.0


@dataclass
class Breakdown:
    """A grade distribution split by one dimension."""

    code: str                     # model | district | platform
    title: str
    rows: list[Row]
    total: Row


@dataclass
class Mover:
    """A subject whose score moved between the quarter's start and end."""

    subject_id: int
    kind: str
    name: str
    key: str                      # USCC, or platform / shop id; nothing for a person
    model_code: str
    model_label: str
    start_score: Decimal
    end_score: Decimal
    start_grade: str
    end_grade: str
    model_changed: bool

    @property
    def delta(self) -> Decimal:
        return self.end_score - self.start_score


@dataclass
class ChangeRow:
    """Grade changes within the quarter under one model."""

    model_code: str
    label: str
    first: int = 0                # first grade ever given
    up: int = 0
    down: int = 0

    @property
    def total(self) -> int:
        return self.first + self.up + self.down


@dataclass
class QuarterlyReport:
    """Everything the quarterly report shows (pages, PDF and xlsx render it)."""

    quarter: str
    start: dt.date
    end: dt.date
    to_date: bool
    generated_at: dt.datetime
    policy_version: str
    grades: list[str]
    overall: Row
    breakdowns: list[Breakdown]
    movers_up: list[Mover]
    movers_down: list[Mover]
    changes: list[ChangeRow]
    transitions: list[tuple[str, str, int]]       # (from grade, to grade, count), most frequent first
    compared: int                                 # subjects with a score at both the start and the end

    @property
    def changes_total(self) -> ChangeRow:
        total = ChangeRow("", _("合计"))
        for row in self.changes:
            total.first, total.up, total.down = total.first + row.first, total.up + row.up, total.down + row.down
        return total


# ------------------------------------------------------------------------------------------------ building


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _versions() -> dict[str, tuple[str, dt.date, dt.date | None]]:
    """Every model version: (model code, in force from, in force until exclusive or None)."""
    out = {}
    for code, rules in policy.current().evaluation.models.items():
        ordered = sorted(rules, key=lambda r: r.effective)
        for rule, following in zip(ordered, ordered[1:] + [None]):
            out[model_version(code, rule)] = (code, rule.effective, following.effective if following else None)
    return out


def grade_order() -> list[str]:
    """Grades of every model, best first (band order; grades shared between models appear once)."""
    ranked: dict[str, float] = {}
    for rules in policy.current().evaluation.models.values():
        for rule in rules:
            for position, band in enumerate(rule.bands):
                ranked[band.grade] = min(ranked.get(band.grade, position), position)
    return sorted(ranked, key=lambda g: (ranked[g], g))


def _model_labels(english: bool) -> dict[str, str]:
    out = {}
    for code, rules in policy.current().evaluation.models.items():
        latest = max(rules, key=lambda r: r.effective)
        out[code] = latest.name.en if english else latest.name.zh
    return out


def _district_labels(english: bool) -> dict[str, str]:
    regions = policy.current().regions
    out = {d.code: (d.name_en if english else d.name) for d in regions.districts}
    city = regions.city.name_en if english else regions.city.name
    out[regions.city.code] = _("{city}（市本级）").format(city=city)
    return out


OTHER_REGION = "other"


def build(period: Period, *, english: bool | None = None, use_cache: bool = True) -> QuarterlyReport:
    """The report for `period` (cached until a new score is written or the policy changes)."""
    english = _english() if english is None else english
    key = None
    if use_cache:
        newest = Score.objects.aggregate(n=Max("id"))["n"] or 0
        key = (f"evaluation:quarterly:{period.quarter}:{period.end}:{int(english)}:{newest}:"
               f"{policy.current().version}")
        found = cache.get(key)
        if found is not None:
            return found
    report = _build(period, english)
    if key:
        cache.set(key, report, 3600)
    return report


@dataclass
class _Standing:
    model_code: str
    version: str
    score: Decimal
    grade: str


def _build(period: Period, english: bool) -> QuarterlyReport:
    versions = _versions()
    grades = grade_order()
    rank = {g: i for i, g in enumerate(grades)}
    models = _model_labels(english)
    districts = _district_labels(english)
    by_model: dict[str, Counter] = defaultdict(Counter)
    by_district: dict[str, Counter] = defaultdict(Counter)
    by_platform: dict[int, Counter] = defaultdict(Counter)
    overall: Counter = Counter()
    changes: dict[str, ChangeRow] = {}
    transitions: Counter = Counter()
    moves: list[tuple[int, str, _Standing, _Standing]] = []

    def close(subject: tuple | None, before: _Standing | None, after: _Standing | None) -> None:
        if subject is None or after is None:
            return
        sid, kind, region, platform_id = subject
        overall[after.grade] += 1
        by_model[after.model_code][after.grade] += 1
        by_district[region if region in districts else OTHER_REGION][after.grade] += 1
        if kind == SubjectKind.SHOP and platform_id:
            by_platform[platform_id][after.grade] += 1
        if before is not None:
            moves.append((sid, kind, before, after))

    rows = (Score.objects.filter(as_of__lte=period.end, model_version__in=list(versions))
            .order_by("subject_id", "as_of", "computed_at", "id")
            .values_list("subject_id", "subject__kind", "subject__region", "subject__platform_id", "model_code",
                         "model_version", "as_of", "score", "grade"))
    subject = before = after = previous = None
    for sid, kind, region, platform_id, code, version, as_of, score, grade in rows.iterator(chunk_size=20_000):
        _code, since, until = versions[version]
        if as_of < since or (until is not None and as_of >= until):
            continue  # a score computed with a version that was not in force on its date
        if subject is None or sid != subject[0]:
            close(subject, before, after)
            subject, before, after, previous = (sid, kind, region, platform_id), None, None, None
        standing = _Standing(code, version, score, grade)
        if as_of < period.start:
            before = standing
        else:
            change = changes.setdefault(code, ChangeRow(code, models.get(code, code)))
            if previous is None:
                change.first += 1
            elif previous.grade != grade:
                if rank.get(grade, len(rank)) < rank.get(previous.grade, len(rank)):
                    change.up += 1
                else:
                    change.down += 1
                transitions[(previous.grade, grade)] += 1
        after = previous = standing
    close(subject, before, after)

    breakdowns = [
        Breakdown("model", _("按主体类型（评价模型）"),
                  [Row(code, models.get(code, code), dict(by_model[code])) for code in
                   [c for c in models if c in by_model] + sorted(c for c in by_model if c not in models)],
                  Row("", _("合计"), dict(overall))),
        Breakdown("district", _("按地区"), _district_rows(by_district, districts), Row("", _("合计"), dict(overall))),
        _platform_breakdown(by_platform),
    ]
    ups = sorted((m for m in moves if m[3].score > m[2].score), key=lambda m: (m[2].score - m[3].score, m[0]))
    downs = sorted((m for m in moves if m[3].score < m[2].score), key=lambda m: (m[3].score - m[2].score, m[0]))
    up, down = _movers(ups[:MOVERS] + downs[:MOVERS], models)
    return QuarterlyReport(
        quarter=str(period.quarter), start=period.start, end=period.end, to_date=period.to_date,
        generated_at=timezone.now(), policy_version=policy.current().version, grades=grades,
        overall=Row("", _("合计"), dict(overall)), breakdowns=breakdowns, movers_up=up[:MOVERS],
        movers_down=down[:MOVERS],
        changes=[changes[c] for c in [c for c in models if c in changes] + sorted(set(changes) - set(models))],
        transitions=sorted(((a, b, n) for (a, b), n in transitions.items()), key=lambda t: (-t[2], t[0], t[1])),
        compared=len(moves))


def _district_rows(counts: dict[str, Counter], labels: dict[str, str]) -> list[Row]:
    city = policy.current().regions.city.code
    order = [d.code for d in policy.current().regions.districts] + [city]
    rows = [Row(code, labels[code], dict(counts[code])) for code in order if code in counts]
    if OTHER_REGION in counts:
        rows.append(Row(OTHER_REGION, _("其他地区或未登记"), dict(counts[OTHER_REGION])))
    return rows


def _platform_breakdown(counts: dict[int, Counter]) -> Breakdown:
    names = dict(Subject.objects.filter(pk__in=list(counts)).values_list("id", "name"))
    rows = sorted((Row(str(pid), names.get(pid, str(pid)), dict(c)) for pid, c in counts.items()),
                  key=lambda r: (-r.total, r.label))
    total: Counter = Counter()
    for c in counts.values():
        total.update(c)
    return Breakdown("platform", _("网店按所在平台"), rows, Row("", _("合计（网店）"), dict(total)))


def _movers(picked: list[tuple[int, str, _Standing, _Standing]],
            labels: dict[str, str]) -> tuple[list[Mover], list[Mover]]:
    """Movers with names as the public sees them (persons masked, no resident ID)."""
    subjects = Subject.objects.select_related("platform").in_bulk([m[0] for m in picked])
    viewer = anonymous()
    up, down = [], []
    for sid, kind, before, after in picked:
        subject = subjects.get(sid)
        if subject is None:
            continue
        if subject.kind == SubjectKind.ORGANISATION:
            key = subject.uscc or ""
        elif subject.kind == SubjectKind.SHOP:
            key = f"{subject.platform.name if subject.platform else ''} / {subject.shop_id}"
        else:
            key = ""
        mover = Mover(sid, kind, display_name(subject, viewer), key, after.model_code,
                      labels.get(after.model_code, after.model_code), before.score, after.score, before.grade,
                      after.grade, before.version != after.version)
        (up if after.score > before.score else down).append(mover)
    return up, down
