"""The demo city's compensation side: quick, deterministic, every step present, the ledger balanced."""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from ecredit.audit.services import verify
from ecredit.compensation import ledger
from ecredit.compensation.models import ClaimStatus, CompensationClaim, ProtectionFund
from ecredit.console.demo import compensation as demo
from ecredit.registry import shops
from tests import factories as f

pytestmark = pytest.mark.django_db


def _snapshot():
    return sorted(CompensationClaim.objects.values_list("source_key", "status", "claimed_fen", "paid_fen",
                                                        "recovered_fen", "written_off_fen"))


def test_the_demo_claims(world, monkeypatch):
    monkeypatch.setattr(demo, "CLAIMS_PER_PLATFORM", 10)
    for org, principal in ((world.orgs["platform_1"], world.platform), (world.orgs["platform_2"], world.other_platform)):
        shops.report_shops([{"shop_id": f"D{n}", "name": f"演示店{n}", "operator": {"uscc": f.uscc(880000 + n)}}
                            for n in range(10)], principal)
    runs = []
    for _ in range(2):
        with transaction.atomic():
            started = time.perf_counter()
            made = demo.build(world.orgs)
            seconds = time.perf_counter() - started
            runs.append(_snapshot())
            statuses = set(CompensationClaim.objects.values_list("status", flat=True))
            assert made == 2 * demo.CLAIMS_PER_PLATFORM and seconds < 10
            assert {ClaimStatus.FILED, ClaimStatus.REJECTED, ClaimStatus.PAID} <= statuses
            assert ProtectionFund.objects.count() == 1          # the last platform has none
            assert ledger.problems() == [] and verify().ok
            transaction.set_rollback(True)
    assert runs[0] == runs[1]
