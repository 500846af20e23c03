"""Sessions end when idle or old; officers finish the second step before anything else; old passwords are changed.

Runs after django-otp's OTPMiddleware (which tells whether this session gave a one-time password)."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from . import rules
from .signals import SEEN, STARTED

# Pages a user half-way through signing in may still reach.
OPEN_PREFIXES = ("/console/account/otp", "/console/logout/", "/console/login/", "/logout", "/i18n/", "/static/",
                 "/lang/")
PASSWORD_PAGE = "/console/account/password"
# Where the console's people work: sent to the step they must finish rather than treated as visitors.
CONSOLE_PREFIXES = ("/console/",)
# Seconds between writes of the last-seen stamp (a session write per request would be wasted work).
SEEN_RESOLUTION = 60


class SignInPolicyMiddleware:
    """Idle and absolute session limits, the second factor and the password's maximum age (security.yaml)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response = self._check(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    def _check(self, request, user):
        path = request.path
        console = path.startswith(CONSOLE_PREFIXES)
        if self._session_over(request):
            logout(request)
            if console and not path.startswith(OPEN_PREFIXES):
                messages.warning(request, _("会话已超时，请重新登录"))
                return redirect(f"/console/login/?{urlencode({'next': request.get_full_path()})}")
            return None
        if path.startswith(OPEN_PREFIXES):
            return None
        if rules.requires_second_factor(user) and not user.is_verified():
            if console:
                from .second_factor import has_second_factor

                step = "otp" if has_second_factor(user) else "otp/setup"
                return redirect(f"/console/account/{step}?{urlencode({'next': request.get_full_path()})}")
            # Outside the console (portal, API) a session without its second step is no login at all.
            request.user = AnonymousUser()
            return None
        if console and rules.password_expired(user) and not path.startswith(PASSWORD_PAGE):
            messages.warning(request, _("密码已超过有效期，请先修改密码"))
            return redirect(f"/console/account/password?{urlencode({'next': request.get_full_path()})}")
        return None

    def _session_over(self, request) -> bool:
        """True when the session has been idle or open longer than the policy allows; else stamp it as seen."""
        rule = rules.security().session_rule(rules.today())
        session, now = request.session, int(time.time())
        started, seen = session.get(STARTED), session.get(SEEN)
        if started is None or seen is None:      # a session from before this policy (or a test's force_login)
            session[STARTED] = session[SEEN] = now
            return False
        if now - seen > rule.idle_minutes * 60 or now - started > rule.absolute_hours * 3600:
            return True
        if now - seen >= SEEN_RESOLUTION:
            session[SEEN] = now
        return False
