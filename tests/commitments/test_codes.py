"""Commitment codes: 6-digit region of this city (regions.yaml) + the signing date + a 6-digit serial that counts
up per region and date, unique however many sign at once.

On PostgreSQL the concurrency test runs real threads, each with its own connection, against committed data; on
SQLite (one writer at a time by construction) many signings run one after another instead."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import defaultdict

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecredit import policy
from ecredit.audit.services import Actor
from ecredit.commitments import services, signing
from ecredit.commitments.models import CodeCounter, Commitment
from ecredit.registry import services as registry
from tests import factories as f

from .conftest import TZ, build_cast

def _regions() -> list[str]:
    rules = policy.current().regions
    return [rules.city.code, *(d.code for d in rules.districts)]


# ---------------------------------------------------------------------------------------------- pure


@given(region=st.sampled_from(["320600", "320612", "320681"]), day=st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)),
       serial=st.integers(1, 999_999))
def test_code_round_trips(region, day, serial):
    code = signing.format_code(region, day, serial)
    assert len(code) == 20 and code.isdigit()
    assert signing.parse_code(code) == (region, day, serial)
    assert signing.parse_code(f" {code[:6]}-{code[6:14]}-{code[14:]} ") == (region, day, serial)


@given(st.text(max_size=30))
def test_anything_else_is_not_a_code(text):
    parsed = signing.parse_code(text)
    if parsed is not None:
        region, day, serial = parsed
        assert 1 <= serial <= 999_999 and signing.format_code(region, day, serial) == signing.normalise_code(text)


@pytest.mark.parametrize("bad", ["", "3206122026112900000", "32061220261329000001", "32061220260229000001",
                                 "32061220261129000000", "32061220261129ABCDEF", "ECR-0000-0000-0000-0000"])
def test_malformed_codes(bad):
    assert signing.parse_code(bad) is None


# ---------------------------------------------------------------------------------------------- database


def _subjects_by_region() -> dict[str, object]:
    """One registered company per region of the city (and one outside it)."""
    actor = Actor("test", "market_regulation")
    found = {}
    for index, region in enumerate([*_regions(), "110105"]):
        found[region] = registry.register({"uscc": f.uscc(5000 + index), "name": f"区县测试公司{index}"}, actor,
                                          region=region)
    return found


@pytest.fixture
def by_region(cast):
    return _subjects_by_region()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(signings=st.lists(st.tuples(st.integers(0, 8), st.integers(0, 2)), min_size=1, max_size=12))
def test_code_format_property(cast, by_region, signings):
    """Whoever signs on whatever day: the region is the subject's district (the city's code outside it), the date
    is the signing date, and serials run 1, 2, 3 … per region and date in signing order."""
    regions = list(by_region)
    start = f.today() - dt.timedelta(days=10)
    with transaction.atomic():
        expected: dict[tuple[str, dt.date], int] = defaultdict(int)
        for region_index, day_offset in signings:
            subject = by_region[regions[region_index % len(regions)]]
            day = start + dt.timedelta(days=day_offset)
            now = dt.datetime(day.year, day.month, day.day, 9, tzinfo=TZ)
            principal = f.principal("subject_account", cast.orgs["self"], subject_id=subject.pk)
            c = services.sign(principal, commitment_type="voluntary", now=now, visibility="not_public")
            region, signed_on, serial = signing.parse_code(c.code)
            assert region in _regions()
            assert region == (subject.region if subject.region in _regions() else policy.current().regions.city.code)
            assert signed_on == day == c.signed_on
            expected[(region, day)] += 1
            assert serial == expected[(region, day)] == c.serial
        transaction.set_rollback(True)


def test_many_signings_get_distinct_consecutive_codes(cast):
    n = 150
    started = time.perf_counter()
    codes = [services.sign(cast["company"], commitment_type="approval_substitute", matter=f"事项{i}",
                           accepted_by="market_regulation").code for i in range(n)]
    per_signing_ms = (time.perf_counter() - started) / n * 1000
    assert len(set(codes)) == n
    assert [signing.parse_code(c)[2] for c in codes] == list(range(1, n + 1))
    assert CodeCounter.objects.get().last == n
    print(f"sequential signing: {per_signing_ms:.2f} ms per commitment ({connection.vendor})")


def test_code_is_unique_in_the_database(cast):
    c = services.sign(cast["company"], commitment_type="voluntary")
    from django.db import IntegrityError

    clone = Commitment.objects.get(pk=c.pk)
    clone.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


# ---------------------------------------------------------------------------------------------- concurrency


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="threads need separate connections: run with ECREDIT_DATABASE_URL=postgresql://…")


def _in_threads(worker, count: int) -> list:
    results, errors, barrier = [], [], threading.Barrier(count)

    def run(index):
        try:
            barrier.wait()
            results.extend(worker(index))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_signers_get_unique_codes():
    cast = build_cast()
    threads, each = 8, 10

    def worker(index):
        who = ["company", "platform", "logistics", "person"][index % 4]
        return [services.sign(cast[who], commitment_type="voluntary", matter=f"线程{index}-{i}").code
                for i in range(each)]

    codes = _in_threads(worker, threads)
    assert len(codes) == len(set(codes)) == threads * each
    serials = defaultdict(list)
    for code in codes:
        region, day, serial = signing.parse_code(code)
        serials[(region, day)].append(serial)
    for values in serials.values():
        assert sorted(values) == list(range(1, len(values) + 1))


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_counter_alone_serialises_allocation():
    """Without the change log's lock around it (each thread its own transaction), the locked counter row still
    never gives a serial twice."""
    day = dt.date(2026, 3, 2)

    def worker(index):
        out = []
        for _ in range(25):
            with transaction.atomic():
                out.append(signing.allocate_serial("320612", day))
        return out

    serials = _in_threads(worker, 8)
    assert sorted(serials) == list(range(1, 8 * 25 + 1))
