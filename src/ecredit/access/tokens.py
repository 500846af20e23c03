"""API clients' tokens: issue, rotate, revoke, narrow to scopes (GB/T 22239-2019 8.1.4.1 a, 8.1.4.2).

A token is shown once, when it is issued or rotated; only its SHA-256 is kept. Every token expires within
security.yaml's `api_tokens.max_lifetime_days`; after a rotation the previous token works for
`rotation_overlap_hours` more, so an integrator can switch without downtime. Each change is one change-log
entry holding the client's state (the digests only as their SM3 fingerprints), and `ecredit verify-log`
compares every logged client with its last entry, so a token, scope or expiry written in by hand is detected.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.audit.services import ChainWriter, state_text
from ecredit.kit import crypto
from ecredit.kit.errors import Conflict, NotFound, ValidationFailed

from .models import ApiClient, Organisation
from .principal import Principal

MODEL = "access.apiclient"
MANAGE = "client.manage"
STATE_FIELDS = ("organisation_id", "name", "role", "scopes", "token_prefix", "previous_prefix",
                "previous_valid_until", "active", "created_at", "issued_by", "expires_at", "rotated_at",
                "revoked_at", "revoked_by", "revoke_reason")
MAX_REASON = 500


@dataclass(frozen=True)
class Issued:
    """A client and its new token, which exists nowhere else: show it once, then forget it."""

    client: ApiClient
    token: str


# ---------------------------------------------------------------------------------------------- state


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def client_state(client: ApiClient) -> str:
    """The client's canonical state as the change log keeps it (tokens only as fingerprints of digests)."""
    state = {name: _value(getattr(client, name)) for name in STATE_FIELDS}
    state["token"] = crypto.sm3_hex(client.token_digest.encode("ascii"))
    previous = client.previous_digest
    state["previous_token"] = crypto.sm3_hex(previous.encode("ascii")) if previous else ""
    return state_text(state)


def iter_states() -> Iterator[tuple[int, str]]:
    """(id, state) of every client issued through this module, for `ecredit verify-log`."""
    # Clients written before tokens were logged (and the demo's fixed ones) have no entry; once one is rotated
    # or revoked here it is logged and checked from then on.
    for client in ApiClient.objects.filter(log_seq__isnull=False).order_by("id").iterator(chunk_size=2000):
        yield client.pk, client_state(client)


def _save_logged(client: ApiClient, log: ChainWriter, principal: Principal, action: str,
                 reason: str = "") -> None:
    if client.pk is None:
        client.save()
    client.log_seq = log.append(principal.actor, action, MODEL, client.pk, client_state(client),
                                reason[:2000])
    client.save()


# ---------------------------------------------------------------------------------------------- rules


def _rule(now: dt.datetime):
    return policy.current().security.token_rule(timezone.localdate(now))


def max_lifetime_days(now: dt.datetime | None = None) -> int:
    """The longest a token may live, in days, under the rule in force."""
    return _rule(now or timezone.now()).max_lifetime_days


def _expiry(now: dt.datetime, days: int | None) -> dt.datetime:
    longest = _rule(now).max_lifetime_days
    days = longest if days is None else days
    if not 1 <= days <= longest:
        raise ValidationFailed(_("令牌有效期应为 1 至 {max} 天").format(max=longest), field="days")
    return now + dt.timedelta(days=days)


def permission_name(code: str) -> str:
    """A permission's Chinese name from access.yaml (the code itself when unknown)."""
    texts = policy.current().access.permissions.get(code)
    return texts.zh if texts else code


def grantable_scopes(role: str) -> list[str]:
    """The permissions a client of `role` may be narrowed to, in access.yaml's order."""
    rules = policy.current().access
    granted = set(rules.roles[role].permissions) if role in rules.roles else set()
    return [code for code in rules.permissions if code in granted]


def check_scopes(role: str, scopes: Iterable[str]) -> list[str]:
    """`scopes` cleaned and sorted; ValidationFailed naming any that is unknown or not granted by `role`."""
    wanted = sorted({s.strip() for s in scopes if s and s.strip()})
    rules = policy.current().access
    unknown = [s for s in wanted if s not in rules.permissions]
    if unknown:
        raise ValidationFailed(_("未知的权限：{codes}").format(codes="、".join(unknown)), field="scopes",
                               details={"unknown": unknown})
    granted = set(rules.roles[role].permissions) if role in rules.roles else set()
    outside = [s for s in wanted if s not in granted]
    if outside:
        role_name = rules.roles[role].name.zh if role in rules.roles else role
        raise ValidationFailed(
            _("角色“{role}”不具有以下权限，不能列入权限范围：{names}").format(
                role=role_name, names="、".join(f"{permission_name(s)}（{s}）" for s in outside)),
            field="scopes", details={"not_granted": outside})
    return wanted


def _organisation(code: str) -> Organisation:
    org = Organisation.objects.filter(code=(code or "").strip()).first()
    if org is None or not org.active:
        raise ValidationFailed(_("单位“{code}”不存在或已停用").format(code=code), field="organisation")
    return org


def _role(role: str, org: Organisation) -> str:
    rules = policy.current().access
    if role not in rules.roles:
        raise ValidationFailed(_("未知的角色：{role}").format(role=role), field="role")
    if org.kind not in rules.roles[role].organisation_kinds:
        kind = rules.organisation_kinds.get(org.kind)
        raise ValidationFailed(_("角色“{role}”不适用于{kind}“{org}”").format(
            role=rules.roles[role].name.zh, kind=kind.zh if kind else org.kind, org=org.name), field="role")
    return role


def _locked(client_id: int) -> ApiClient:
    client = ApiClient.objects.select_for_update().select_related("organisation").filter(pk=client_id).first()
    if client is None:
        raise NotFound(_("接口客户端不存在"))
    if client.revoked_at is not None:
        raise Conflict(_("该接口客户端已于 {at} 吊销").format(
            at=timezone.localtime(client.revoked_at).strftime("%Y-%m-%d %H:%M")), code="revoked")
    return client


# ---------------------------------------------------------------------------------------------- operations


def clients(principal: Principal) -> QuerySet:
    """Every API client, for those who manage them: organisation, then name."""
    principal.require(MANAGE)
    return ApiClient.objects.select_related("organisation").order_by(
        "organisation__kind", "organisation__code", "name", "id")


def issue(principal: Principal, *, organisation: str, role: str, name: str, scopes: Iterable[str] = (),
          days: int | None = None, token: str | None = None, now: dt.datetime | None = None) -> Issued:
    """A new client of `organisation` (its code) in `role`, narrowed to `scopes` (none: all the role grants),
    whose token expires after `days` (default and most: the policy's lifetime). `token`: fixed demo tokens."""
    principal.require(MANAGE)
    now = now or timezone.now()
    org = _organisation(organisation)
    role = _role(role, org)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed(_("请填写名称（不超过100字）"), field="name")
    scopes = check_scopes(role, scopes)
    expires_at = _expiry(now, days)
    with transaction.atomic(), ChainWriter(at=now) as log:
        if ApiClient.objects.filter(organisation=org, name=name, revoked_at__isnull=True).exists():
            raise Conflict(_("“{org}”已有名为“{name}”的接口客户端").format(org=org.name, name=name), code="duplicate")
        client = ApiClient(organisation=org, name=name, role=role, scopes=scopes, expires_at=expires_at,
                           issued_by=principal.label)
        token = client.issue_token(token)
        _save_logged(client, log, principal, "issue")
    return Issued(client, token)


def rotate(client_id: int, principal: Principal, *, days: int | None = None,
           now: dt.datetime | None = None) -> Issued:
    """A new token for the client; the current one keeps working for the policy's overlap (never beyond its
    own expiry), and a previous one still in its overlap stops at once."""
    principal.require(MANAGE)
    now = now or timezone.now()
    expires_at = _expiry(now, days)
    overlap = dt.timedelta(hours=_rule(now).rotation_overlap_hours)
    with transaction.atomic(), ChainWriter(at=now) as log:
        client = _locked(client_id)
        if not client.active:
            raise Conflict(_("该接口客户端已停用，不能轮换令牌"), code="disabled")
        old_until = now + overlap if client.expires_at is None else min(now + overlap, client.expires_at)
        if old_until > now:
            client.previous_digest, client.previous_prefix = client.token_digest, client.token_prefix
            client.previous_valid_until = old_until
        else:
            client.previous_digest, client.previous_prefix, client.previous_valid_until = "", "", None
        token = client.issue_token()
        client.expires_at, client.rotated_at = expires_at, now
        _save_logged(client, log, principal, "rotate")
    return Issued(client, token)


def revoke(client_id: int, principal: Principal, *, reason: str, now: dt.datetime | None = None) -> ApiClient:
    """Revoke the client at once: its current and previous tokens are refused from now on; keeps who, why."""
    principal.require(MANAGE)
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise ValidationFailed(_("请说明吊销原因（不超过{n}字）").format(n=MAX_REASON), field="reason")
    with transaction.atomic(), ChainWriter(at=now) as log:
        client = _locked(client_id)
        client.active = False
        client.revoked_at, client.revoked_by, client.revoke_reason = now, principal.label, reason
        _save_logged(client, log, principal, "revoke", reason)
    return client


def set_scopes(client_id: int, principal: Principal, scopes: Iterable[str], *,
               now: dt.datetime | None = None) -> ApiClient:
    """Narrow (or widen, within its role) what the client may do; an empty list: all its role grants."""
    principal.require(MANAGE)
    now = now or timezone.now()
    with transaction.atomic(), ChainWriter(at=now) as log:
        client = _locked(client_id)
        wanted = check_scopes(client.role, scopes)
        if wanted != sorted(client.scopes or []):
            client.scopes = wanted
            _save_logged(client, log, principal, "change_scopes", "scopes: " + (", ".join(wanted) or "*"))
    return client
