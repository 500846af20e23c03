"""Organisations of principals (departments, platforms, agencies), their users, API clients and roles."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
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


class ApiClientQuerySet(models.QuerySet):
    def by_token(self, token: str) -> "ApiClient | None":
        """The active, unexpired client holding `token`."""
        now = timezone.now()
        client = self.select_related("organisation").filter(token_digest=token_digest(token), active=True).first()
        if client is None or (client.expires_at and client.expires_at <= now) or not client.organisation.active:
            return None
        return client


class ApiClient(models.Model):
    """A system that calls the API with a bearer token (only the token's SHA-256 is stored)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="api_clients")
    name = models.CharField(_("名称"), max_length=100)
    role = models.CharField(_("角色"), max_length=40)
    token_digest = models.CharField(max_length=64, unique=True)
    token_prefix = models.CharField(_("令牌前缀"), max_length=12)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("失效时间"), null=True, blank=True)

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
