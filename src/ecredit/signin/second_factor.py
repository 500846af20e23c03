"""The second factor: a TOTP authenticator (RFC 6238) and one-time backup codes, set up once and asked at login."""

from __future__ import annotations

import base64
import json
import secrets

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from ecredit.audit.services import Actor, ChainWriter
from ecredit.kit.errors import Conflict, ValidationFailed

from .models import Authenticator, BackupCodes, code_hash
from .rules import security, today

AUTHENTICATOR = "authenticator"
BACKUP = "backup"


def has_second_factor(user) -> bool:
    """True when `user` has a confirmed authenticator."""
    return Authenticator.objects.filter(user=user, confirmed=True).exists()


def pending_authenticator(user) -> Authenticator:
    """The authenticator being set up for `user` (made with a fresh secret when there is none)."""
    device = Authenticator.objects.filter(user=user, confirmed=False).first()
    return device or Authenticator.fresh(user, security().second_factor_rule(today()).tolerance_steps)


def provisioning_uri(device: Authenticator) -> str:
    """The otpauth:// URI an authenticator app scans (issuer from security.yaml)."""
    rule = security().second_factor_rule(today())
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    label = f"{rule.issuer}:{device.user.get_username()}"
    return f"otpauth://totp/{label}?secret={secret}&issuer={rule.issuer}&digits={device.digits}&period={device.step}"


def secret_text(device: Authenticator) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _code(value: str) -> str:
    return "".join(ch for ch in (value or "") if not ch.isspace())


@transaction.atomic
def confirm(request, code: str) -> list[str]:
    """Confirm the pending authenticator with a code from it; the new backup codes (shown once).

    Also completes this login's second step, so the user goes on without being asked again."""
    user = request.user
    device = pending_authenticator(user)
    if not device.verify_token(_code(code)):
        raise ValidationFailed(_("验证码不正确，请核对手机验证器上显示的6位数字（注意手机时间是否准确）"),
                               field="code", code="wrong_code")
    Authenticator.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_backup_codes(user)
    with ChainWriter() as log:
        log.append(Actor(f"user:{user.get_username()}", _organisation(user)), "second_factor.enrol", "auth.user",
                   user.pk, json.dumps({"user": user.get_username(), "authenticator": True,
                                        "backup_codes": len(codes)}, sort_keys=True))
    otp_login(request, device)
    return codes


def _new_backup_codes(user) -> list[str]:
    BackupCodes.objects.filter(user=user).delete()
    count = security().second_factor_rule(today()).backup_codes
    codes = [f"{secrets.randbelow(10 ** 8):08d}" for _ in range(count)]
    BackupCodes.objects.create(user=user, name=BACKUP, confirmed=True, code_hashes=[code_hash(c) for c in codes])
    return codes


def verify(request, code: str) -> str:
    """Complete the login's second step with an authenticator code or an unused backup code: "ok", "wrong", or
    "wait" when earlier wrong codes make every device refuse for a while (django-otp's growing delay)."""
    user, code = request.user, _code(code)
    devices = list(Authenticator.objects.filter(user=user, confirmed=True)) + \
        list(BackupCodes.objects.filter(user=user, confirmed=True))
    allowed = [d for d in devices if d.verify_is_allowed()[0]]
    if not allowed:
        return "wait"
    for device in allowed:
        if code and device.verify_token(code):
            otp_login(request, device)
            return "ok"
    return "wrong"


def remaining_backup_codes(user) -> int:
    """How many backup codes `user` has not used."""
    return sum(len(d.code_hashes) for d in BackupCodes.objects.filter(user=user))


@transaction.atomic
def reset(user, actor: Actor, reason: str) -> None:
    """Remove `user`'s second factor (a lost phone): the next login sets up a new one. Change-logged."""
    if not reason.strip():
        raise ValidationFailed(_("请说明重置原因"), field="reason", code="required")
    removed = Authenticator.objects.filter(user=user).delete()[0] + BackupCodes.objects.filter(user=user).delete()[0]
    with ChainWriter() as log:
        log.append(actor, "second_factor.reset", "auth.user", user.pk,
                   json.dumps({"user": user.get_username(), "removed": removed}, sort_keys=True), reason.strip())


def current_code(user) -> str:
    """The code `user`'s authenticator shows now (the demo's stand-in for a phone; never in production)."""
    if getattr(settings, "PRODUCTION", False):
        raise Conflict(_("生产环境不提供验证码"), code="production")
    device = Authenticator.objects.filter(user=user, confirmed=True).first() or pending_authenticator(user)
    return device.current_code()


def _organisation(user) -> str:
    membership = getattr(user, "membership", None)
    return membership.organisation.code if membership else ""
