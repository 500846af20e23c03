"""Sign-in data: when a password was last set, and the second factor's devices with their secrets sealed.

GB/T 22239-2019 8.1.4.8 asks that authentication data be kept confidential in storage: the authenticator's TOTP
secret is stored SM4-GCM sealed under the data key (like resident IDs), backup codes only as keyed hashes."""

from __future__ import annotations

import secrets
import time

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP

from ecredit.kit import crypto

SECRET_BYTES = 20          # RFC 4226's recommended 160-bit HMAC-SHA1 secret


class PasswordChange(models.Model):
    """The last time a user set a password (no password, no hash: only when). A user without a row counts from
    the day the account was made."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_change")
    changed_at = models.DateTimeField(_("最近修改密码时间"))

    class Meta:
        verbose_name = _("密码修改时间")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.user} {self.changed_at:%Y-%m-%d}"


def _seal(secret: bytes, user_id: int) -> bytes:
    return crypto.encrypt(settings.KEYS.data_key, secret.hex(), f"totp:{user_id}".encode())


class Authenticator(TimestampMixin, ThrottlingMixin, Device):
    """A TOTP authenticator app (RFC 6238, 30-s steps, 6 digits) whose secret is stored sealed, never in clear.

    A code is accepted once (`last_t`), within `tolerance` steps of now; wrong codes slow further tries."""

    sealed_secret = models.BinaryField(_("密钥（加密存储）"))
    step = models.PositiveSmallIntegerField(default=30)
    digits = models.PositiveSmallIntegerField(default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = _("动态验证码验证器")
        verbose_name_plural = verbose_name

    @classmethod
    def fresh(cls, user, tolerance: int) -> "Authenticator":
        """A new, unconfirmed authenticator for `user` with a random secret."""
        device = cls(user=user, name="authenticator", confirmed=False, tolerance=tolerance)
        device.sealed_secret = _seal(secrets.token_bytes(SECRET_BYTES), user.pk)
        device.save()
        return device

    @property
    def bin_key(self) -> bytes:
        """The secret, unsealed (only in memory, to compute or check a code)."""
        return bytes.fromhex(crypto.decrypt(settings.KEYS.data_key, bytes(self.sealed_secret),
                                            f"totp:{self.user_id}".encode()))

    def _totp(self) -> TOTP:
        totp = TOTP(self.bin_key, self.step, 0, self.digits, self.drift)
        totp.time = time.time()
        return totp

    def current_code(self) -> str:
        """The code the app shows now."""
        return f"{self._totp().token():0{self.digits}d}"

    def verify_token(self, token) -> bool:
        """Accept a code not used before, within the tolerance; a wrong one counts towards the delay."""
        if not self.verify_is_allowed()[0]:
            return False
        try:
            value = int(str(token))
        except ValueError:
            value = None
        totp = self._totp()
        verified = value is not None and len(str(token)) == self.digits and \
            totp.verify(value, self.tolerance, self.last_t + 1)
        if verified:
            self.last_t, self.drift = totp.t(), totp.drift
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
        else:
            self.throttle_increment(commit=True)
        return verified

    def get_throttle_factor(self) -> int:
        return 1


def code_hash(code: str) -> str:
    """How a backup code is stored: a keyed hash, so the table alone gives none away."""
    return crypto.keyed_hash(settings.KEYS.lookup_key, f"backup-code:{code}")


class BackupCodes(ThrottlingMixin, Device):
    """Single-use backup codes for a lost phone, kept only as keyed hashes; a used code is struck off."""

    code_hashes = models.JSONField(default=list)

    class Meta(Device.Meta):
        verbose_name = _("备用验证码")
        verbose_name_plural = verbose_name

    def verify_token(self, token) -> bool:
        """Accept an unused code once."""
        if not self.verify_is_allowed()[0]:
            return False
        digest = code_hash(str(token))
        if digest in self.code_hashes:
            self.code_hashes = [h for h in self.code_hashes if h != digest]
            self.throttle_reset(commit=False)
            self.save()
            return True
        self.throttle_increment(commit=True)
        return False

    def get_throttle_factor(self) -> int:
        return 1
