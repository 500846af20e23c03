"""Organisations of principals (departments, platforms, agencies), their users, API clients and roles."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import OperationalError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecredit.kit.crypto import token_digest


class OrganisationKind(models.TextChoices):
    """Kinds of organisation, as in policy/rules/access.yaml."""

    CREDIT_OFFICE = "credit_office", _("市信用办")
    DEPARTMENT = "department", _("行业主管、监管部门")
    PLATFORM = "platform", _("电子商务平台")
    AGENCY = "agency", _("信用服务机构")
    LOGISTICS = "logistics", _("寄递物流企业")
    BANK = "bank", _("银行等金融机构")
    HOTLINE = "hotline", _("投诉举报热线工作机构")
    SUBJECT = "subject", _("信用主体本人")
    PUBLIC = "public", _("社会公众")


class Organisation(models.Model):
    """A body whose people or systems use ecredit: a department, a platform, an agency.

    A department's `code` is its code in policy/rules/departments.yaml. A platform, agency or logistics
    firm is also a market subject; `uscc` links it to its registry entry.
    """

    code = models.CharField(_("代码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20, choices=OrganisationKind.choices)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, db_index=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = verbose_name
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A console user's organisation and role (one of each: a person acting for two bodies gets two logins)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="members")
    role = models.CharField(_("角色"), max_length=40)
    subject_id = models.BigIntegerField(_("本人信用主体"), null=True, blank=True)

    class Meta:
        verbose_name = _("用户角色")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.role})"


class ClientStatus(models.TextChoices):
    """Where an API client's token stands at a given moment."""

    ACTIVE = "active", _("有效")
    ROTATING = "rotating", _("轮换过渡中")
    EXPIRED = "expired", _("已过期")
    REVOKED = "revoked", _("已吊销")
    DISABLED = "disabled", _("已停用")


class ApiClientQuerySet(models.QuerySet):
    def by_token(self, token: str) -> "ApiClient | None":
        """The client holding `token`: its current token before it expires, or its previous one during the
        overlap after a rotation; never a revoked or disabled client, nor one of a disabled organisation."""
        now = timezone.now()
        digest = token_digest(token)
        client = (self.select_related("organisation")
                  .filter(models.Q(token_digest=digest) | models.Q(previous_digest=digest), active=True,
                          revoked_at__isnull=True).first())
        if client is None or not client.organisation.active:
            return None
        if client.token_digest == digest:
            # No expiry: issued before tokens expired (legacy rows, the demo's fixed tokens).
            valid = client.expires_at is None or client.expires_at > now
        else:
            valid = client.previous_valid_until is not None and client.previous_valid_until > now
        return client if valid else None


class ApiClient(models.Model):
    """A system that calls the API with a bearer token (only the token's SHA-256 is stored).

    `scopes` narrows what the role grants (empty: all of it). After a rotation the previous token keeps
    working until `previous_valid_until`; a revoked client keeps when, by whom and why. Issue, rotation,
    revocation and scope changes go through access.tokens, which logs them.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="api_clients")
    name = models.CharField(_("名称"), max_length=100)
    role = models.CharField(_("角色"), max_length=40)
    scopes = models.JSONField(_("权限范围"), default=list, blank=True)
    token_digest = models.CharField(max_length=64, unique=True)
    token_prefix = models.CharField(_("令牌前缀"), max_length=12)
    previous_digest = models.CharField(max_length=64, blank=True, default="", db_index=True)
    previous_prefix = models.CharField(_("原令牌前缀"), max_length=12, blank=True, default="")
    previous_valid_until = models.DateTimeField(_("原令牌失效时间"), null=True, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    issued_by = models.CharField(_("签发人"), max_length=200, blank=True, default="")
    expires_at = models.DateTimeField(_("失效时间"), null=True, blank=True)
    rotated_at = models.DateTimeField(_("最近轮换时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_by = models.CharField(_("吊销人"), max_length=200, blank=True, default="")
    revoke_reason = models.CharField(_("吊销原因"), max_length=500, blank=True, default="")
    last_used_at = models.DateTimeField(_("最近使用时间"), null=True, blank=True)
    log_seq = models.BigIntegerField(_("变更日志序号"), null=True, blank=True)

    objects = ApiClientQuerySet.as_manager()

    class Meta:
        verbose_name = _("接口客户端")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.name} ({self.token_prefix}…)"

    def issue_token(self, token: str | None = None) -> str:
        """Set a new token (random unless given) and return it; it is shown once and never stored."""
        token = token or "ec_" + secrets.token_urlsafe(32)
        self.token_digest = token_digest(token)
        self.token_prefix = token[:10]
        return token

    def status(self, now: dt.datetime | None = None) -> str:
        """The ClientStatus of the client at `now` (default: now)."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            return ClientStatus.REVOKED
        if not self.active:
            return ClientStatus.DISABLED
        if self.expires_at is not None and self.expires_at <= now:
            return ClientStatus.EXPIRED
        if self.previous_valid_until is not None and self.previous_valid_until > now:
            return ClientStatus.ROTATING
        return ClientStatus.ACTIVE

    def mark_used(self, now: dt.datetime | None = None) -> None:
        """Remember that the client called now, writing at most once per USE_RESOLUTION, not per request."""
        now = now or timezone.now()
        if self.last_used_at is not None and now - self.last_used_at < USE_RESOLUTION:
            return
        stale = models.Q(last_used_at__isnull=True) | models.Q(last_used_at__lte=now - USE_RESOLUTION)
        try:
            # A savepoint inside a transaction: a busy database costs the bookkeeping, never the request.
            with transaction.atomic():
                ApiClient.objects.filter(stale, pk=self.pk).update(last_used_at=now)
        except OperationalError:
            return
        self.last_used_at = now


# How precisely last use is kept: a busy client costs one write a minute, not one per request.
USE_RESOLUTION = dt.timedelta(minutes=1)
