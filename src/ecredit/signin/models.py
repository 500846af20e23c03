"""When each user last set a password: the password policy's maximum age counts from here."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
