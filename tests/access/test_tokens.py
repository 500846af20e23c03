"""API tokens: scopes narrow what a role grants, every token expires, rotation overlaps, revocation is
immediate, last use is kept, and every change is in a change log that still verifies."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ecredit import policy
from ecredit.access import tokens
from ecredit.access.models import ApiClient
from ecredit.audit.models import ChangeLogEntry
from ecredit.audit.services import verify
from ecredit.kit.errors import Conflict, Forbidden, ValidationFailed
from tests import factories as f

from .conftest import api, batches_status, later

pytestmark = pytest.mark.django_db


def rule():
    return policy.current().security.token_rule()


def test_scoped_token_is_refused_outside_its_scopes(issue):
    scoped = issue(scopes=["batch.view", "record.read"]).token
    unscoped = issue().token
    body = {"records": [f.penalty("SC1")]}
    refused = api(scoped).post("/api/v1/records/batches", body, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["details"] == {"permission": "record.submit"}
    accepted = api(unscoped).post("/api/v1/records/batches", body, content_type="application/json")
    assert accepted.status_code == 200
    assert batches_status(scoped) == 200            # inside its scopes


def test_scopes_the_role_does_not_grant_are_refused_by_name(issue):
    with pytest.raises(ValidationFailed) as exc:
        issue(scopes=["record.read", "finding.run", "parcel.report"])
    message = str(exc.value.message)
    assert "finding.run" in message and "运行造假检测任务" in message and "parcel.report" in message
    assert "record.read" not in message
    with pytest.raises(ValidationFailed, match="未知的权限：record.delete_all"):
        issue(scopes=["record.delete_all"])
    assert not ApiClient.objects.exists()


def test_only_the_credit_office_manages_clients(platform_org, officer):
    with pytest.raises(Forbidden):
        tokens.issue(officer, organisation=platform_org.code, role="platform_client", name="x")
    granted = [name for name, role in policy.current().access.roles.items()
               if "client.manage" in role.permissions]
    assert granted == ["credit_office_admin"]


def test_role_must_fit_the_organisation(issue):
    with pytest.raises(ValidationFailed, match="不适用于"):
        issue(role="department_officer")


def test_every_new_token_expires_at_most_after_the_policy_lifetime(issue):
    longest = rule().max_lifetime_days
    issued = issue()
    lifetime = issued.client.expires_at - issued.client.created_at
    assert abs(lifetime.total_seconds() - longest * 86400) < 60
    with pytest.raises(ValidationFailed, match=f"1 至 {longest} 天"):
        issue(days=longest + 1)
    short = issue(days=2).token
    with later(days=1, hours=23):
        assert batches_status(short) == 200
    with later(days=2, minutes=1):
        assert batches_status(short) == 401


def test_legacy_token_without_expiry_still_works(platform_org):
    token = f.client_token(platform_org, "platform_client")     # as written before expiry existed
    with later(days=5 * 365):
        assert batches_status(token) == 200


def test_rotated_token_works_during_the_overlap_and_not_after(issue, admin):
    overlap = rule().rotation_overlap_hours
    first = issue()
    second = tokens.rotate(first.client.pk, admin)
    assert second.token != first.token
    with later(hours=overlap - 1):
        assert batches_status(first.token) == 200 and batches_status(second.token) == 200
    with later(hours=overlap, minutes=1):
        assert batches_status(first.token) == 401 and batches_status(second.token) == 200


def test_rotating_again_ends_the_previous_token_at_once(issue, admin):
    first = issue()
    second = tokens.rotate(first.client.pk, admin)
    third = tokens.rotate(first.client.pk, admin)
    assert batches_status(first.token) == 401
    assert batches_status(second.token) == 200 and batches_status(third.token) == 200


def test_the_old_token_never_outlives_its_own_expiry(issue, admin):
    first = issue(days=1)
    with later(hours=23, minutes=30):
        tokens.rotate(first.client.pk, admin)
    with later(days=1, minutes=1):                # within the overlap, but past the old token's expiry
        assert batches_status(first.token) == 401


def test_revoked_client_is_refused_at_once_with_both_tokens(issue, admin):
    first = issue()
    second = tokens.rotate(first.client.pk, admin)
    client = tokens.revoke(first.client.pk, admin, reason="合作终止")
    assert batches_status(first.token) == 401 and batches_status(second.token) == 401
    client.refresh_from_db()
    assert client.revoked_at and client.revoked_by == admin.label and client.revoke_reason == "合作终止"
    with pytest.raises(Conflict, match="已于"):
        tokens.rotate(client.pk, admin)
    with pytest.raises(Conflict):
        tokens.revoke(client.pk, admin, reason="再次")
    with pytest.raises(ValidationFailed, match="吊销原因"):
        tokens.revoke(issue().client.pk, admin, reason="  ")


def test_scope_change_takes_effect_on_the_next_call(issue, admin):
    issued = issue()
    assert batches_status(issued.token) == 200
    tokens.set_scopes(issued.client.pk, admin, ["record.read"])
    assert batches_status(issued.token) == 403
    tokens.set_scopes(issued.client.pk, admin, [])
    assert batches_status(issued.token) == 200
    with pytest.raises(ValidationFailed, match="trace.view"):
        tokens.set_scopes(issued.client.pk, admin, ["trace.view"])


def test_last_use_is_kept_once_a_minute(issue):
    issued = issue()
    batches_status(issued.token)
    first = ApiClient.objects.get(pk=issued.client.pk).last_used_at
    assert first is not None and (timezone.now() - first).total_seconds() < 60
    with later(seconds=30):
        batches_status(issued.token)
    assert ApiClient.objects.get(pk=issued.client.pk).last_used_at == first
    with later(seconds=90):
        batches_status(issued.token)
    assert ApiClient.objects.get(pk=issued.client.pk).last_used_at > first


def test_every_change_is_logged_and_the_log_verifies(issue, admin):
    issued = issue(scopes=["batch.view"])
    tokens.rotate(issued.client.pk, admin)
    tokens.set_scopes(issued.client.pk, admin, ["batch.view", "record.read"])
    tokens.revoke(issued.client.pk, admin, reason="测试")
    entries = ChangeLogEntry.objects.filter(model=tokens.MODEL, object_id=issued.client.pk).order_by("seq")
    assert [e.action for e in entries] == ["issue", "rotate", "change_scopes", "revoke"]
    assert all(e.actor == admin.label for e in entries)
    assert issued.token not in "".join(e.state for e in entries)     # the token is never written down
    assert verify().ok


def test_a_token_or_scope_written_into_the_table_by_hand_is_detected(issue):
    issued = issue(scopes=["batch.view"])
    assert verify().ok
    ApiClient.objects.filter(pk=issued.client.pk).update(scopes=["batch.view", "record.submit"])
    result = verify()
    assert not result.ok and f"access.apiclient:{issued.client.pk}" in result.problem
    ApiClient.objects.filter(pk=issued.client.pk).update(scopes=["batch.view"])
    assert verify().ok
    planted = ApiClient(organisation=issued.client.organisation)
    planted.issue_token("ec_planted_token")
    ApiClient.objects.filter(pk=issued.client.pk).update(token_digest=planted.token_digest)
    assert not verify().ok
