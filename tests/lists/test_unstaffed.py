"""A measure whose implementer has no organisation in the system is shown to the credit office."""

from __future__ import annotations

import datetime as dt

import pytest

from ecredit.lists import joint
from tests import factories as f
from tests.factories import console_login

pytestmark = pytest.mark.django_db


def test_measures_without_an_implementer_are_listed_until_it_has_an_account():
    missing = {m["code"] for m in joint.unstaffed_measures(dt.date(2026, 6, 1))}
    assert {"easier_credit", "bank_credit_caution", "green_channel"} <= missing
    f.organisation("bank", "bank_t", name="测试银行")
    f.organisation("department", "admin_approval", name="市行政审批局")
    missing = {m["code"] for m in joint.unstaffed_measures(dt.date(2026, 6, 1))}
    assert not {"easier_credit", "bank_credit_caution", "green_channel"} & missing


def test_the_credit_office_sees_them_on_the_supervision_page(client):
    from django.contrib.auth import get_user_model

    from ecredit.access.models import Membership

    office = f.organisation("credit_office", "credit_office", name="市信用办")
    user = get_user_model().objects.create_user("office_t", password="x-Office-2026")
    Membership.objects.create(user=user, organisation=office, role="credit_office_admin")
    console_login(client, user)
    page = client.get("/console/lists/supervision/").content.decode()
    assert "无实施单位账号的措施" in page and "审慎授信" in page
