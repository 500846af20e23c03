"""The login's second step (set up an authenticator, give a code) and changing one's password."""

from __future__ import annotations

from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from ecredit.kit.errors import ValidationFailed

from . import rules, second_factor

WRONG = "signin.wrong_codes"


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/console/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        return "/console/"
    return target


@never_cache
@login_required(login_url="/console/login/")
def verify(request):
    """Ask for the code from the authenticator (or a backup code) after the password."""
    user = request.user
    if not rules.requires_second_factor(user) or user.is_verified():
        return redirect(_next(request))
    if not second_factor.has_second_factor(user):
        return redirect(f"/console/account/otp/setup?{urlencode({'next': _next(request)})}")
    error = ""
    if request.method == "POST":
        outcome = second_factor.verify(request, request.POST.get("code", ""))
        if outcome == "ok":
            request.session.pop(WRONG, None)
            left = second_factor.remaining_backup_codes(user)
            if left <= 2:
                messages.warning(request, _("备用验证码仅剩{n}个，请联系管理员重置").format(n=left))
            return redirect(_next(request))
        wrong = request.session.get(WRONG, 0) + 1
        if wrong >= rules.security().second_factor_rule(rules.today()).max_wrong_codes:
            logout(request)
            messages.error(request, _("验证码错误次数过多，请重新登录"))
            return redirect("/console/login/")
        request.session[WRONG] = wrong
        error = _("验证码错误次数过多，请稍后再试") if outcome == "wait" else _("验证码不正确")
    return render(request, "signin/otp_verify.html", {"error": error, "next": _next(request)},
                  status=422 if error else 200)


@never_cache
@login_required(login_url="/console/login/")
def setup(request):
    """Set up the authenticator: scan the code (or type the secret), confirm with a code; backup codes once."""
    user = request.user
    if not rules.requires_second_factor(user):
        return redirect(_next(request))
    if second_factor.has_second_factor(user):
        return redirect(f"/console/account/otp?{urlencode({'next': _next(request)})}")
    device = second_factor.pending_authenticator(user)
    error = ""
    if request.method == "POST":
        try:
            codes = second_factor.confirm(request, request.POST.get("code", ""))
        except ValidationFailed as exc:
            error = exc.message
        else:
            return render(request, "signin/backup_codes.html", {"codes": codes, "next": _next(request)})
    uri = second_factor.provisioning_uri(device)
    qr = segno.make(uri, error="m").svg_inline(scale=5, title=_("用手机验证器扫描"))
    return render(request, "signin/otp_setup.html", {"qr": qr, "secret": second_factor.secret_text(device),
                                                     "error": error, "next": _next(request)},
                  status=422 if error else 200)


@never_cache
@sensitive_post_parameters()
@login_required(login_url="/console/login/")
def password(request):
    """Change one's own password (the policy's rules shown and applied); the session stays logged in."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        messages.success(request, _("密码已修改"))
        return redirect(_next(request))
    return render(request, "signin/password.html", {"form": form, "next": _next(request),
                                                    "expired": rules.password_expired(request.user)},
                  status=422 if form.errors else 200)
