"""django-axes's hooks: its limits and cool-off from security.yaml, the client address as the proxy gives it, and
a lockout page in the site's language."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import render

from .rules import security, today


def failure_limit(request, credentials) -> int:
    """Failed logins before lockout (security.yaml lockout.failure_limit)."""
    return security().lockout_rule(today()).failure_limit


def cool_off(request=None) -> dt.timedelta:
    """How long a lockout lasts (security.yaml lockout.cooloff_minutes)."""
    return dt.timedelta(minutes=security().lockout_rule(today()).cooloff_minutes)


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, which ProxiedClientMiddleware sets from nginx's X-Real-IP."""
    return request.META.get("REMOTE_ADDR", "") or ""


def locked_out(request, original_response=None, credentials=None):
    """The page a locked-out login sees (429): how long to wait, and whom to ask."""
    portal = not request.path.startswith("/console/")
    minutes = security().lockout_rule(today()).cooloff_minutes
    template = "signin/locked_out_portal.html" if portal else "signin/locked_out.html"
    return render(request, template, {"minutes": minutes}, status=429)
