"""Repeated wrong passwords lock the login (django-axes, security.yaml lockout): by user name and by address."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from ecredit.signin.rules import security
from tests.signin.conftest import PASSWORD, password_step

pytestmark = pytest.mark.django_db


def _fail(client, username, times, address="10.0.0.1"):
    return [password_step(client, username, "Wrong-pass-1", address).status_code for _ in range(times)]


def test_the_policy_limit_locks_the_account_even_with_the_right_password(client, people):
    limit = security().lockout_rule().failure_limit
    assert _fail(client, "officer", limit - 1) == [200] * (limit - 1)     # the form again, with its error
    locked = password_step(client, "officer", "Wrong-pass-1")
    assert locked.status_code == 429
    again = password_step(client, "officer", PASSWORD)
    assert again.status_code == 429
    text = again.content.decode()
    assert "登录失败次数过多" in text and f"{security().lockout_rule().cooloff_minutes}分钟" in text
    assert "_auth_user_id" not in client.session


def test_another_address_guessing_the_same_account_is_locked_too(client, people):
    limit = security().lockout_rule().failure_limit
    _fail(client, "officer", limit, address="10.0.0.1")
    assert password_step(client, "officer", PASSWORD, address="10.9.9.9").status_code == 429


def test_one_address_guessing_many_accounts_is_locked(client, people):
    limit = security().lockout_rule().failure_limit
    for n in range(limit):
        password_step(client, f"nobody{n}", "Wrong-pass-1", address="10.0.0.7")
    assert password_step(client, "resident", PASSWORD, address="10.0.0.7", path="/login").status_code == 429
    # Someone else, elsewhere, signs in as usual.
    assert password_step(client, "resident", PASSWORD, address="10.0.0.8", path="/login").status_code == 302


def test_the_lock_lifts_after_the_cool_off_and_a_success_clears_the_count(client, people):
    rule = security().lockout_rule()
    with time_machine.travel(dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.timezone.utc), tick=False) as clock:
        _fail(client, "officer", rule.failure_limit)
        assert password_step(client, "officer", PASSWORD).status_code == 429
        clock.shift(dt.timedelta(minutes=rule.cooloff_minutes + 1))
        assert password_step(client, "officer", PASSWORD).status_code == 302
        client.logout()
        # The count starts again from nothing: limit - 1 failures do not lock.
        _fail(client, "officer", rule.failure_limit - 1)
        assert password_step(client, "officer", PASSWORD).status_code == 302


def test_the_limit_comes_from_security_yaml(client, people, security_rules):
    security_rules(lambda data: data["lockout"][0].update(failure_limit=3))
    assert _fail(client, "officer", 3)[-1] == 429


def test_the_portal_login_is_guarded_too_and_says_so_in_english(client, people):
    limit = security().lockout_rule().failure_limit
    for _ in range(limit):
        password_step(client, "resident", "Wrong-pass-1", path="/login")
    client.cookies["django_language"] = "en"
    page = client.post("/login", {"username": "resident", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1",
                       HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 429
    assert "Too many failed logins" in page.content.decode()
