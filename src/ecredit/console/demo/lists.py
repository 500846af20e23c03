"""The demo city's lists: candidates found by the grounds, and entries at every step of the procedure.

Steps are taken through the lists' flows with the times they would have happened (a scan six weeks ago,
notices, decisions, publications, platforms answering some of their tasks), so the console shows deadlines
met and missed, and the portal shows published red and black list entries.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ecredit.access.models import Organisation
from ecredit.access.principal import Principal
from ecredit import policy
from ecredit.kit.errors import Conflict
from ecredit.lists import flows, joint, services
from ecredit.lists.models import EntryStatus, ListEntry, MeasureTask, TaskStatus
from ecredit.registry.models import Subject, SubjectKind

from .writer import principal_of

DRIVE_PER_TYPE = 4      # entries per list type taken through the procedure; the rest stay proposed


def _officer(code: str) -> Principal:
    return principal_of(Organisation.objects.get(code=code))


def build() -> dict[str, int]:
    """Scan, then drive a few entries of each list type through the procedure; returns counts by status."""
    now = timezone.now()
    start = now - dt.timedelta(days=45)
    services.scan(now=start)
    _platform_report(start + dt.timedelta(days=2))
    for list_type in policy.current().lists.list_types:
        pending = list(ListEntry.objects.filter(list_type=list_type, status=EntryStatus.PROPOSED)
                       .select_related("department").order_by("id")[:DRIVE_PER_TYPE])
        for index, entry in enumerate(pending):
            _drive(entry, index, start, now)
    flows.advance()
    _answer_tasks(start + dt.timedelta(days=24))
    counts: dict[str, int] = {}
    for status in ListEntry.objects.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def _drive(entry: ListEntry, index: int, start: dt.datetime, now: dt.datetime) -> None:
    """Index 0 and 1 are published, 2 has its objection upheld, 3 was notified two days ago (window open)."""
    officer = _officer(entry.department.code)
    day = lambda n: start + dt.timedelta(days=n)  # noqa: E731
    if index == 3:
        flows.notify(entry.pk, officer, channel="electronic", reference=f"告知〔{now.year}〕{entry.pk}号",
                     now=now - dt.timedelta(days=2))
        return
    flows.notify(entry.pk, officer, channel="written", reference=f"告知〔{start.year}〕{entry.pk}号", now=day(3))
    if index == 2:
        flows.file_objection(entry.pk, officer, text="当事人陈述：据以列入的处罚决定已被行政复议撤销，附复议决定书。",
                             now=day(6))
        flows.decide_objection(entry.pk, officer, upheld=True, decision="经核实，处罚决定已被撤销，不予列入。",
                               now=day(9))
        return
    flows.decide(entry.pk, officer, list_subject=True, decision_no=f"列〔{start.year}〕{entry.pk}号",
                 text="符合列入条件，异议期内未提出异议，决定列入。", now=day(20))
    flows.publish(entry.pk, officer, now=day(21))


def _platform_report(at: dt.datetime) -> None:
    """A platform reports the company behind one of its shops, which sold counterfeits, for the focus list."""
    platform = Organisation.objects.filter(code="platform_1").first()
    if platform is None:
        return
    shop = (Subject.objects.filter(kind=SubjectKind.SHOP, platform__uscc=platform.uscc, operator__isnull=False,
                                   operator__kind=SubjectKind.ORGANISATION).order_by("id").first())
    if shop is None:
        return
    principal = principal_of(platform)
    try:
        services.propose(principal, list_type="focus_list", subject_id=shop.pk,
                         reason="该网店经平台抽检多次销售假冒商品，已下架商品并报送监管部门，建议列入重点关注名单。",
                         evidence=[{"kind": "平台抽检报告", "reference": f"PT-{shop.shop_id}"}], now=at)
    except Conflict:
        pass  # the scan already proposed it


def _answer_tasks(at: dt.datetime) -> None:
    """Departments and one platform answer most of their tasks; the other platforms leave theirs open (overdue)."""
    answering = {"market_regulation", "credit_office", "commerce", "postal", "pbc_nantong", "admin_approval",
                 "platform_1", "bank_1"}
    for task in MeasureTask.objects.filter(status=TaskStatus.DISPATCHED).select_related("implementer").order_by("id"):
        if task.implementer.code not in answering:
            continue
        principal = principal_of(task.implementer)
        joint.respond(task.pk, principal, action="accept", now=at)
        if task.pk % 3:
            joint.respond(task.pk, principal, action="report", text="已按措施要求实施，并在业务系统中标记。",
                          now=at + dt.timedelta(days=2))
    flows.advance()
