"""Console pages of API clients (接口客户端), for the credit office (client.manage):

- the list: each client's organisation, role, scopes, token prefix, when it was issued, expires and was last
  used, and its state; tokens without expiry (issued before expiry existed) are flagged; the form to issue a
  client; a rotate button and a revoke form per client;
- one client: its details, its scopes form and its change-log history.

A new token is rendered once, in the answer to the POST that made it (never stored, never cached); every write
goes through access.tokens, and a refusal comes back as the domain's message.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from ecredit import policy
from ecredit.access import tokens
from ecredit.access.models import ApiClient, ClientStatus, Organisation, OrganisationKind
from ecredit.audit.models import ChangeLogEntry
from ecredit.kit.errors import DomainError, ValidationFailed

from .views import console_principal

# Organisations that are people or the public get no API client.
NO_CLIENTS = (OrganisationKind.SUBJECT, OrganisationKind.PUBLIC)
STATUS_TAGS = {ClientStatus.ACTIVE: "ok", ClientStatus.ROTATING: "warn", ClientStatus.EXPIRED: "bad",
               ClientStatus.REVOKED: "bad", ClientStatus.DISABLED: "bad"}


def _principal(request):
    principal = console_principal(request)
    if not principal.can(tokens.MANAGE):
        raise PermissionDenied(_("您没有管理接口客户端的权限"))
    return principal


def _row(client: ApiClient, now) -> dict:
    status = client.status(now)
    return {"client": client, "status": ClientStatus(status).label, "tag": STATUS_TAGS[status],
            "scopes": [tokens.permission_name(code) for code in client.scopes],
            "never_expires": client.expires_at is None and client.revoked_at is None,
            "rotating": status == ClientStatus.ROTATING,
            "live": status not in (ClientStatus.REVOKED, ClientStatus.DISABLED)}


def _form_choices() -> dict:
    access = policy.current().access
    return {"organisations": Organisation.objects.filter(active=True).exclude(kind__in=NO_CLIENTS)
            .order_by("kind", "code"),
            "roles": [(code, role.name.zh) for code, role in access.roles.items()],
            "permissions": [(code, texts.zh) for code, texts in access.permissions.items()],
            "max_days": tokens.max_lifetime_days()}


def _index(request, principal, form: dict | None = None, status: int = 200):
    now = timezone.now()
    show_all = request.GET.get("all") == "1"
    found = tokens.clients(principal)
    if not show_all:
        found = found.filter(revoked_at__isnull=True)
    return render(request, "console/api_clients.html", dict(
        rows=[_row(c, now) for c in found], show_all=show_all, form=form or {}, **_form_choices()),
        status=status)


@login_required
@require_GET
def index(request):
    """Every client with its state, and the issue form."""
    return _index(request, _principal(request))


def _days(value: str) -> int | None:
    """The lifetime typed in a form (empty: the longest the policy allows)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed(_("有效期应为整数天"), field="days") from None


def _token_page(request, issued: tokens.Issued, rotated: bool):
    return render(request, "console/api_client_token.html", dict(
        client=issued.client, token=issued.token, rotated=rotated,
        scopes=[tokens.permission_name(code) for code in issued.client.scopes]))


@never_cache
@login_required
@require_POST
def issue(request):
    """Issue a client from the form; its token is on the answer and nowhere else."""
    principal = _principal(request)
    post = request.POST
    form = {"organisation": post.get("organisation", ""), "role": post.get("role", ""),
            "name": post.get("name", ""), "scopes": post.getlist("scopes"), "days": post.get("days", "")}
    try:
        issued = tokens.issue(principal, organisation=form["organisation"], role=form["role"],
                              name=form["name"], scopes=form["scopes"], days=_days(form["days"]))
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _index(request, principal, form, status=exc.http_status)
    return _token_page(request, issued, rotated=False)


def _client_id(principal, client_id: int) -> int:
    if not tokens.clients(principal).filter(pk=client_id).exists():
        raise Http404(_("接口客户端不存在"))
    return client_id


@never_cache
@login_required
@require_POST
def rotate(request, client_id: int):
    """A new token for the client; the old one works for the overlap the policy allows."""
    principal = _principal(request)
    try:
        issued = tokens.rotate(_client_id(principal, client_id), principal,
                               days=_days(request.POST.get("days", "")))
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("console:api_clients")
    return _token_page(request, issued, rotated=True)


@login_required
@require_POST
def revoke(request, client_id: int):
    """Revoke the client at once, with the reason given."""
    principal = _principal(request)
    try:
        client = tokens.revoke(_client_id(principal, client_id), principal,
                               reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已吊销“{name}”，其令牌即时失效").format(name=client.name))
    return redirect("console:api_clients")


@login_required
@require_GET
def client_page(request, client_id: int):
    """One client: details, scopes form, change-log history."""
    principal = _principal(request)
    client = tokens.clients(principal).filter(pk=client_id).first()
    if client is None:
        raise Http404(_("接口客户端不存在"))
    granted = set(tokens.grantable_scopes(client.role))
    access = policy.current().access
    names = {"issue": _("签发"), "rotate": _("轮换令牌"), "revoke": _("吊销"), "change_scopes": _("调整权限范围")}
    history = list(ChangeLogEntry.objects.filter(model=tokens.MODEL, object_id=client.pk).order_by("seq"))
    for entry in history:
        entry.action_name = names.get(entry.action, entry.action)
    role = access.roles.get(client.role)
    return render(request, "console/api_client.html", dict(
        row=_row(client, timezone.now()), client=client, role_name=role.name.zh if role else client.role,
        permissions=[(code, texts.zh, code in client.scopes) for code, texts in access.permissions.items()
                     if code in granted],
        history=history, max_days=tokens.max_lifetime_days()))


@login_required
@require_POST
def scopes(request, client_id: int):
    """Set the client's scopes (none ticked: everything its role grants)."""
    principal = _principal(request)
    try:
        tokens.set_scopes(_client_id(principal, client_id), principal, request.POST.getlist("scopes"))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已更新权限范围"))
    return redirect("console:api_client", client_id=client_id)


urlpatterns: list = [
    path("api-clients/", index, name="api_clients"),
    path("api-clients/issue", issue, name="api_client_issue"),
    path("api-clients/<int:client_id>/", client_page, name="api_client"),
    path("api-clients/<int:client_id>/rotate", rotate, name="api_client_rotate"),
    path("api-clients/<int:client_id>/revoke", revoke, name="api_client_revoke"),
    path("api-clients/<int:client_id>/scopes", scopes, name="api_client_scopes"),
]
