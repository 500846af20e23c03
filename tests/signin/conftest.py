"""Officers, a subject account and a staff user, with passwords, for the login-security tests."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from ecredit import policy
from ecredit.access.models import Membership
from ecredit.audit.services import Actor
from ecredit.registry import services as registry
from tests import factories as f
from tests.rulefiles import copy_rules, edit

PASSWORD = "Officer-pass-2026"


@pytest.fixture
def people(db):
    users = get_user_model().objects
    department = f.organisation("department", "market_regulation", name="市工商局")
    selfservice = f.organisation("subject", "self_service", name="本人查询")
    officer = users.create_user("officer", password=PASSWORD)
    Membership.objects.create(user=officer, organisation=department, role="department_officer")
    company = registry.register({"uscc": f.uscc(8801), "name": "南通登录测试有限公司"}, Actor("test"),
                                roles=["merchant"])
    resident = users.create_user("resident", password=PASSWORD)
    Membership.objects.create(user=resident, organisation=selfservice, role="subject_account", subject_id=company.pk)
    staff = users.create_user("keeper", password=PASSWORD, is_staff=True, is_superuser=True)
    return {"officer": officer, "resident": resident, "staff": staff}


@pytest.fixture
def security_rules(tmp_path):
    """Change security.yaml for one test: call with a function that edits its data."""
    folder = copy_rules(tmp_path)

    def change(edit_data):
        edit(folder / "security.yaml", edit_data)
        policy.reset(policy.load(folder))

    yield change
    policy.reset(None)


def password_step(client, username: str, password: str = PASSWORD, address: str = "10.0.0.1", path="/console/login/"):
    """POST the login form from `address`."""
    return client.post(path, {"username": username, "password": password, "next": "/console/"},
                       REMOTE_ADDR=address)
