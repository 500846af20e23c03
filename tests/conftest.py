"""Shared fixtures. Tests take the database from ECREDIT_DATABASE_URL (SQLite in memory when unset)."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("ECREDIT_TASKS", "immediate")

from tests import factories  # noqa: E402


@pytest.fixture(autouse=True, scope="session")
def immediate_tasks():
    """Background tasks run inline in tests. Settings are imported before this file (pytest-django sets Django
    up first), so ECREDIT_TASKS above does not reach them; switching the setting here resets the backends."""
    from django.test import override_settings

    # A fast password hasher: the production one takes ~0.5 s per password on purpose, and many fixtures make
    # logins (the API matrix's world alone makes one per case).
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
                           PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture
def department(db):
    return factories.organisation("department", "market_regulation", name="市工商局")


@pytest.fixture
def other_department(db):
    return factories.organisation("department", "postal", name="市邮政管理局")


@pytest.fixture
def credit_office(db):
    return factories.organisation("credit_office", "credit_office", name="市信用办")


@pytest.fixture
def platform_org(db):
    from ecredit.audit.services import Actor
    from ecredit.registry import services as registry

    code = factories.uscc(990001)
    registry.register({"uscc": code, "name": "测试电商平台"}, Actor("test"), roles=["platform"])
    return factories.organisation("platform", "platform_t", name="测试电商平台", uscc=code)


@pytest.fixture
def officer(department):
    return factories.principal("department_officer", department)


@pytest.fixture
def investigator(department):
    return factories.principal("department_investigator", department)


@pytest.fixture
def admin(credit_office):
    return factories.principal("credit_office_admin", credit_office)


@pytest.fixture
def public():
    from ecredit.access.principal import anonymous

    return anonymous()


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language (a request with Accept-Language: en leaves English active
    in the thread, and a later test would read English messages)."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def rules_copy(tmp_path):
    """A copy of the rules folder a test may edit (tests/rulefiles.edit) and load."""
    from tests.rulefiles import copy_rules

    return copy_rules(tmp_path)


@pytest.fixture
def no_rate_limits(monkeypatch):
    """For tests that make far more public requests than a person would (crawls, generated inputs): the
    limits per address of security.yaml (ecredit.throttle) let every request through."""
    monkeypatch.setattr("ecredit.throttle.exempt", lambda request: True)


@pytest.fixture
def rate_limits(rules_copy):
    """Set security.yaml's request limits for one test: `rate_limits(search=(3, 60))` writes them into a copy
    of the rules and loads it (requests per window of seconds); the policy before comes back afterwards."""
    from ecredit import policy
    from tests.rulefiles import edit

    before = policy.current()

    def change(**buckets: tuple[int, int]):
        def apply(data):
            for version in data["rate_limits"]:
                for kind, (requests, per_seconds) in buckets.items():
                    version["buckets"][kind] = {"requests": requests, "per_seconds": per_seconds}
        edit(rules_copy / "security.yaml", apply)
        policy.reset(policy.load(rules_copy))
        return policy.current()

    yield change
    policy.reset(before)
