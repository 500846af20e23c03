"""Who may do what in the list procedure and in joint action.

- An implementer (a platform, a bank, a department) sees and answers only its own measure tasks: another's
  task does not exist for it. The deciding department sees the tasks its entries dispatched but answers only
  its own.
- Only the deciding department (or the credit office) runs an entry's procedure; other departments do not
  see the entry, or, if they proposed it, may not handle it.
- A subject's own account objects only to its own entry, and only once it has been notified.
- The credit office sees every entry and task; the supervision figures count per implementer.
"""

from __future__ import annotations

import datetime as dt

import pytest

from ecredit.access.principal import anonymous
from ecredit.archive.models import CreditRecord
from ecredit.audit.services import verify
from ecredit.kit.errors import Forbidden, NotFound
from ecredit.lists import flows, joint, services
from ecredit.lists.models import EntryStatus, ListEntry, MeasureTask, TaskStatus

from .world import World, on_day

pytestmark = pytest.mark.django_db

PENALTY_DAY = dt.date(2026, 3, 2)
SCAN_DAY = dt.date(2026, 3, 3)        # notice given the same day: the objection window ends 10 March
DECISION_DAY = dt.date(2026, 3, 11)   # published the same day


def listed(world: World, list_type: str, name: str, *, publish: bool = True,
           by: str | None = None) -> ListEntry:
    """Take a subject with a serious penalty through scan, notice, decision and publication on `list_type`."""
    subject = world.subject(name)
    decider = world.principal(world.decider(list_type))
    with on_day(SCAN_DAY):
        services.scan(subject_ids=[subject.pk], list_types=[list_type])
        entry = world.entry(list_type, subject)
        entry = flows.notify(entry.pk, decider, channel="written", reference=f"告〔2026〕{entry.pk}号")
    if not publish:
        return entry
    with on_day(DECISION_DAY):
        flows.decide(entry.pk, decider, list_subject=True, decision_no=f"列〔2026〕{entry.pk}号", text="决定列入")
        entry = flows.publish(entry.pk, world.principal(by) if by else decider)
    return entry


@pytest.fixture
def world():
    with on_day(PENALTY_DAY):
        world = World()
        world.add_subject("南通甲贸易有限公司", {"roles": ["merchant"]})
        world.add_subject("南通乙快递有限公司", {"roles": ["logistics"]})
        world.add_subject("南通丙商贸有限公司")
        world.record({"type": "admin_penalty_serious", "date": PENALTY_DAY}, world.subject("南通甲贸易有限公司"))
        world.record({"type": "admin_penalty_serious", "date": PENALTY_DAY, "by": "postal"},
                     world.subject("南通乙快递有限公司"))
    return world


@pytest.fixture
def two_entries(world):
    """A: serious dishonesty list (the market regulator decides); B: logistics bar (the postal office)."""
    a = listed(world, "serious_dishonesty", "南通甲贸易有限公司")
    b = listed(world, "logistics_bar", "南通乙快递有限公司")
    return a, b


def _task(entry, world, who, measure=None):
    return world.task(entry, who, measure)


# ---------------------------------------------------------------------------------------------- tasks


def test_implementers_see_only_their_own_tasks(world, two_entries):
    a, b = two_entries
    orgs = world.orgs
    with on_day(DECISION_DAY):
        for who in ("platform", "other_platform", "bank"):
            seen = set(joint.tasks_of(world.principal(who)).values_list("implementer_id", flat=True))
            assert seen == {orgs[who].pk}, who
        assert joint.tasks_of(world.principal("platform")).count() == 2      # one per entry
        assert joint.tasks_of(world.principal("bank")).count() == 1          # bank_credit_caution on A only
        # A department sees its own tasks and those of the entries it decided, nothing else.
        postal = set(joint.tasks_of(world.principal("postal")).values_list("id", flat=True))
        assert postal == set(MeasureTask.objects.filter(entry=b).values_list("id", flat=True))
        market = set(joint.tasks_of(world.principal("department")).values_list("id", flat=True))
        assert market == set(MeasureTask.objects.filter(entry=a).values_list("id", flat=True))
        for who in ("subject", "public"):
            principal = world.account(a.subject) if who == "subject" else anonymous()
            with pytest.raises(Forbidden):
                joint.tasks_of(principal)


def test_another_implementers_task_is_not_found(world, two_entries):
    a, b = two_entries
    cases = [
        ("platform", "other_platform", a),   # a platform, another platform's task
        ("bank", "platform", a),             # a bank, a platform's task
        ("department", "postal", b),         # a department, another department's task on another's entry
        ("postal", "platform", b),           # the deciding department, an implementer's task on its own entry
        ("subject", "platform", a),          # the listed subject itself
    ]
    with on_day(DECISION_DAY):
        for who, other, entry in cases:
            task = _task(entry, world, other)
            principal = world.account(entry.subject) if who == "subject" else world.principal(who)
            with pytest.raises((NotFound, Forbidden)) as refusal:
                joint.respond(task.pk, principal, action="accept")
            assert isinstance(refusal.value, Forbidden if who == "subject" else NotFound), (who, other)
            task.refresh_from_db()
            assert task.status == TaskStatus.DISPATCHED and not task.handled_by, (who, other)


def test_each_implementer_answers_its_own_task(world, two_entries):
    a, b = two_entries
    with on_day(DECISION_DAY + dt.timedelta(days=1)):
        for who, entry in (("platform", a), ("bank", a), ("department", a), ("postal", b), ("platform", b)):
            task = _task(entry, world, who)
            joint.respond(task.pk, world.principal(who), action="accept")
            joint.respond(task.pk, world.principal(who), action="report", text="已按要求实施")
            task.refresh_from_db()
            assert task.status == TaskStatus.EXECUTED and task.handled_by, who
    assert verify().ok


# ---------------------------------------------------------------------------------------------- entries


def test_only_the_deciding_department_handles_an_entry(world):
    entry = listed(world, "serious_dishonesty", "南通甲贸易有限公司", publish=False)
    postal, market = world.principal("postal"), world.principal("department")
    with on_day(DECISION_DAY):
        # Another department does not see the market regulator's entry at all.
        assert not services.entries(postal).filter(pk=entry.pk).exists()
        with pytest.raises(NotFound):
            flows.decide(entry.pk, postal, list_subject=True, decision_no="X", text="列入")
        with pytest.raises(NotFound):
            flows.decide(entry.pk, postal, list_subject=False, text="不予列入")
        # A platform has no right to run the procedure.
        with pytest.raises(Forbidden):
            flows.decide(entry.pk, world.principal("platform"), list_subject=False, text="不予列入")
        flows.decide(entry.pk, market, list_subject=True, decision_no="通市监信列〔2026〕1号", text="列入")
        with pytest.raises(NotFound):
            flows.publish(entry.pk, postal)
        entry = flows.publish(entry.pk, market)
        with pytest.raises(NotFound):
            flows.remove(entry.pk, postal, how="revoke", reason="撤销")
    assert ListEntry.objects.get(pk=entry.pk).status == EntryStatus.PUBLISHED


def test_a_department_that_proposes_for_another_departments_list_may_not_handle_it(world):
    subject = world.subject("南通丙商贸有限公司")
    postal = world.principal("postal")
    with on_day(SCAN_DAY):
        entry = services.propose(postal, list_type="serious_dishonesty", subject_id=subject.pk,
                                 reason="邮政管理中发现该企业严重违法失信，建议列入")
        assert entry.department == world.orgs["department"] and entry.proposed_by_org == world.orgs["postal"]
        assert services.entries(postal).filter(pk=entry.pk).exists()      # the proposer follows it
        with pytest.raises(Forbidden):
            flows.notify(entry.pk, postal, channel="written", reference="邮告1号")
        flows.notify(entry.pk, world.principal("department"), channel="written", reference="通市监信告1号")
    assert ListEntry.objects.get(pk=entry.pk).status == EntryStatus.NOTIFIED


def test_a_subject_objects_only_to_its_own_notified_entry(world):
    mine = world.subject("南通甲贸易有限公司")
    stranger = world.account(world.subject("南通丙商贸有限公司"))
    own = world.account(mine)
    market = world.principal("department")
    with on_day(SCAN_DAY):
        services.scan(subject_ids=[mine.pk], list_types=["serious_dishonesty"])
        entry = world.entry("serious_dishonesty", mine)
        with pytest.raises(NotFound):  # not yet notified: the subject does not see it
            flows.file_objection(entry.pk, own, text="我公司不应被列入该名单")
        flows.notify(entry.pk, market, channel="written", reference="通市监信告〔2026〕3号")
        with pytest.raises(NotFound):  # another subject's account
            flows.file_objection(entry.pk, stranger, text="替他人提出异议，不应被允许")
        with pytest.raises(Forbidden):  # a subject does not run the procedure
            flows.decide(entry.pk, own, list_subject=False, text="不予列入")
        flows.file_objection(entry.pk, own, text="处罚决定正在复议，请暂缓列入")
    entry.refresh_from_db()
    assert entry.status == EntryStatus.OBJECTED and entry.objection_text.startswith("处罚决定")
    assert verify().ok


def test_a_subject_may_not_object_after_the_window(world):
    mine = world.subject("南通甲贸易有限公司")
    entry = listed(world, "serious_dishonesty", "南通甲贸易有限公司", publish=False)
    assert entry.objection_due == dt.date(2026, 3, 10)
    with on_day(dt.date(2026, 3, 11)):
        with pytest.raises(Exception) as refusal:
            flows.file_objection(entry.pk, world.account(mine), text="逾期提出的异议")
    assert refusal.value.code == "window_closed"


# ---------------------------------------------------------------------------------------------- credit office


def test_the_credit_office_sees_everything(world, two_entries):
    a, b = two_entries
    with on_day(SCAN_DAY):
        c = services.propose(world.principal("postal"), list_type="serious_dishonesty",
                             subject_id=world.subject("南通丙商贸有限公司").pk, reason="邮政管理中发现严重违法失信")
    admin = world.principal("credit_office")
    with on_day(DECISION_DAY):
        assert set(services.entries(admin).values_list("id", flat=True)) == {a.pk, b.pk, c.pk}
        assert joint.tasks_of(admin).count() == MeasureTask.objects.count() == 8
        figures = joint.implementer_figures(admin, DECISION_DAY)
        assert {f.code for f in figures} == {"market_regulation", "postal", "credit_office", "platform_a",
                                             "platform_b", "bank_a"}
        assert sum(f.dispatched for f in figures) == 8
        # The credit office handles any entry (here: not listing the postal administration's proposal).
        flows.decide(c.pk, admin, list_subject=False, text="证据不足，不予列入")
    assert ListEntry.objects.get(pk=c.pk).status == EntryStatus.NOT_LISTED


# ---------------------------------------------------------------------------------------------- figures


def test_supervision_figures_per_implementer(world):
    """Published Wednesday 11 March 2026: accept within 3 working days → 16 March, within 5 → 18 March; the
    platforms report within 10 → 25 March. Seen on 30 March, after the daily pass."""
    entry = listed(world, "serious_dishonesty", "南通甲贸易有限公司")
    assert _task(entry, world, "platform").accept_due == dt.date(2026, 3, 16)
    assert _task(entry, world, "platform").report_due == dt.date(2026, 3, 25)
    assert _task(entry, world, "credit_office").accept_due == dt.date(2026, 3, 18)

    def answer(day, who, action, text=""):
        with on_day(day):
            joint.respond(_task(entry, world, who).pk, world.principal(who), action=action, text=text)

    answer(dt.date(2026, 3, 12), "platform", "accept")                 # on time
    answer(dt.date(2026, 3, 20), "platform", "report", "已限制开店")     # before 25 March
    answer(dt.date(2026, 3, 13), "bank", "decline", "无授信业务")         # answered with a reason
    answer(dt.date(2026, 3, 20), "department", "accept")               # late (due 16 March)
    today = dt.date(2026, 3, 30)                                       # other platform, credit office: silent
    with on_day(today):
        assert flows.advance()["escalated"] == 2                       # other platform, credit office
        figures = {f.code: f for f in joint.implementer_figures(world.principal("credit_office"), today)}
        expected = {  # dispatched, accepted_on_time, executed, declined, open, overdue, escalated
            "platform_a": (1, 1, 1, 0, 0, 0, 0),
            "platform_b": (1, 0, 0, 0, 1, 1, 1),
            "bank_a": (1, 0, 0, 1, 0, 0, 0),
            "market_regulation": (1, 0, 0, 0, 1, 0, 0),
            "credit_office": (1, 0, 0, 0, 1, 1, 1),
        }
        got = {code: (f.dispatched, f.accepted_on_time, f.executed, f.declined, f.open, f.overdue,
                      f.escalated) for code, f in figures.items()}
        assert got == expected
        assert (figures["platform_a"].execution_rate, figures["platform_a"].response_rate) == (1.0, 1.0)
        assert (figures["platform_b"].execution_rate, figures["platform_b"].response_rate) == (0.0, 0.0)
        assert (figures["bank_a"].execution_rate, figures["bank_a"].response_rate) == (1.0, 0.0)
        assert figures["market_regulation"].execution_rate is None          # nothing due yet
        # The deciding department sees the figures of its entry's tasks; another department sees none.
        market = joint.implementer_figures(world.principal("department"), today)
        assert {f.code for f in market} == set(expected)
        assert joint.implementer_figures(world.principal("postal"), today) == []
        for who in ("platform", "bank"):
            with pytest.raises(Forbidden):
                joint.implementer_figures(world.principal(who), today)
    assert verify().ok


# ---------------------------------------------------------------------------------------------- reported bugs


def test_the_deciding_department_removes_an_entry_the_credit_office_published(world):
    entry = listed(world, "serious_dishonesty", "南通甲贸易有限公司", by="credit_office")
    with on_day(dt.date(2026, 4, 1)):
        flows.remove(entry.pk, world.principal("department"), how="revoke", reason="处罚决定被撤销")  # Forbidden now
    assert ListEntry.objects.get(pk=entry.pk).status == EntryStatus.REVOKED
    # catalog.yaml: the list record is written "with the deciding department as its source"
    assert CreditRecord.objects.get(pk=entry.record_id).source_id == world.orgs["department"].pk
