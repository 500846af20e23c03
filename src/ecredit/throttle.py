"""Request limits on the public site's costly requests: search, subject profiles, credit reports, lists.

security.yaml's `rate_limits` gives, per kind of request, how many requests one client address may make in
a fixed window of `per_seconds`; beyond it the request is refused with TooManyRequests (429, Retry-After).
Counters live in the shared cache (ecredit.limits), so every worker process counts against the same limit,
under a keyed hash of the address, so no address is stored. Only the public is limited: anonymous visitors
and subjects' own accounts. API clients with a valid token and logged-in officers are identified and
answerable, and are not.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import ngettext

from ecredit import limits, policy
from ecredit.kit import crypto
from ecredit.kit.errors import TooManyRequests

# Counters outlive their window by this much, so a clock a little ahead in another worker still finds them.
_GRACE_SECONDS = 5


def client_address(request: HttpRequest) -> str:
    """The client's address as the server saw it (behind nginx, ProxiedClientMiddleware put the real one)."""
    return (request.META.get("REMOTE_ADDR") or "").strip()[:64]


def _address_key(address: str) -> str:
    # No address (a misconfigured proxy) is one shared bucket, not a way around the limit.
    return crypto.keyed_hash(settings.KEYS.lookup_key, f"ip:{address}")


def exempt(request: HttpRequest) -> bool:
    """True for callers these limits do not apply to: an API client with a valid token, and a logged-in
    officer (an organisation's member who reads more than public data). Subjects' own accounts are public."""
    from ecredit.access.auth import principal_of
    from ecredit.access.principal import Principal

    principal = getattr(request, "auth", None)
    if not isinstance(principal, Principal):
        principal = principal_of(request)   # an invalid token is None: counted like anyone
    if principal is None or principal.is_anonymous or principal.acts_as_subject:
        return False
    if principal.label.startswith("client:"):
        return True
    return principal.organisation_id is not None and bool(principal.reads - {"public"})


def throttle(request: HttpRequest, kind: str) -> None:
    """Count this request against the client address's `kind` bucket; TooManyRequests beyond its limit."""
    now = timezone.now()
    bucket = policy.current().security.rate_limit(kind, timezone.localdate(now))
    if bucket is None or exempt(request):
        return
    moment = now.timestamp()
    window = int(moment // bucket.per_seconds)
    ends = (window + 1) * bucket.per_seconds
    key = f"throttle:{kind}:{bucket.per_seconds}:{window}:{_address_key(client_address(request))}"
    count = limits.bump(key, math.ceil(ends - moment) + _GRACE_SECONDS)
    if count > bucket.requests:
        wait = max(1, math.ceil(ends - moment))
        raise TooManyRequests(ngettext("请求过于频繁，请{n}秒后再试", "请求过于频繁，请{n}秒后再试", wait).format(n=wait),
                              retry_after=wait)


def throttled(kind: str, refused: Callable[[HttpRequest, TooManyRequests], HttpResponse] | None = None):
    """Decorator: count a view's request in bucket `kind` before the view (and any cache it serves from) runs.
    Beyond the limit `refused(request, error)` answers; without it the error goes on to the API's handler."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                throttle(request, kind)
            except TooManyRequests as error:
                if refused is None:
                    raise
                return refused(request, error)
            return view(request, *args, **kwargs)
        return wrapper
    return decorate
