"""Fixtures of the 放心消费 tests: a town with its reviewing departments and a platform."""

from __future__ import annotations

import pytest

from .world import Town


@pytest.fixture
def town(db) -> Town:
    return Town()
