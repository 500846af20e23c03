"""Passwords follow security.yaml (length, kinds of character, maximum age); sessions end when idle or too old."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from ecredit.signin.rules import security
from ecredit.signin.validators import character_classes
from tests.factories import console_login
from tests.signin.conftest import PASSWORD, password_step

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 11, 29, 1, 0, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("password, problem", [
    ("Ab-1", "至少需要10个字符"),
    ("abcdefghijk", "至少3种"),
    ("abcdefgh1234", "至少3种"),
    ("ABCDEFGH-+=_", "至少3种"),
], ids=["short", "one-kind", "two-kinds", "upper-and-signs"])
def test_weak_passwords_are_refused_with_the_reason(password, problem):
    with pytest.raises(ValidationError) as refused:
        validate_password(password)
    assert any(problem in message for message in refused.value.messages)


@pytest.mark.parametrize("password", ["Nantong-demo-2026", "qingdao7HAI!", "南通市信用办Ab12"],
                         ids=["demo", "mixed", "chinese"])
def test_strong_passwords_pass(password):
    validate_password(password)


@given(st.text(min_size=0, max_size=30))
def test_character_classes_counts_between_zero_and_four(text):
    kinds = character_classes(text)
    assert 0 <= kinds <= 4
    assert (kinds == 0) == (text == "")


def test_the_change_page_applies_the_policy_and_records_the_date(client, people):
    console_login(client, people["officer"])
    weak = client.post("/console/account/password", {"old_password": PASSWORD, "new_password1": "abcdefghijkl",
                                                     "new_password2": "abcdefghijkl"})
    assert weak.status_code == 422 and "至少3种" in weak.content.decode()
    ok = client.post("/console/account/password", {"old_password": PASSWORD, "new_password1": "Xin-mima-2027",
                                                   "new_password2": "Xin-mima-2027", "next": "/console/"})
    assert ok.status_code == 302
    assert client.get("/console/").status_code == 200              # still logged in
    assert people["officer"].password_change.changed_at is not None


def test_an_expired_password_must_be_changed_before_anything_else(client, people):
    days = security().password_rule().max_age_days
    with time_machine.travel(START + dt.timedelta(days=days + 1), tick=False):
        console_login(client, people["officer"])
        stopped = client.get("/console/findings/")
        assert stopped.url.startswith("/console/account/password?next=")
        assert client.get(stopped.url).status_code == 200
        client.post("/console/account/password", {"old_password": PASSWORD, "new_password1": "Xin-mima-2027",
                                                  "new_password2": "Xin-mima-2027"})
        assert client.get("/console/").status_code == 200


def test_an_idle_session_ends_and_the_officer_is_told(client, people):
    idle = security().session_rule().idle_minutes
    with time_machine.travel(START, tick=False) as clock:
        console_login(client, people["officer"])
        assert client.get("/console/").status_code == 200
        clock.shift(dt.timedelta(minutes=idle - 1))
        assert client.get("/console/").status_code == 200          # activity keeps it open
        clock.shift(dt.timedelta(minutes=idle + 1))
        ended = client.get("/console/findings/", follow=True)
        assert ended.redirect_chain[0][0].startswith("/console/login/?next=%2Fconsole%2Ffindings%2F")
        assert "会话已超时" in ended.content.decode()
        assert "_auth_user_id" not in client.session


def test_a_busy_session_still_ends_at_the_absolute_limit(client, people):
    rule = security().session_rule()
    with time_machine.travel(START, tick=False) as clock:
        password_step(client, "resident", path="/login")
        assert client.get("/me/").status_code == 200
        step = dt.timedelta(minutes=max(1, rule.idle_minutes - 5))
        elapsed = dt.timedelta()
        while elapsed < dt.timedelta(hours=rule.absolute_hours) - step:
            clock.shift(step)
            elapsed += step
            assert client.get("/me/").status_code == 200
        clock.shift(step * 2 if elapsed + step * 2 > dt.timedelta(hours=rule.absolute_hours) else step)
        assert client.get("/me/").status_code == 302              # back to the login page


def test_session_limits_come_from_security_yaml(client, people, security_rules):
    security_rules(lambda data: data["sessions"][0].update(idle_minutes=5))
    with time_machine.travel(START, tick=False) as clock:
        console_login(client, people["officer"])
        client.get("/console/")
        clock.shift(dt.timedelta(minutes=6))
        assert client.get("/console/").status_code == 302
