"""Officers and staff give a one-time code after the password: set up on the first login, asked afterwards;
backup codes work once; the public's and subjects' logins are untouched."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.oath import TOTP

from ecredit.audit import services as audit
from ecredit.audit.models import ChangeLogEntry
from ecredit.signin import second_factor
from ecredit.signin.models import Authenticator, BackupCodes
from ecredit.signin.rules import security
from tests.signin.conftest import password_step

pytestmark = pytest.mark.django_db


def _code_at(device: Authenticator, offset_steps: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, 0, device.digits, device.drift)
    totp.time = totp.time + offset_steps * device.step
    return f"{totp.token():06d}"


def _set_up(client, username="officer"):
    """Password, then the setup page, confirmed with the authenticator's code; the backup codes shown."""
    first = password_step(client, username)
    assert first.status_code == 302
    page = client.get("/console/", follow=True)
    assert page.redirect_chain[-1][0].startswith("/console/account/otp/setup")
    html = page.content.decode()
    assert "<svg" in html and 'id="otp-secret"' in html
    device = Authenticator.objects.get(user__username=username, confirmed=False)
    done = client.post("/console/account/otp/setup", {"code": _code_at(device), "next": "/console/"})
    assert done.status_code == 200
    codes = re.findall(r"<code>(\d{8})</code>", done.content.decode())
    return device, codes


def test_an_officer_sets_up_the_authenticator_on_the_first_login(client, people):
    device, codes = _set_up(client)
    assert len(codes) == security().second_factor_rule().backup_codes
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/console/").status_code == 200
    entry = ChangeLogEntry.objects.filter(action="second_factor.enrol").get()
    assert entry.actor == "user:officer" and "backup_codes" in entry.state
    assert audit.verify().ok


def test_without_the_code_the_console_the_admin_and_the_api_see_no_login(client, people):
    _set_up(client)
    client.logout()
    password_step(client, "officer")
    assert client.get("/console/findings/").url.startswith("/console/account/otp?next=%2Fconsole%2Ffindings%2F")
    assert client.get("/console/admin/").url.startswith("/console/account/otp")
    # Outside the console the half-finished login counts as nobody.
    answer = client.get("/api/v1/findings")
    assert answer.status_code in (401, 403)


def test_a_wrong_code_is_refused_and_the_right_one_lets_the_officer_in(client, people):
    device, _ = _set_up(client)
    client.logout()
    password_step(client, "officer")
    wrong = client.post("/console/account/otp", {"code": "000000" if _code_at(device) != "000000" else "111111"})
    assert wrong.status_code == 422 and "验证码不正确" in wrong.content.decode()
    device.refresh_from_db()
    device.throttling_failure_count = 0      # django-otp delays after a failure; a person would wait
    device.throttling_failure_timestamp = None
    device.save()
    ok = client.post("/console/account/otp", {"code": _code_at(device, 1), "next": "/console/findings/"})
    assert ok.status_code == 302 and ok.url == "/console/findings/"


def test_a_backup_code_works_once(client, people):
    _, codes = _set_up(client)
    client.logout()
    password_step(client, "officer")
    assert client.post("/console/account/otp", {"code": codes[0]}).status_code == 302
    client.logout()
    password_step(client, "officer")
    assert client.post("/console/account/otp", {"code": codes[0]}).status_code == 422
    assert second_factor.remaining_backup_codes(people["officer"]) == len(codes) - 1


def test_the_policy_number_of_wrong_codes_ends_the_session(client, people):
    _set_up(client)
    client.logout()
    password_step(client, "officer")
    for _ in range(security().second_factor_rule().max_wrong_codes - 1):
        client.post("/console/account/otp", {"code": "12345678"})
    last = client.post("/console/account/otp", {"code": "12345678"})
    assert last.status_code == 302 and last.url == "/console/login/"
    assert "_auth_user_id" not in client.session


def test_staff_of_the_admin_site_need_it_and_subject_accounts_do_not(client, people):
    password_step(client, "keeper")
    assert client.get("/console/admin/").url.startswith("/console/account/otp/setup")
    client.logout()
    assert password_step(client, "resident", path="/login").status_code == 302
    assert client.get("/me/").status_code == 200


def test_roles_asked_come_from_security_yaml(client, people, security_rules):
    security_rules(lambda data: data["second_factor"][0].update(roles=["credit_office_admin"]))
    password_step(client, "officer")
    assert client.get("/console/").status_code == 200


def test_the_setup_refuses_a_wrong_code_and_keeps_the_same_secret(client, people):
    password_step(client, "officer")
    client.get("/console/account/otp/setup")
    device = Authenticator.objects.get(user__username="officer")
    refused = client.post("/console/account/otp/setup", {"code": "99999"})
    assert refused.status_code == 422 and "验证码不正确" in refused.content.decode()
    assert Authenticator.objects.get(user__username="officer").bin_key == device.bin_key


def test_reset_by_command_is_change_logged_and_the_next_login_sets_up_again(client, people):
    _set_up(client)
    client.logout()
    with pytest.raises(CommandError):
        call_command("otp-reset", "officer", "--reason", " ")
    call_command("otp-reset", "officer", "--reason", "手机丢失，本人书面申请")
    assert not second_factor.has_second_factor(people["officer"])
    entry = ChangeLogEntry.objects.filter(action="second_factor.reset").get()
    assert entry.reason == "手机丢失，本人书面申请"
    password_step(client, "officer")
    assert client.get("/console/").url.startswith("/console/account/otp/setup")


def test_secrets_and_backup_codes_are_not_stored_in_clear(client, people):
    device, codes = _set_up(client)
    device.refresh_from_db()
    secret = device.bin_key
    assert secret.hex() not in bytes(device.sealed_secret).hex() and len(secret) == 20
    stored = BackupCodes.objects.get(user=people["officer"]).code_hashes
    assert len(stored) == len(codes) and not set(codes) & set(stored)
    assert all(code not in str(stored) for code in codes)


def test_the_demo_code_command_is_refused_in_production(people, settings, capsys):
    call_command("otp-code", "officer")
    assert re.fullmatch(r"\d{6}\n", capsys.readouterr().out)
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("otp-code", "officer")


def test_a_subject_account_whose_subject_is_gone_is_told_so(client, people):
    membership = people["resident"].membership
    membership.subject_id = 987_654_321
    membership.save()
    password_step(client, "resident", path="/login")
    page = client.get("/me/")
    assert page.status_code == 404 and 'id="subject-missing"' in page.content.decode()
