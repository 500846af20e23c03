"""Helpers of the token tests: issuing a platform's client as the credit office, calling the API with it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from ecredit.access import tokens


@pytest.fixture
def issue(platform_org, admin):
    """Issue a platform client (scopes, days as given) as the credit office; returns tokens.Issued."""
    counter = iter(range(1, 1000))

    def make(scopes=(), days=None, name=None, role="platform_client"):
        return tokens.issue(admin, organisation=platform_org.code, role=role,
                            name=name or f"sync-{next(counter)}", scopes=scopes, days=days)

    return make


def api(token: str) -> Client:
    """An HTTP client that calls the API with `token`."""
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def batches_status(token: str) -> int:
    """The status of GET /api/v1/records/batches (needs batch.view) with `token`."""
    return api(token).get("/api/v1/records/batches").status_code


def later(**delta):
    """Travel (clock stopped) to now + delta."""
    return time_machine.travel(timezone.now() + dt.timedelta(**delta), tick=False)
