"""What the portal shows: search, a subject's profile, the home page's figures and lists, and the rules
explained. Everything here reads through querysets that apply the reader's rights; nothing writes."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import get_language

from ecredit import policy
from ecredit.archive.models import CreditRecord, RecordStatus
from ecredit.archive.services import log_reads, present
from ecredit.evaluation.services import current_explanation
from ecredit.kit.errors import NotFound
from ecredit.kit.identifiers import normalise_uscc
from ecredit.kit.text import looks_like_initials, normalise_query
from ecredit.registry.models import Subject, SubjectKind
from ecredit.registry.services import display_name

from .models import Publication

_USCC_LIKE = re.compile(r"^[0-9A-Z]{18}$")
PROFILE_RECORD_LIMIT = 200


def english() -> bool:
    """True when the active language is English (pages pick the English names of policy texts)."""
    return (get_language() or "").startswith("en")


def text(texts) -> str:
    """A policy `Texts` in the active language."""
    return str(texts) if texts is not None else ""


def region_name(code: str) -> str:
    """The name of a region code of this city ("" when unknown)."""
    regions = policy.current().regions
    for region in [regions.city, *regions.districts]:
        if region.code == code:
            return region.name_en if english() else region.name
    return ""


# ------------------------------------------------------------------------------------------------ search


@dataclass
class SearchResult:
    """Subjects matching a query, and how the query was read."""

    query: str
    matched_by: str = ""          # uscc | shop_id | name | initials | ""
    subjects: list[Subject] = field(default_factory=list)


def search(raw_query: Any, principal, limit: int | None = None) -> SearchResult:
    """Subjects the principal may see whose code, shop id, name (partial) or pinyin initials match.
    Any input is accepted: it is normalised first, and a query that means nothing finds nothing."""
    query = normalise_query(raw_query)
    result = SearchResult(query)
    if not query:
        return result
    limit = limit or policy.current().portal().search_results
    visible = Subject.objects.visible_to(principal).select_related("platform", "operator")
    upper = query.replace(" ", "").upper()
    if _USCC_LIKE.match(upper):
        try:
            code = normalise_uscc(upper)
        except ValueError:
            code = None
        if code:
            found = list(visible.filter(uscc=code)[:1])
            if found:
                result.matched_by, result.subjects = "uscc", found
                return result
    by_shop = list(visible.filter(kind=SubjectKind.SHOP, shop_id=query)[:limit])
    if by_shop:
        result.matched_by, result.subjects = "shop_id", by_shop
        return result
    # Persons are never found by name on the public site (visible_to leaves them out); the name match
    # puts names that start with the query first.
    by_name = visible.filter(name__icontains=query).exclude(kind=SubjectKind.PERSON)
    starts = list(by_name.filter(name__istartswith=query).order_by("name")[:limit])
    rest = list(by_name.exclude(pk__in=[s.pk for s in starts]).order_by("name")[:limit - len(starts)]) \
        if len(starts) < limit else []
    if starts or rest:
        result.matched_by, result.subjects = "name", starts + rest
        return result
    if looks_like_initials(query):
        initials = query.lower()
        found = list(visible.filter(name_initials__startswith=initials).exclude(kind=SubjectKind.PERSON)
                     .order_by("name")[:limit])
        if len(found) < limit:
            found += list(visible.filter(name_initials__contains=initials).exclude(kind=SubjectKind.PERSON)
                          .exclude(pk__in=[s.pk for s in found]).order_by("name")[:limit - len(found)])
        if found:
            result.matched_by, result.subjects = "initials", found
    return result


# ------------------------------------------------------------------------------------------------ profile


@dataclass
class ShownRecord:
    """A record as the reader may see it: masked summary and details, type name, window."""

    id: int
    type_code: str
    type_name: str
    category: str
    polarity: str
    decided_on: dt.date
    summary: str
    details: dict[str, Any]
    source: str
    status: str
    status_label: str
    public_from: dt.date | None
    public_until: dt.date | None
    under_objection: bool
    log_seq: int
    subject_id: int
    subject_name: str


@dataclass
class Profile:
    """Everything the portal shows about one subject, already restricted and masked for the reader."""

    subject: Subject
    name: str
    key: str
    region: str
    verified: bool
    identity_verified: bool                       # shops: the shop and its operator are both verified
    legal_representative: str
    platform: Subject | None
    operator_name: str
    operator: Subject | None
    shop_count: int
    licences: list[ShownRecord]
    lists: list[ShownRecord]
    commitments: list[ShownRecord]
    records: list[ShownRecord]
    notices: list[Publication]
    counts: dict[str, int]
    as_of: dt.date
    public_only: bool
    grade: Any = None                             # evaluation.services.Explanation of the current score

    @property
    def red(self) -> list[ShownRecord]:
        red_types = set(policy.current().portal(self.as_of).red_list_types)
        return [r for r in self.records + self.lists if r.type_code in red_types]

    @property
    def black(self) -> list[ShownRecord]:
        black_types = set(policy.current().portal(self.as_of).black_list_types)
        return [r for r in self.lists if r.type_code in black_types]

    @property
    def all_records(self) -> list[ShownRecord]:
        return self.licences + self.lists + self.commitments + self.records


def _shown(record: CreditRecord, principal, type_names: dict[str, str]) -> ShownRecord:
    summary, details = present(record, principal)
    return ShownRecord(
        id=record.pk, type_code=record.record_type_id, type_name=type_names.get(record.record_type_id, ""),
        category=record.record_type.category, polarity=record.polarity, decided_on=record.decided_on,
        summary=summary, details=details, source=record.source.name, status=record.status,
        status_label=record.get_status_display(), public_from=record.public_from, public_until=record.public_until,
        under_objection=record.status == RecordStatus.OBJECTED, log_seq=record.log_seq,
        subject_id=record.subject_id, subject_name=display_name(record.subject, principal))


def visible_records(subject: Subject, principal, today: dt.date | None = None):
    """The subject's records the principal may see now: for the public, public ones inside their window;
    for those who read more, live records that are public today or not public at all."""
    today = today or timezone.localdate()
    records = CreditRecord.objects.visible_to(principal).filter(subject=subject)
    if principal.reads <= {"public"} and principal.subject_id != subject.pk:
        records = records.filter(CreditRecord.objects.public_q(today))
    else:
        records = records.live().filter(Q(public_until__isnull=True) | Q(public_until__gte=today))
    return records.select_related("record_type", "source", "subject").order_by("-decided_on", "-id")


def profile(subject_id: int, principal, *, purpose: str = "", channel: str = "portal",
            today: dt.date | None = None) -> Profile:
    """The profile of a subject the principal may see; reads of non-public data are access-logged."""
    today = today or timezone.localdate()
    subject = Subject.objects.visible_to(principal).select_related("platform", "operator") \
        .filter(pk=subject_id).first()
    if subject is None:
        raise NotFound("未找到该信用主体")
    current = policy.current()
    rule = current.portal(today)
    type_names = {code: text(t.name) for code, t in current.record_types.items()}
    records = list(visible_records(subject, principal, today)[:PROFILE_RECORD_LIMIT])
    log_reads(principal, records, purpose or "查阅信用档案", channel)
    sections: dict[str, list[ShownRecord]] = {"licences": [], "lists": [], "commitments": [], "records": []}
    for record in records:
        shown = _shown(record, principal, type_names)
        category = shown.category
        if category in rule.licence_categories:
            sections["licences"].append(shown)
        elif category in rule.list_categories:
            sections["lists"].append(shown)
        elif category in rule.commitment_categories:
            sections["commitments"].append(shown)
        else:
            sections["records"].append(shown)
    counts = {"positive": 0, "negative": 0, "neutral": 0}
    for record in records:
        counts[record.polarity] = counts.get(record.polarity, 0) + 1
    operator = subject.operator if subject.kind == SubjectKind.SHOP else None
    notices = list(Publication.objects.public(today).filter(subject=subject).select_related("publisher")[:50])
    return Profile(
        subject=subject, name=display_name(subject, principal), key=subject.key if subject.kind != SubjectKind.SHOP
        else subject.shop_id, region=region_name(subject.region), verified=subject.verified,
        identity_verified=bool(subject.verified and operator is not None and operator.verified),
        legal_representative=_legal_representative(subject, principal),
        platform=subject.platform if subject.kind == SubjectKind.SHOP else None,
        operator=operator if operator is not None and operator.kind != SubjectKind.PERSON else None,
        operator_name=display_name(operator, principal) if operator is not None else "",
        shop_count=subject.shops.count() if subject.kind == SubjectKind.ORGANISATION else 0,
        notices=notices, counts=counts, as_of=today, public_only=principal.reads <= {"public"},
        grade=_readable(current_explanation(subject.pk, english()), records), **sections)


def _readable(explanation, shown_records):
    """An explanation whose record links point only at records this reader sees on the page; the others are
    counted, not named (a score may rest on records shared with departments only)."""
    if explanation is None:
        return None
    shown = {r.id for r in shown_records}
    for line in explanation.lines:
        line.hidden = len([i for i in line.record_ids if i not in shown])
        line.record_ids = [i for i in line.record_ids if i in shown]
    return explanation


def _legal_representative(subject: Subject, principal) -> str:
    """An organisation's legal representative is public business-licence data; a person has none."""
    if subject.kind != SubjectKind.ORGANISATION:
        return ""
    return subject.legal_representative


# ------------------------------------------------------------------------------------------------ home


@dataclass
class Figures:
    """Headline figures of the home page."""

    organisations: int
    shops: int
    verified_shops: int
    public_records: int
    red_entries: int
    black_entries: int
    records_this_year: int


def figures(today: dt.date | None = None) -> Figures:
    """Headline figures: what the archive holds that the public can see today."""
    today = today or timezone.localdate()
    rule = policy.current().portal(today)
    kinds = dict(Subject.objects.filter(kind__in=[SubjectKind.ORGANISATION, SubjectKind.SHOP])
                 .values_list("kind").annotate(n=Count("id")))
    public = CreditRecord.objects.public(today)
    by_type = dict(public.filter(record_type_id__in=rule.red_list_types + rule.black_list_types)
                   .values_list("record_type_id").annotate(n=Count("id")))
    return Figures(
        organisations=kinds.get(SubjectKind.ORGANISATION, 0), shops=kinds.get(SubjectKind.SHOP, 0),
        verified_shops=Subject.objects.filter(kind=SubjectKind.SHOP, verified=True).count(),
        public_records=public.count(),
        red_entries=sum(by_type.get(c, 0) for c in rule.red_list_types),
        black_entries=sum(by_type.get(c, 0) for c in rule.black_list_types),
        records_this_year=public.filter(public_from__gte=today.replace(month=1, day=1)).count())


def latest_entries(which: str, principal, today: dt.date | None = None) -> list[ShownRecord]:
    """The newest public red (`red`) or black (`black`) list entries."""
    today = today or timezone.localdate()
    rule = policy.current().portal(today)
    codes = rule.red_list_types if which == "red" else rule.black_list_types
    type_names = {code: text(t.name) for code, t in policy.current().record_types.items()}
    rows = (CreditRecord.objects.public(today).filter(record_type_id__in=codes)
            .exclude(subject__kind=SubjectKind.PERSON)
            .select_related("record_type", "source", "subject").order_by("-public_from", "-id")[:rule.home_entries])
    return [_shown(r, principal, type_names) for r in rows]


def latest_notices(kind: str, today: dt.date | None = None, limit: int | None = None) -> list[Publication]:
    """The newest public notices of `kind`."""
    today = today or timezone.localdate()
    limit = limit or policy.current().portal(today).home_entries
    return list(Publication.objects.public(today).filter(kind=kind).select_related("subject", "publisher")[:limit])


# ------------------------------------------------------------------------------------------------ rules


@dataclass
class PublicityExplained:
    """How long one record type stays public, in words generated from the rule in force."""

    code: str
    name: str
    category: str
    disclosure: str
    rule_kind: str
    windows: list[tuple[str, str, str]]           # (case, repair possible after, leaves public view)
    reference: str
    effective: dt.date | None


def explain_publicity(today: dt.date | None = None) -> list[PublicityExplained]:
    """Per record type in the catalog: who sees it and how long it stays public (rule in force today)."""
    today = today or timezone.localdate()
    current = policy.current()
    out = []
    for rule in current.catalog.record_types:
        version = current.publicity_rule(rule.publicity, today)
        out.append(PublicityExplained(
            code=rule.code, name=text(rule.name), category=rule.category, disclosure=rule.disclosure,
            rule_kind=version.kind, windows=_windows(version), reference=version.reference,
            effective=version.effective))
    return out


def _windows(version) -> list[tuple[str, str, str]]:
    from django.utils.translation import gettext as _

    if version.kind == "penalty":
        rows = [(_("通报批评或较低数额罚款"), _period(version.light.min), _period(version.light.max)),
                (_("其他行政处罚"), _period(version.general.min), _period(version.general.max))]
        if version.special_fields:
            rows.append((_("特种设备、安全生产、消防等领域"), _period(version.special_field_min), _period(version.general.max)))
        if version.severe_kinds:
            rows.append((_("吊销、责令关闭、限制从业等严重处罚"), _("不得提前停止公示"), _period(version.general.max)))
        if version.not_published_kinds:
            rows.append((_("仅警告"), _("不予公示"), "—"))
        return rows
    if version.kind == "fixed":
        return [("", _period(version.window.min), _period(version.window.max))]
    if version.kind == "validity":
        return [("", _("有效期届满"), _("有效期内公示，最长{cap}").format(cap=_period(version.cap)))]
    return [("", "—", _("不向社会公开"))]


def _period(period) -> str:
    from django.utils.translation import gettext as _

    parts = []
    if period.years:
        parts.append(_("{n}年").format(n=period.years))
    if period.months:
        parts.append(_("{n}个月").format(n=period.months))
    if period.days:
        parts.append(_("{n}日").format(n=period.days))
    return (" " if english() else "").join(parts) or _("随时")


@dataclass
class ProceduresExplained:
    """Objection and repair, in words generated from the deadlines in force."""

    objection_check_days: int
    objection_decide_days: int
    objection_references: list[str]
    repair_decide_days: int
    repair_reference: str
    repair_conditions: list[tuple[str, str, str]]      # (text, who checks it, reference)


def explain_procedures(today: dt.date | None = None) -> ProceduresExplained:
    """How to object to a record and how to apply for credit repair, from deadlines.yaml."""
    from django.utils.translation import gettext as _

    today = today or timezone.localdate()
    rules = policy.current().deadlines
    check = policy.in_force(rules.objection.check, today)
    decide = policy.in_force(rules.objection.decide, today)
    repair = policy.in_force(rules.repair.decide, today)
    who = {"system": _("系统自动核验"), "applicant_attests": _("申请人书面承诺"), "officer": _("经办部门核实")}
    conditions = [(text(c.text), who[c.checked_by], c.reference) for c in rules.repair.conditions
                  if c.effective <= today]
    return ProceduresExplained(check.working_days, decide.working_days, [check.reference, decide.reference],
                               repair.working_days, repair.reference, conditions)
