"""Acknowledging updates with ids no row can have answers 'unknown', never a server error (found by make fuzz)."""

from __future__ import annotations

import pytest

from ecredit.complaints import services

pytestmark = pytest.mark.django_db


def test_out_of_range_ids_are_unknown(city):
    counts = services.acknowledge(city.hotline("12315"), [-624848258961553883136, 2**70, 0, -1])
    assert counts == {"acknowledged": 0, "already": 0, "unknown": 4}
