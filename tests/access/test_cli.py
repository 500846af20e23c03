"""`ecredit api-client`: issue, use, rotate, list, rescope and revoke a client from the command line."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ecredit.access.models import ApiClient

from .conftest import batches_status

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("api-client", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_round_trip(platform_org):
    out, err = run("issue", "--org", platform_org.code, "--role", "platform_client", "--name", "order-sync",
                   "--scopes", "batch.view,record.read", "--days", "30")
    token = out.strip()
    assert token.startswith("ec_") and "\n" not in token and token not in err     # the token alone, on stdout
    assert "只显示这一次" in err
    assert batches_status(token) == 200
    client = ApiClient.objects.get(name="order-sync")
    assert client.scopes == ["batch.view", "record.read"] and client.issued_by.startswith("system:cli:")

    new, err = run("rotate", client.token_prefix)
    assert "仍然有效" in err and batches_status(new.strip()) == 200 and batches_status(token) == 200

    listing, _err = run("list")
    line = next(row for row in listing.splitlines() if "order-sync" in row)
    assert "batch.view,record.read" in line and "轮换过渡中" in line and new.strip()[:10] in line

    run("scopes", str(client.pk), "--set", "record.read")
    assert batches_status(new.strip()) == 403

    run("revoke", str(client.pk), "--reason", "合作终止")
    assert batches_status(new.strip()) == 401 and batches_status(token) == 401
    assert "order-sync" not in run("list")[0] and "已吊销" in run("list", "--all")[0]

    log = StringIO()
    call_command("verify-log", stdout=log)
    assert "intact" in log.getvalue()


def test_refusals_exit_2_with_the_reason(platform_org):
    with pytest.raises(CommandError, match="finding.run") as exc:
        run("issue", "--org", platform_org.code, "--role", "platform_client", "--name", "x",
            "--scopes", "finding.run")
    assert exc.value.returncode == 2
    with pytest.raises(CommandError, match="找不到"):
        run("revoke", "999", "--reason", "无")


def test_legacy_clients_are_listed_as_never_expiring(platform_org):
    from tests import factories as f

    f.client_token(platform_org, "platform_client", name="legacy")
    line = next(row for row in run("list")[0].splitlines() if "legacy" in row)
    assert "永不过期" in line
