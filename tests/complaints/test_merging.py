"""Repeats are merged: same phone, same respondent, same category within the window (complaints.yaml: merge).

Properties: the groups do not depend on the order in which the hotlines sent their items, and a group never
mixes respondents, phones or categories. Re-sending an item is harmless (a duplicate, nothing written)."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ecredit.complaints import flows, services
from ecredit.complaints.models import ChannelUpdate, Complaint, Status
from ecredit.complaints.services.merging import Member, assign

from .conftest import TZ, on_day

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
TODAY = dt.date(2026, 6, 30)
CONTENT = "购买的蓝牙耳机收到就坏了，商家拒绝退货。"
RESPONDENTS = ("南通甲数码科技有限公司", "南通丁百货商店")
PHONES = ("13812345678", "13900001111")


def item(number: str, ticket: str, when: dt.datetime, phone: str, respondent: str) -> dict:
    """A complaint as 12315 or 12345 sends it."""
    if number == "12315":
        return {"投诉单号": ticket, "登记时间": when.strftime("%Y-%m-%d %H:%M:%S"), "投诉人姓名": "王小红",
                "投诉人电话": phone, "被投诉方名称": respondent, "投诉内容": CONTENT, "投诉请求": "退货退款"}
    return {"工单编号": ticket, "来电时间": when.strftime("%Y/%m/%d %H:%M"), "诉求类型": "投诉", "来电人": "王小红",
            "来电号码": phone, "反映内容": CONTENT, "涉事主体": respondent}


def send(city, items: list[tuple[str, dict]]):
    with on_day(TODAY):
        for number, one in items:
            services.intake_hotline(number, [one], city.hotline(number))


def groups() -> dict[tuple[str, str], tuple[str, str] | None]:
    """(channel, ticket) -> the (channel, ticket) it was merged into."""
    out = {}
    for case in Complaint.objects.select_related("merged_into"):
        head = case.merged_into
        out[(case.channel, case.channel_ticket)] = (head.channel, head.channel_ticket) if head else None
    return out


def test_a_repeat_from_another_hotline_is_merged_into_the_first(city):
    send(city, [("12315", item("12315", "A1", START, PHONES[0], RESPONDENTS[0])),
                ("12345", item("12345", "B1", START + dt.timedelta(days=3), PHONES[0], RESPONDENTS[0]))])
    first = Complaint.objects.get(channel_ticket="A1")
    repeat = Complaint.objects.get(channel_ticket="B1")
    assert repeat.status == Status.MERGED and repeat.merged_into == first and repeat.next_due is None
    assert list(first.repeats.all()) == [repeat]
    # 12345 is told in its own words that its work order was merged
    assert repeat.updates.get().status_code == "BJ-CF"


def test_different_phone_respondent_or_far_apart_is_not_merged(city):
    send(city, [("12315", item("12315", "A1", START, PHONES[0], RESPONDENTS[0])),
                ("12315", item("12315", "A2", START + dt.timedelta(days=1), PHONES[1], RESPONDENTS[0])),
                ("12315", item("12315", "A3", START + dt.timedelta(days=1), PHONES[0], RESPONDENTS[1])),
                ("12315", item("12315", "A4", START + dt.timedelta(days=31), PHONES[0], RESPONDENTS[0]))])
    assert not Complaint.objects.filter(status=Status.MERGED).exists()


def test_an_earlier_case_arriving_late_becomes_the_first(city):
    send(city, [("12345", item("12345", "B1", START + dt.timedelta(days=5), PHONES[0], RESPONDENTS[0])),
                ("12315", item("12315", "A1", START, PHONES[0], RESPONDENTS[0]))])
    assert groups() == {("12345", "B1"): ("12315", "A1"), ("12315", "A1"): None}
    b1 = Complaint.objects.get(channel_ticket="B1")
    assert [u.status_code for u in b1.updates.order_by("id")] == ["QS", "BJ-CF"]


def test_a_case_being_handled_keeps_its_repeats_and_its_channels_hear_of_each_step(city):
    send(city, [("12315", item("12315", "A1", START, PHONES[0], RESPONDENTS[0]))])
    first = Complaint.objects.get()
    with on_day(TODAY):
        flows.accept(first.pk, city.principal("market_regulation"))
    # an earlier-received repeat arriving now does not undo the handling: it joins the case being handled
    send(city, [("12345", item("12345", "B0", START - dt.timedelta(days=2), PHONES[0], RESPONDENTS[0]))])
    repeat = Complaint.objects.get(channel_ticket="B0")
    assert repeat.merged_into_id == first.pk
    with on_day(TODAY):
        flows.start_mediation(first.pk, city.principal("market_regulation"))
    assert list(repeat.updates.order_by("id").values_list("status_code", flat=True)) == ["BJ-CF", "BL-TJ"]


def test_resending_is_harmless(city):
    one = item("12315", "A1", START, PHONES[0], RESPONDENTS[0])
    with on_day(TODAY):
        first = services.intake_hotline("12315", [one, one], city.hotline("12315"))
        again = services.intake_hotline("12315", [one], city.hotline("12315"))
    assert [r.outcome for r in first.rows] == ["accepted", "duplicate"]
    assert again.rows[0].outcome == "duplicate" and again.rows[0].cases == first.rows[0].cases
    assert Complaint.objects.count() == 1 and ChannelUpdate.objects.count() == 1


# ---------------------------------------------------------------------------------------------- properties

members = st.lists(st.tuples(st.integers(0, 120), st.sampled_from("abc"), st.booleans()), min_size=1, max_size=25,
                   unique_by=lambda t: t[1:] + (id(t),))


@given(st.lists(st.tuples(st.integers(0, 120), st.booleans()), min_size=1, max_size=30), st.randoms())
def test_assign_is_order_independent_and_heads_come_first(spec, rnd):
    items = [Member(START + dt.timedelta(days=d), ("12315", f"T{i}"), i, fixed) for i, (d, fixed) in enumerate(spec)]
    shuffled = list(items)
    rnd.shuffle(shuffled)
    target = assign(items, 30)
    assert assign(shuffled, 30) == target
    by_id = {m.ident: m for m in items}
    for ident, head in target.items():
        if head is None:
            continue
        assert target[head] is None                        # a head is never merged itself
        assert not by_id[ident].fixed                      # a case being handled is never re-pointed
        assert abs((by_id[ident].at.date() - by_id[head].at.date()).days) <= 30


case_spec = st.lists(st.tuples(st.sampled_from(("12315", "12345")), st.integers(0, 70), st.integers(0, 1),
                               st.integers(0, 1)), min_size=2, max_size=7)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=case_spec, seed=st.integers(0, 10_000))
def test_merging_is_order_independent_and_never_mixes_respondents(city, spec, seed):
    items = [(number, item(number, f"{number}-{i}", START + dt.timedelta(days=day, hours=i), PHONES[p],
                           RESPONDENTS[r])) for i, (number, day, p, r) in enumerate(spec)]
    results = []
    for order in (items, random.Random(seed).sample(items, len(items))):
        sid = transaction.savepoint()
        send(city, order)
        results.append(groups())
        for case in Complaint.objects.filter(status=Status.MERGED).select_related("merged_into"):
            head = case.merged_into
            assert (case.respondent_key, case.phone_lookup, case.category, case.kind) == \
                (head.respondent_key, head.phone_lookup, head.category, head.kind)
            assert head.merged_into_id is None
        transaction.savepoint_rollback(sid)
    assert results[0] == results[1]


def _pools_read_as_the_database_orders(phones) -> None:
    """The merge candidates a batch reads at once are those (and in the order) a query per case would give."""
    from django.db.models import Q

    from ecredit.complaints.models import OPEN
    from ecredit.complaints.services.common import phone_lookup
    from ecredit.complaints.services.merging import Pools, merge_key

    pools = Pools()
    pools.load(phone_lookup(p) for p in phones)
    for case in Complaint.objects.exclude(phone_lookup="").exclude(respondent_key=""):
        kind, phone, respondent, category = merge_key(case)
        query = Complaint.objects.filter(kind=kind, phone_lookup=phone, respondent_key=respondent, category=category) \
            .filter(Q(status__in=OPEN) | Q(status=Status.MERGED, merged_into__status__in=OPEN))
        assert [c.pk for c in pools.pool(merge_key(case))] == list(query.values_list("pk", flat=True))


def _written() -> tuple[list, ...]:
    """Every row intake writes: cases, steps, channel updates, change-log entries."""
    from ecredit.audit.models import ChangeLogEntry
    from ecredit.complaints.models import ComplaintStep

    return (list(Complaint.objects.order_by("id").values()), list(ComplaintStep.objects.order_by("id").values()),
            list(ChannelUpdate.objects.order_by("id").values()),
            list(ChangeLogEntry.objects.order_by("seq").values()))


batch_spec = st.lists(st.tuples(st.sampled_from(("12315", "12345")), st.integers(0, 70), st.integers(0, 1),
                                st.integers(0, 1), st.booleans()), min_size=2, max_size=10)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=batch_spec)
@example(spec=[("12315", 10, 0, 1, False), ("12315", 12, 0, 1, True), ("12345", 14, 0, 1, False),
               ("12315", 0, 0, 1, False), ("12345", 50, 0, 1, False)])    # the fourth displaces three
def test_a_batch_writes_exactly_what_its_items_sent_one_by_one_write(city, spec):
    """Intake reads a batch's candidates at once and merges in memory: the cases, merges, steps, channel updates
    and change-log entries (ids, order, states, hashes) are those of sending the items one at a time."""
    import types
    from unittest import mock

    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection

    from ecredit.kit import crypto

    items = []
    for i, (number, day, p, r, both) in enumerate(spec):
        one = item(number, f"{number}-{i}", START + dt.timedelta(days=day, hours=i), PHONES[p], RESPONDENTS[r])
        if both and number == "12315":
            one["登记类型"] = "投诉举报"
        items.append((number, one))
    outer = transaction.savepoint()       # hypothesis runs every example on the same database
    # an earlier case already being handled: repeats join it, it is never re-pointed
    send(city, [("12315", item("12315", "H", START + dt.timedelta(days=30), PHONES[0], RESPONDENTS[0]))])
    with on_day(TODAY):
        flows.accept(Complaint.objects.get(channel_ticket="H").pk, city.principal("market_regulation"))
    runs = []
    for batched in (False, True):
        with connection.cursor() as cursor:       # the same ids in both runs (PostgreSQL keeps sequences)
            for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
                cursor.execute(sql)
        nonces = iter(range(1, 10**6))              # the same ciphertexts in both runs
        sid = transaction.savepoint()
        with mock.patch.object(crypto, "os", types.SimpleNamespace(urandom=lambda n: next(nonces).to_bytes(n, "big"))), \
                on_day(TODAY):
            rows = []
            if batched:
                start = 0
                for end in range(1, len(items) + 1):    # runs of one hotline's items, in the order received
                    if end == len(items) or items[end][0] != items[start][0]:
                        report = services.intake_hotline(items[start][0], [one for _n, one in items[start:end]],
                                                         city.hotline(items[start][0]))
                        rows += report.rows
                        start = end
            else:
                for number, one in items:
                    rows += services.intake_hotline(number, [one], city.hotline(number)).rows
        runs.append(([(r.outcome, r.cases, r.merged_into) for r in rows], _written()))
        _pools_read_as_the_database_orders(PHONES)
        transaction.savepoint_rollback(sid)
    transaction.savepoint_rollback(outer)
    assert runs[1][0] == runs[0][0]
    for batch_rows, single_rows in zip(runs[1][1], runs[0][1]):
        assert batch_rows == single_rows
