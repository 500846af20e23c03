"""Checking the 放心消费 criteria (safe_consumption.yaml) for one subject, with the evidence behind each answer.

A check reads only the core and the derived apps: the registry (verification), the archive's records
(complaints upheld, penalties, commitments and their breaches, platform reports), the lists' entries in force
and the evaluation's current grade. It writes nothing; services keep its result with the policy version.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.archive.models import LIVE_STATUSES, CreditRecord, RecordStatus
from ecredit.evaluation.models import CurrentScore
from ecredit.kit.periods import Period
from ecredit.lists.models import EntryStatus, ListEntry
from ecredit.policy.safe_consumption_rules import GradeTest, ListTest, RecordTest, Scheme, VerifiedTest
from ecredit.registry.models import Subject, SubjectKind

# Records that remove a title: in force and not under objection (a contested record removes nobody's title,
# as a contested record grounds no listing); at application every live record counts, contested ones too.
REMOVING_STATUSES = (RecordStatus.ACTIVE, RecordStatus.CORRECTED)
EVIDENCE_LIMIT = 20


@dataclass
class CheckResult:
    """The outcome of every criterion for one subject on one day, under one policy version."""

    subject_id: int
    checked_on: dt.date
    policy_version: str
    scheme_effective: dt.date
    purpose: str                               # award (apply, approve) or hold (the daily re-check)
    items: list[dict[str, Any]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when every criterion is met."""
        return all(item["passed"] for item in self.items)

    @property
    def failed(self) -> list[str]:
        """Codes of the criteria not met."""
        return [item["code"] for item in self.items if not item["passed"]]

    def record_ids(self) -> list[int]:
        """Every record the check cites as evidence."""
        return sorted({i for item in self.items for i in item.get("records", [])})

    def as_dict(self) -> dict[str, Any]:
        """The result as an enrolment keeps it (JSON)."""
        return {"subject_id": self.subject_id, "checked_on": self.checked_on.isoformat(),
                "policy_version": self.policy_version, "scheme_effective": self.scheme_effective.isoformat(),
                "purpose": self.purpose, "passed": self.passed, "items": self.items}


def scheme(on: dt.date | None = None) -> Scheme:
    """The scheme in force on `on` (default today)."""
    return policy.current().safe_consumption.scheme(on or timezone.localdate())


def related_ids(subject: Subject) -> list[int]:
    """The subject and those it is judged with: a shop's operator; the shops an organisation runs."""
    ids = [subject.pk]
    if subject.kind == SubjectKind.SHOP and subject.operator_id:
        ids.append(subject.operator_id)
    elif subject.kind == SubjectKind.ORGANISATION:
        ids += list(Subject.objects.filter(kind=SubjectKind.SHOP, operator_id=subject.pk)
                    .order_by("id").values_list("id", flat=True)[:500])
    return ids


def check(subject: Subject, today: dt.date | None = None, *, holding: bool = False) -> CheckResult:
    """Check every criterion of the scheme in force for `subject` on `today`. `holding`: for the re-check of a
    title already held (only records in force count against it); otherwise for an award."""
    today = today or timezone.localdate()
    rules = scheme(today)
    result = CheckResult(subject.pk, today, policy.current().version, rules.effective,
                         "hold" if holding else "award")
    related = related_ids(subject)
    for criterion in rules.criteria:
        scope = related if criterion.scope == "related" else [subject.pk]
        test = criterion.check
        if test.verified is not None:
            facts = _verified(subject, test.verified)
        elif test.records is not None:
            facts = _records(scope, test.records, today, holding)
        elif test.no_list_entry is not None:
            facts = _list_entries(scope, test.no_list_entry, today)
        else:
            facts = _grade(subject, test.grade)
        result.items.append({"code": criterion.code, "name": criterion.name.zh, "kind": test.kind,
                             "while_held": criterion.while_held, "scope": scope, **facts})
    return result


# ---------------------------------------------------------------------------------------------- the tests


def _verified(subject: Subject, test: VerifiedTest) -> dict[str, Any]:
    parties = [{"role": "subject", "id": subject.pk, "verified": bool(subject.verified)}]
    if subject.kind == SubjectKind.SHOP and test.operator_too:
        operator = subject.operator
        parties.append({"role": "operator", "id": getattr(operator, "pk", None),
                        "verified": bool(operator is not None and operator.verified)})
    return {"passed": all(p["verified"] for p in parties), "parties": parties}


def _records(scope: list[int], test: RecordTest, today: dt.date, holding: bool) -> dict[str, Any]:
    records = CreditRecord.objects.filter(subject_id__in=scope, decided_on__lte=today,
                                          status__in=REMOVING_STATUSES if holding else LIVE_STATUSES)
    if test.types:
        records = records.filter(record_type_id__in=test.types)
    if test.categories:
        records = records.filter(record_type__category__in=test.categories)
    if test.polarity:
        records = records.filter(polarity=test.polarity)
    if test.severity:
        records = records.filter(record_type__severity__in=test.severity)
    if test.within is not None:
        records = records.filter(decided_on__gte=test.within.before(today))
    ids = [pk for pk, details in records.order_by("-decided_on", "-id").values_list("id", "details")
           if _details_match(details or {}, test, today)]
    count = len(ids)
    passed = count <= test.at_most if test.at_most is not None else count >= test.at_least
    return {"passed": passed, "count": count, "at_most": test.at_most, "at_least": test.at_least,
            "within": str(test.within) if test.within else None, "records": ids[:EVIDENCE_LIMIT]}


def _details_match(details: dict[str, Any], test: RecordTest, today: dt.date) -> bool:
    # Read in Python, not SQL: JSON key lookups differ between SQLite and PostgreSQL for missing keys, and a
    # subject has few records of a kind.
    for name, values in test.details.items():
        if details.get(name) not in values:
            return False
    for name, values in test.details_not.items():
        if details.get(name) in values:
            return False
    if test.in_force and details.get("valid_until"):
        try:
            if dt.date.fromisoformat(str(details["valid_until"])) < today:
                return False
        except ValueError:
            return False
    return True


def _list_entries(scope: list[int], test: ListTest, today: dt.date) -> dict[str, Any]:
    current = policy.current()
    types = set(test.list_types)
    if test.polarity:
        types |= {code for code in current.lists.list_types
                  if getattr(current.list_type(code, today), "polarity", None) == test.polarity}
    entries = list(ListEntry.objects.filter(subject_id__in=scope, status=EntryStatus.PUBLISHED,
                                            list_type__in=sorted(types))
                   .exclude(ends_on__lt=today).order_by("id").values("id", "list_type", "subject_id", "record_id"))
    return {"passed": not entries, "count": len(entries), "entries": entries[:EVIDENCE_LIMIT],
            "records": [e["record_id"] for e in entries if e["record_id"]][:EVIDENCE_LIMIT]}


def _grade(subject: Subject, test: GradeTest) -> dict[str, Any]:
    score = (CurrentScore.objects.filter(subject=subject, in_force=True).order_by("-as_of", "-id")
             .values("grade", "score", "model_version", "as_of").first())
    if score is None:
        return {"passed": False, "grade": None, "allowed": test.grades}
    return {"passed": score["grade"] in test.grades, "grade": score["grade"], "score": str(score["score"]),
            "model_version": score["model_version"], "as_of": score["as_of"].isoformat(), "allowed": test.grades}


# ---------------------------------------------------------------------------------------------- words


def period_text(text: str | None) -> str:
    """An ISO 8601 period in words: P1Y → 1年, P12M → 12个月, P45D → 45天."""
    if not text:
        return ""
    period = Period.parse(text)
    parts = []
    if period.years:
        parts.append(_("%(n)d年") % {"n": period.years})
    if period.months:
        parts.append(_("%(n)d个月") % {"n": period.months})
    if period.days:
        parts.append(_("%(n)d天") % {"n": period.days})
    return "".join(parts)


def list_type_name(code: str) -> str:
    """A list type's name in the active language, or its code once withdrawn."""
    from django.utils.translation import get_language

    rule = policy.current().list_type(code)
    if rule is None:
        return code
    return rule.name.en if (get_language() or "").startswith("en") else rule.name.zh


def explain(item: dict[str, Any]) -> str:
    """What one criterion's result says, in a sentence of the active language (from the stored facts)."""
    kind = item.get("kind")
    if kind == "verified":
        missing = [p["role"] for p in item.get("parties", []) if not p["verified"]]
        if not missing:
            return _("身份信息已核验")
        names = {"subject": _("本主体"), "operator": _("网店经营者")}
        return _("%(who)s的身份信息尚未核验") % {"who": "、".join(str(names.get(r, r)) for r in missing)}
    if kind == "records":
        within = period_text(item.get("within"))
        span = _("近%(span)s内") % {"span": within} if within else _("目前")
        if item.get("at_least") is not None:
            return _("%(span)s符合要求的记录%(count)d条（至少%(n)d条）") % {
                "span": span, "count": item["count"], "n": item["at_least"]}
        if item.get("at_most") == 0:
            return _("%(span)s无相关记录") % {"span": span} if item["count"] == 0 else \
                _("%(span)s有相关记录%(count)d条") % {"span": span, "count": item["count"]}
        return _("%(span)s相关记录%(count)d条（上限%(n)d条）") % {
            "span": span, "count": item["count"], "n": item.get("at_most") or 0}
    if kind == "no_list_entry":
        if not item.get("entries"):
            return _("未在相关名单中")
        return _("在列名单：%(names)s") % {"names": "、".join(list_type_name(e["list_type"]) for e in item["entries"])}
    if kind == "grade":
        allowed = "、".join(item.get("allowed") or [])
        if not item.get("grade"):
            return _("尚无信用评价（要求%(allowed)s级）") % {"allowed": allowed}
        return _("现行信用等级%(grade)s（%(score)s分），要求%(allowed)s级") % {
            "grade": item["grade"], "score": item.get("score", ""), "allowed": allowed}
    return ""
