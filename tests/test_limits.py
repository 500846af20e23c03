"""Shared counters and claims (ecredit.limits): exact counts, windows that end, one claim at a time, and exact
counts when many connections bump at once (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
import time_machine
from django.db import connection, connections

from ecredit import limits
from ecredit.ops.models import SharedCounter

pytestmark = pytest.mark.django_db


def test_a_counter_counts_and_starts_again_when_its_time_is_up():
    with time_machine.travel(1_800_000_000, tick=False) as clock:
        assert [limits.bump("t:a", 60) for _ in range(3)] == [1, 2, 3]
        assert limits.value("t:a") == 3
        clock.shift(61)
        assert limits.value("t:a") == 0
        assert limits.bump("t:a", 60) == 1


def test_a_claim_is_held_until_released_or_expired():
    with time_machine.travel(1_800_000_000, tick=False) as clock:
        assert limits.claim("c:form", 30) is True
        assert limits.claim("c:form", 30) is False
        limits.release("c:form")
        assert limits.claim("c:form", 30) is True
        clock.shift(31)
        assert limits.claim("c:form", 30) is True


def test_expired_rows_are_swept(monkeypatch):
    monkeypatch.setattr(limits, "SWEEP_ONE_IN", 1)
    with time_machine.travel(1_800_000_000, tick=False) as clock:
        for n in range(20):
            limits.bump(f"t:old{n}", 10)
        clock.shift(11)
        limits.bump("t:new", 10)
    assert list(SharedCounter.objects.values_list("name", flat=True)) == ["t:new"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections to one database")
def test_many_connections_at_once_lose_no_count():
    threads, per_thread = 8, 40
    start = threading.Barrier(threads)

    def work():
        try:
            start.wait()
            for _ in range(per_thread):
                limits.bump("t:busy", 60)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert limits.value("t:busy") == threads * per_thread
