"""The demo city's commitments side builds on a small city, quickly, and leaves the change log intact."""

from __future__ import annotations

import time

import pytest

from ecredit.access.models import Organisation
from ecredit.audit.services import verify
from ecredit.commitments.models import Commitment
from ecredit.console.demo import commitments as demo

pytestmark = pytest.mark.django_db


def test_demo_commitments(cast):
    from ecredit.registry import shops
    from tests import factories as f

    shops.report_shops([{"shop_id": f"D{i}", "name": f"示范网店{i}", "operator": {"uscc": f.uscc(7000 + i)}}
                        for i in range(10)], cast["platform"])
    started = time.perf_counter()
    made = demo.build({o.code: o for o in Organisation.objects.all()})
    seconds = time.perf_counter() - started
    assert made == Commitment.objects.count() > 0
    statuses = set(Commitment.objects.values_list("status", flat=True))
    assert {"in_force", "withdrawn", "refused"} <= statuses
    assert verify().ok
    assert seconds < 5, seconds
