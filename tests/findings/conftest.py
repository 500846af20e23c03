"""The planted marketplace (world.py), built once per test module inside a transaction rolled back when the
module ends; each test runs in a savepoint of it, so every test starts from the same world."""

from __future__ import annotations

import pytest

from tests import factories as f

from . import world as planted


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker):
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield planted.build()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def w(_module_world, db) -> planted.Planted:
    return _module_world


@pytest.fixture
def market_officer(db):
    return f.principal("department_officer", f.organisation("department", "market_regulation", name="市场监管局"))


@pytest.fixture
def postal_officer(db):
    return f.principal("department_officer", f.organisation("department", "postal", name="邮政管理局"))


@pytest.fixture
def pbc_officer(db):
    return f.principal("department_officer", f.organisation("department", "pbc_nantong", name="人民银行南通分行"))


@pytest.fixture
def office(db):
    return f.principal("credit_office_admin", f.organisation("credit_office", "credit_office", name="市信用办"))
