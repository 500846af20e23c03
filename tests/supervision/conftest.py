"""Departments of the plan as organisations, and console logins, for supervision tests."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ecredit.access.models import Membership
from tests import factories as f
from tests.factories import console_login


def login(org, role: str, username: str) -> Client:
    """A console client logged in as a member of `org` with `role`."""
    user = get_user_model().objects.create_user(username, password="Secret-pass-2026")
    Membership.objects.create(user=user, organisation=org, role=role)
    client = Client()
    console_login(client, user)
    return client


@pytest.fixture
def commerce(db):
    return f.organisation("department", "commerce", name="市商务局")


@pytest.fixture
def commerce_officer(commerce):
    return f.principal("department_officer", commerce)


@pytest.fixture
def postal_officer(other_department):
    return f.principal("department_officer", other_department)
