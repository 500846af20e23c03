"""Intake: items from the hotlines (their own layouts, by API or file), from platforms, from departments' walk-ins
and from the public portal become cases — checked, resolved, classified, routed, given their deadlines, merged
with repeats — with a report row per item: accepted, merged, duplicate (already received: re-sending is
harmless) or rejected with the reason in Chinese naming the column. Nothing is half-written: a rejected item
writes nothing; with `atomic` one rejected item leaves the whole batch unwritten.
"""

from __future__ import annotations

import datetime as dt
import secrets
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from dataclasses import field as slot
from functools import cached_property, lru_cache
from typing import Any, Iterable, Iterator

from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.access.models import Organisation, OrganisationKind
from ecredit.audit.services import Actor, ChainWriter, logged_write
from ecredit.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ecredit.kit.identifiers import is_valid_uscc, normalise_uscc
from ecredit.policy.complaint_rules import Layout

from .. import layouts, rules
from ..models import Channel, Complaint, Kind, Status
from . import merging
from .bulk import CaseWriter
from .common import address_lookup, build, complainant_phone_lookup, label, phone_lookup, seal_complainant
from .routing import Organisations, Subjects, name_key, route

MAX_BATCH = 5000
MAX_TEXT = {"content": 4000, "claim": 2000, "complainant_name": 60, "complainant_address": 300,
            "respondent_name": 200, "respondent_address": 300, "shop_name": 200, "shop_id": 64,
            "platform_name": 200, "order_no": 64, "waybill_no": 64, "ticket": 64}
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
OUTCOMES = {"accepted": "已接收", "merged": "已接收（与先前案件合并）", "duplicate": "重复报送（已接收过）",
            "rejected": "拒收", "not_written": "未写入（批次中有被拒收的数据）"}


@dataclass
class RowResult:
    """What happened to one item: its index (0-based) and sheet row, the channel's ticket, the outcome, the case
    numbers made (or already made), and for a rejected item the column, field, code and reason."""

    index: int
    ticket: str
    outcome: str
    row: int | None = None
    cases: list[str] = slot(default_factory=list)
    merged_into: list[str] = slot(default_factory=list)
    column: str = ""
    field: str = ""
    code: str = ""
    message: str = ""
    warnings: list[str] = slot(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The row as the API and pages show it, with the outcome in words."""
        return dict(asdict(self), outcome_label=OUTCOMES[self.outcome])


@dataclass
class IntakeReport:
    """A batch's report: counts per outcome and one row per item."""

    channel: str
    received: int = 0
    atomic: bool = False
    rows: list[RowResult] = slot(default_factory=list)

    def count(self, outcome: str) -> int:
        """How many items had this outcome."""
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def case_ids(self) -> list[str]:
        """Case numbers made by this batch (not those already made earlier)."""
        return [no for r in self.rows for no in r.cases if r.outcome in ("accepted", "merged")]

    def as_dict(self) -> dict[str, Any]:
        """The report as the API and pages show it."""
        return {"channel": self.channel, "received": self.received, "atomic": self.atomic,
                **{name: self.count(name) for name in ("accepted", "merged", "duplicate", "rejected")},
                "rows": [r.as_dict() for r in self.rows]}


@dataclass
class Incoming:
    """One checked item: canonical fields, warnings, and where it came from."""

    index: int
    row: int | None
    fields: dict[str, Any]
    warnings: list[str]

    @property
    def ticket(self) -> str:
        """The channel's own number of the item."""
        return self.fields.get("ticket", "")


# ---------------------------------------------------------------------------------------------- checking


def _fail(layout: Layout, name: str, code: str, message: str) -> layouts.ItemError:
    return layouts.ItemError(layouts.column_of(layout, name), name, code, message)


@lru_cache(maxsize=4096)
def _uscc(value: str) -> tuple[bool, str]:
    # a batch names the same few companies again and again
    valid = bool(value) and is_valid_uscc(value)
    return valid, normalise_uscc(value) if valid else ""


def check(layout: Layout, raw: Any, now: dt.datetime, *, need_ticket: bool = True) -> tuple[dict, list[str]]:
    """An item's canonical fields, checked: what every case needs (ticket, time received, facts), lengths,
    identifiers; a value that is wrong but not needed is dropped with a warning."""
    fields, warnings = layouts.read_item(layout, raw)
    for name, limit in MAX_TEXT.items():
        value = fields.get(name)
        if isinstance(value, str) and len(value) > limit:
            if name in ("content", "claim"):
                fields[name] = value[:limit]
                warnings.append(_("“{column}”超过{n}字，已截断").format(column=layouts.column_of(layout, name), n=limit))
            else:
                raise _fail(layout, name, "too_long", _("“{column}”超过{n}个字符").format(
                    column=layouts.column_of(layout, name), n=limit))
    if need_ticket and not fields.get("ticket"):
        raise _fail(layout, "ticket", "required", _("缺少“{column}”").format(column=layouts.column_of(layout, "ticket")))
    received = fields.get("received_at")
    if received is None:
        raise _fail(layout, "received_at", "required", _("缺少“{column}”").format(
            column=layouts.column_of(layout, "received_at")))
    if timezone.is_naive(received):
        received = timezone.make_aware(received)
    if received > now + dt.timedelta(hours=1) or received < EARLIEST:
        raise _fail(layout, "received_at", "bad_date", _("“{column}”不在合理范围内：{value}").format(
            column=layouts.column_of(layout, "received_at"), value=timezone.localtime(received).strftime("%Y-%m-%d %H:%M")))
    fields["received_at"] = received
    content = (fields.get("content") or "").strip()
    if len(content) < 5:
        raise _fail(layout, "content", "required", _("“{column}”为空或过短，无法了解投诉举报事项").format(
            column=layouts.column_of(layout, "content")))
    for name in ("respondent_uscc", "platform_uscc"):
        value = (fields.get(name) or "").strip().upper()
        valid, normal = _uscc(value)
        if value and not valid:
            warnings.append(_("“{column}”的统一社会信用代码“{value}”校验不通过，已忽略").format(
                column=layouts.column_of(layout, name), value=value[:20]))
        fields[name] = normal
    aware = fields.get("aware_on")
    if aware and aware > timezone.localdate(received):
        warnings.append(_("知道权益受损日期晚于收到时间，已忽略"))
        fields["aware_on"] = None
    if not any(fields.get(n) for n in ("respondent_name", "respondent_uscc", "shop_name", "shop_id")):
        warnings.append(_("未写明被投诉（举报）人：受理时可依第十五条第一款第（五）项处理"))
    return fields, warnings


# ---------------------------------------------------------------------------------------------- numbering


class Numbering:
    """Case numbers: TS (投诉) or JB (举报) + registration date + a six-digit serial of the day. Writers hold the
    change log's lock, so serials never collide."""

    def __init__(self) -> None:
        self._last: dict[str, int] = {}

    def next(self, kind: str, on: dt.date) -> str:
        """The next case number of `kind` registered on `on`."""
        prefix = ("TS" if kind == Kind.COMPLAINT else "JB") + on.strftime("%Y%m%d")
        if prefix not in self._last:
            last = (Complaint.objects.filter(case_no__startswith=prefix).order_by("-case_no")
                    .values_list("case_no", flat=True).first())
            self._last[prefix] = int(last[len(prefix):]) if last else 0
        self._last[prefix] += 1
        return f"{prefix}{self._last[prefix]:06d}"


# ---------------------------------------------------------------------------------------------- making cases


@dataclass
class Context:
    """What a batch's cases share: the channel, who sent it, who writes, the time, and what the batch reads once
    (subjects, merge candidates, organisations, the rules of each day)."""

    channel: str
    channel_org: Organisation | None
    actor: Actor
    writer: CaseWriter
    subjects: Subjects
    pools: merging.Pools
    numbering: Numbering = slot(default_factory=Numbering)
    organisations: Organisations = slot(default_factory=Organisations)
    fixed: Organisation | None = None       # a department recording a walk-in keeps it (Order 20 art. 13)
    submitter: str = ""                     # portal: keyed hash of the network address
    days: dict[dt.date, "DayRules"] = slot(default_factory=dict)

    def rules_of(self, day: dt.date) -> "DayRules":
        """The rules in force on `day` (a batch asks for the same few days again and again)."""
        if day not in self.days:
            self.days[day] = DayRules(day)
        return self.days[day]


class DayRules:
    """The rules a case received on one day is given (each read when first needed): category names, deadlines,
    the limitation."""

    def __init__(self, day: dt.date) -> None:
        self.day = day

    @cached_property
    def names(self) -> dict[str, str]:
        """Category code -> name."""
        from ..classify import categories

        return categories(on=self.day)

    @cached_property
    def accept_due(self) -> dt.date:
        """When a complaint received that day must be accepted or refused (Order 20 art. 14)."""
        return rules.due(self.day, "accept").due

    @cached_property
    def filing_due(self) -> dt.date:
        """When the filing decision on a report received that day is due."""
        return rules.due(self.day, "report_filing").due

    @cached_property
    def limitation(self) -> Any:
        """The limitation period (Order 20 art. 15(4))."""
        return rules.limitation(self.day).period


def kinds_of(fields: dict[str, Any]) -> list[str]:
    """The cases an item makes: a complaint and a report when it is both (Order 20 art. 7)."""
    if fields.get("kind") == "both":
        return [Kind.COMPLAINT, Kind.REPORT]
    return [fields.get("kind") or Kind.COMPLAINT]


def respondent_of(fields: dict[str, Any]) -> dict[str, str]:
    """The respondent as the item names it, as `routing.resolve` takes it."""
    return dict(name=fields.get("respondent_name", ""), uscc=fields.get("respondent_uscc", ""),
                shop_id=fields.get("shop_id", ""), shop_name=fields.get("shop_name", ""),
                platform_uscc=fields.get("platform_uscc", ""), platform_name=fields.get("platform_name", ""))


def make_cases(incoming: Incoming, ctx: Context) -> list[Complaint]:
    """Write the case(s) of one checked item: two when it is both a complaint and a report (Order 20 art. 7)."""
    from ..classify import classify

    f = incoming.fields
    received_on = timezone.localdate(f["received_at"])
    day = ctx.rules_of(received_on)
    found = ctx.subjects.resolve(**respondent_of(f))
    text = "；".join(p for p in (f.get("content", ""), f.get("claim", "")) if p)
    category = classify(text, on=received_on)
    way = route(category.category, found, region_hint=f.get("region", ""), uscc=f.get("respondent_uscc", ""),
                on=received_on, organisations=ctx.organisations, fixed=ctx.fixed)
    respondent_key = found.key or (f"name:{name_key(f.get('respondent_name') or f.get('shop_name') or '')}"
                                   if (f.get("respondent_name") or f.get("shop_name")) else "")
    made: list[Complaint] = []
    for kind in kinds_of(f):
        case = build(
            Complaint, case_no=ctx.numbering.next(kind, timezone.localdate(ctx.writer.at)), kind=kind,
            channel=ctx.channel, channel_ticket=f["ticket"], channel_org=ctx.channel_org,
            received_at=f["received_at"], respondent_name=f.get("respondent_name", ""),
            respondent_uscc=f.get("respondent_uscc", ""),
            respondent_address=f.get("respondent_address", ""), shop_name=f.get("shop_name", ""),
            shop_no=f.get("shop_id", ""), platform_name=f.get("platform_name", ""),
            platform_uscc=f.get("platform_uscc", ""), order_no=f.get("order_no", ""),
            waybill_no=f.get("waybill_no", ""), subject=found.subject, shop=found.shop, platform=found.platform,
            resolved_by=found.how, respondent_key=respondent_key[:220], content=f["content"].strip(),
            claim=(f.get("claim") or "").strip(), amount=f.get("amount"), aware_on=f.get("aware_on"),
            category=category.category, category_method=category.method,
            category_confidence=round(float(category.confidence), 4), category_matched=list(category.matched)[:20],
            department=way.department, handling_org=way.organisation, handling_region=way.region,
            out_of_area=way.out_of_area, routing_note=way.note, submitter_lookup=ctx.submitter,
            policy_version=policy.current().version, sibling=made[0] if made else None)
        seal_complainant(case, f.get("complainant_name", ""), f.get("complainant_phone", ""),
                         f.get("complainant_address", ""))
        if kind == Kind.COMPLAINT:
            case.accept_due = day.accept_due
            if case.aware_on is not None:
                case.time_barred = day.limitation.after(case.aware_on) < received_on
        else:
            case.filing_due = day.filing_due
        moves = ctx.pools.group_with(case)
        note = _("来自{channel}，单号{ticket}；分类：{category}（{method}，置信度{confidence:.2f}）；{route}").format(
            channel=label(case, "channel"), ticket=case.channel_ticket, category=day.names.get(case.category,
                                                                                                    case.category),
            method=category.method, confidence=category.confidence, route=way.note)
        if case.status == Status.MERGED:
            ctx.writer.save(case, ctx.actor, "receive_merged", note, event="merged",
                            text=_("与{case_no}为同一事项，合并办理").format(case_no=case.merged_into.case_no))
        else:
            due = case.accept_due or case.filing_due
            ctx.writer.save(case, ctx.actor, "receive", note, event="received",
                            text=(_("受理期限{date}") if kind == Kind.COMPLAINT else _("核查期限{date}")).format(date=due))
        ctx.pools.add(case)
        merging.apply_moves(moves, ctx.writer, ctx.actor)
        if made:
            made[0].sibling = case
        made.append(case)
    if len(made) == 2:  # the first case's state now names its sibling: log it
        ctx.writer.save(made[0], ctx.actor, "split", _("同时提出投诉和举报，分别处理（第七条）：{other}").format(
            other=made[1].case_no))
    return made


@contextmanager
def writing(channel: str, channel_org: Organisation | None, principal, now: dt.datetime, incoming: list[Incoming],
            *, fixed: Organisation | None = None, submitter: str = "") -> Iterator[Context]:
    """A batch's context, with what its items need read at once; everything is written when the block ends."""
    with ChainWriter(now) as log:
        ctx = Context(channel, channel_org, principal.actor,
                      CaseWriter(log, sum(len(kinds_of(i.fields)) for i in incoming)),
                      Subjects.preload(respondent_of(i.fields) for i in incoming), merging.Pools(),
                      fixed=fixed, submitter=submitter)
        ctx.pools.load(complainant_phone_lookup(i.fields.get("complainant_phone", "")) for i in incoming)
        yield ctx
        ctx.writer.flush()


# ---------------------------------------------------------------------------------------------- batches


def _existing(channel: str, tickets: Iterable[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    tickets = list(tickets)
    for start in range(0, len(tickets), 900):
        for ticket, case_no in Complaint.objects.filter(channel=channel, channel_ticket__in=tickets[start:start + 900]) \
                .order_by("id").values_list("channel_ticket", "case_no"):
            found.setdefault(ticket, []).append(case_no)
    return found


def run_batch(channel: str, layout: Layout, items: list[tuple[int | None, Any]], principal, *,
              channel_org: Organisation | None, atomic: bool = False, now: dt.datetime | None = None,
              fixed: Organisation | None = None, own_platform: str = "") -> IntakeReport:
    """Check every item, then write the good ones in one transaction (see the module's docstring)."""
    if len(items) > MAX_BATCH:
        raise ValidationFailed(_("每批最多{n}条").format(n=MAX_BATCH), field="items", code="batch_too_large")
    now = now or timezone.now()
    report = IntakeReport(channel=channel, received=len(items), atomic=atomic)
    good: list[tuple[RowResult, Incoming]] = []
    seen: dict[str, int] = {}
    for index, (row, raw) in enumerate(items):
        ticket = layouts.cell_text(raw.get(layouts.column_of(layout, "ticket"))) if isinstance(raw, dict) else ""
        result = RowResult(index=index, row=row, ticket=ticket, outcome="accepted")
        report.rows.append(result)
        try:
            fields, warnings = check(layout, raw, now)
            if own_platform:
                if fields.get("platform_uscc") and fields["platform_uscc"] != own_platform:
                    raise layouts.ItemError("platform_uscc", "platform_uscc", "not_own_platform",
                                            _("平台只能转送涉及本平台的投诉举报"))
                fields["platform_uscc"] = own_platform
        except layouts.ItemError as exc:
            result.outcome, result.column, result.field, result.code, result.message = \
                "rejected", exc.column, exc.field, exc.code, exc.message
            continue
        result.ticket, result.warnings = fields["ticket"], warnings
        if result.ticket in seen:
            result.outcome = "duplicate"
            result.message = _("同一批次中单号重复（第{n}条已报送）").format(n=seen[result.ticket] + 1)
            continue
        seen[result.ticket] = index
        good.append((result, Incoming(index, row, fields, warnings)))
    if atomic and report.count("rejected"):
        for result, _incoming in good:
            result.outcome = "not_written"
        return report
    _write(good, channel, principal, channel_org, now, fixed)
    return report


@logged_write
def _write(good: list[tuple[RowResult, Incoming]], channel: str, principal, channel_org, now, fixed) -> None:
    already = _existing(channel, [incoming.ticket for _r, incoming in good])
    fresh = []
    for result, incoming in good:
        if incoming.ticket in already:
            result.outcome, result.cases = "duplicate", already[incoming.ticket]
            result.message = _("该单号已于此前报送，未重复登记")
        else:
            fresh.append((result, incoming))
    if not fresh:
        return
    with writing(channel, channel_org, principal, now, [incoming for _r, incoming in fresh], fixed=fixed) as ctx:
        for result, incoming in fresh:
            cases = make_cases(incoming, ctx)
            result.cases = [c.case_no for c in cases]
            merged = [c.merged_into.case_no for c in cases if c.merged_into_id]
            if merged:
                result.outcome, result.merged_into = "merged", merged


# ---------------------------------------------------------------------------------------------- channels


def _organisation(principal) -> Organisation | None:
    return Organisation.objects.filter(pk=principal.organisation_id).first() if principal.organisation_id else None


def require_hotline_sender(number: str, principal) -> Organisation | None:
    """The hotline's organisation, if the principal may send its items: the hotline's own client, the department
    the hotline belongs to (it receives the hotline's export), or the credit office."""
    principal.require("complaint.intake")
    line = rules.hotline(number)
    if not (principal.city_wide or principal.organisation_code in (line.organisation, line.department)):
        raise Forbidden(_("只有{name}或其所属部门可以报送该热线的来件").format(name=line.name))
    return Organisation.objects.filter(code=line.organisation, active=True).first()


def intake_hotline(number: str, items: list[Any], principal, *, atomic: bool = False,
                   now: dt.datetime | None = None) -> IntakeReport:
    """Take a hotline's items (JSON objects keyed by its own column names) and report on each."""
    org = require_hotline_sender(number, principal)
    if not isinstance(items, list):
        raise ValidationFailed(_("items 应为列表"), field="items", code="not_a_list")
    layout = rules.hotline(number).layout
    return run_batch(number, layout, [(None, item) for item in items], principal, channel_org=org, atomic=atomic,
                     now=now)


def intake_platform(items: list[Any], principal, *, atomic: bool = False,
                    now: dt.datetime | None = None) -> IntakeReport:
    """Take complaints and reports a platform forwards (our canonical layout; about its own shops or itself)."""
    principal.require("complaint.intake")
    if principal.organisation_kind != OrganisationKind.PLATFORM:
        raise Forbidden(_("只有电商平台可以转送平台内的投诉举报"))
    org = _organisation(principal)
    return run_batch(Channel.PLATFORM, layouts.CANONICAL, [(None, item) for item in items], principal,
                     channel_org=org, atomic=atomic, now=now, own_platform=(org.uscc if org else "") or "-")


def record_walk_in(principal, item: dict[str, Any], *, now: dt.datetime | None = None) -> list[Complaint]:
    """A department records a complaint or report made in person, by letter or by phone to it (our canonical
    layout; ticket and time default to ours); it handles the case itself (Order 20 art. 13)."""
    principal.require("complaint.handle")
    if principal.organisation_kind not in (OrganisationKind.DEPARTMENT, OrganisationKind.CREDIT_OFFICE):
        raise Forbidden(_("只有部门可以登记来访来信"))
    now = now or timezone.now()
    item = dict(item or {})
    item.setdefault("received_at", timezone.localtime(now).strftime("%Y-%m-%d %H:%M:%S"))
    org = _organisation(principal)
    if not item.get("ticket"):
        item["ticket"] = f"{org.code if org else 'dept'}-{now.strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(3)}"
    return _single(Channel.DEPARTMENT, item, principal, org, now, fixed=org)


def _single(channel: str, item: dict, principal, org, now, fixed=None, submitter: str = "") -> list[Complaint]:
    try:
        fields, warnings = check(layouts.CANONICAL, item, now)
    except layouts.ItemError as exc:
        raise ValidationFailed(exc.message, field=exc.field or exc.column, code=exc.code) from None
    return _write_single(channel, Incoming(0, None, fields, warnings), principal, org, now, fixed, submitter)


@logged_write
def _write_single(channel, incoming, principal, org, now, fixed, submitter) -> list[Complaint]:
    if Complaint.objects.filter(channel=channel, channel_ticket=incoming.ticket).exists():
        raise Conflict(_("该单号已登记"), code="duplicate")
    with writing(channel, org, principal, now, [incoming], fixed=fixed, submitter=submitter) as ctx:
        made = make_cases(incoming, ctx)
    return made


def submit_portal(*, kind: str, content: str, complainant_name: str = "", complainant_phone: str = "",
                  complainant_address: str = "", respondent_name: str = "", respondent_uscc: str = "",
                  respondent_address: str = "", shop_name: str = "", shop_id: str = "", platform_name: str = "",
                  order_no: str = "", waybill_no: str = "", claim: str = "", amount: Any = None,
                  aware_on: dt.date | None = None, department: str = "", remote_address: str = "",
                  now: dt.datetime | None = None) -> list[Complaint]:
    """A complaint or report made on the public portal's form (R10.4); limited per network address per hour and
    per phone per day (complaints.yaml: portal). `department` (a department's code) addresses it to that
    department's online reporting centre, which then handles it. Returns the case(s) made; the case number is the
    receipt."""
    now = now or timezone.now()
    addressed_to = None
    if department:
        addressed_to = Organisation.objects.filter(code=department, kind__in=(
            OrganisationKind.DEPARTMENT, OrganisationKind.CREDIT_OFFICE)).first()
        if addressed_to is None:
            raise NotFound(_("该部门暂未开通网上举报"), field="department", code="unknown_department")
    limits = rules.portal_limits(timezone.localdate(now))
    phone = layouts.normalise_phone(complainant_phone or "")
    if kind == Kind.COMPLAINT and not (complainant_name.strip() and phone):
        raise ValidationFailed(_("投诉须留下姓名和联系电话（第九条）"), field="complainant_phone", code="required")
    if len((content or "").strip()) < limits.min_content_chars:
        raise ValidationFailed(_("请具体描述投诉举报的事实（至少{n}个字）").format(n=limits.min_content_chars),
                               field="content", code="too_short")
    # A request without an address (a misconfigured proxy) shares one bucket: no address is no exemption.
    submitter = address_lookup((remote_address or "").strip())
    portal_cases = Complaint.objects.filter(channel=Channel.PORTAL)
    if portal_cases.filter(submitter_lookup=submitter, received_at__gte=now - dt.timedelta(hours=1)) \
            .values("channel_ticket").distinct().count() >= limits.per_ip_per_hour:
        raise Conflict(_("提交过于频繁，请一小时后再试"), code="rate_limited")
    midnight = timezone.make_aware(dt.datetime.combine(timezone.localdate(now), dt.time.min))
    if phone and portal_cases.filter(phone_lookup=phone_lookup(phone), received_at__gte=midnight) \
            .values("channel_ticket").distinct().count() >= limits.per_phone_per_day:
        raise Conflict(_("该电话今日提交次数已达上限，请明日再试或拨打12315"), code="rate_limited")
    # The ticket carries the microseconds before its random tail: two forms sent in the same second (received_at
    # keeps seconds) still sort, and so merge, in the order they arrived.
    item = {"ticket": f"WEB{now.strftime('%Y%m%d%H%M%S%f')}{secrets.token_hex(2)}", "kind": kind,
            "received_at": timezone.localtime(now).strftime("%Y-%m-%d %H:%M:%S"), "content": content,
            "claim": claim, "complainant_name": complainant_name, "complainant_phone": phone,
            "complainant_address": complainant_address, "respondent_name": respondent_name,
            "respondent_uscc": respondent_uscc, "respondent_address": respondent_address, "shop_name": shop_name,
            "shop_id": shop_id, "platform_name": platform_name, "order_no": order_no, "waybill_no": waybill_no,
            "amount": amount, "aware_on": aware_on.isoformat() if aware_on else None}
    return _single(Channel.PORTAL, item, PORTAL_VISITOR, None, now, fixed=addressed_to, submitter=submitter)


class _Visitor:
    """Whoever filled in the portal's form, as the change log names them (never by their own name)."""

    actor = Actor("portal:visitor", "")


PORTAL_VISITOR = _Visitor()
