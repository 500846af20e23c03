"""The API world of tests/api (one caller of every kind, and what the matrix acts on), with a token for its
courier firm too; each test module builds its own (about a second), each test runs in a savepoint of it."""

from __future__ import annotations

import pytest

from tests.api.conftest import _module_world  # noqa: F401


@pytest.fixture(scope="module")
def _badinput_world(_module_world, django_db_blocker):  # noqa: F811
    from ecredit.access.models import Organisation
    from tests import factories as f

    with django_db_blocker.unblock():
        carrier = Organisation.objects.get(code="logistics_matrix")
        _module_world.tokens["carrier"] = f.client_token(carrier, "logistics_client", name="carrier")
    return _module_world


@pytest.fixture
def world(_badinput_world, db):
    return _badinput_world
