"""Market subjects: organisations (USCC), persons (resident ID, encrypted) and shops (platform + shop id)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ecredit.kit.text import pinyin_initials


class SubjectKind(models.TextChoices):
    """What a subject is."""

    ORGANISATION = "organisation", _("组织机构")
    PERSON = "person", _("自然人")
    SHOP = "shop", _("网店")


class SubjectQuerySet(models.QuerySet):
    def visible_to(self, principal) -> "SubjectQuerySet":
        """Subjects the principal may look up: persons only for those who read beyond public data,
        or the person's own account."""
        if principal.reads - {"public"}:
            return self
        own = Q(id=principal.subject_id) if principal.subject_id else Q(pk__in=[])
        return self.filter(Q(kind__in=[SubjectKind.ORGANISATION, SubjectKind.SHOP]) | own)

    def organisations(self) -> "SubjectQuerySet":
        return self.filter(kind=SubjectKind.ORGANISATION)

    def shops(self) -> "SubjectQuerySet":
        return self.filter(kind=SubjectKind.SHOP)


class Subject(models.Model):
    """A credit subject (信用主体). Exactly one key identifies it, by kind:

    organisation: `uscc`; person: `ric_lookup` (HMAC-SM3 of the resident ID; the ID itself is in
    `ric_cipher`, SM4-GCM encrypted); shop: (`platform`, `shop_id`), run by `operator`.
    A subject first seen in a record is created with `verified=False` until a registry source confirms it.
    """

    kind = models.CharField(_("类型"), max_length=16, choices=SubjectKind.choices)
    name = models.CharField(_("名称"), max_length=200)
    name_initials = models.CharField(_("名称拼音首字母"), max_length=200, blank=True, editable=False,
                                     help_text=_("供按拼音首字母检索；名称变化时随之更新"))
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, null=True, blank=True, unique=True)
    ric_lookup = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    ric_cipher = models.BinaryField(null=True, blank=True, editable=False)
    ric_masked = models.CharField(_("身份证号码（脱敏）"), max_length=18, blank=True, editable=False)
    platform = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="shops", verbose_name=_("所属平台"))
    shop_id = models.CharField(_("网店编号"), max_length=64, null=True, blank=True)
    operator = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="operated_shops", verbose_name=_("经营者"))
    shop_url = models.CharField(_("网店网址"), max_length=300, blank=True)
    region = models.CharField(_("行政区划"), max_length=6, blank=True, db_index=True)
    address = models.CharField(_("住所"), max_length=300, blank=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=100, blank=True)
    verified = models.BooleanField(_("已核验"), default=False)
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    last_reported_at = models.DateTimeField(_("最近报送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = SubjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("信用主体")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["platform", "shop_id"], name="shop_unique_per_platform"),
            models.CheckConstraint(
                name="subject_has_its_key",
                condition=(Q(kind="organisation", uscc__isnull=False)
                           | Q(kind="person", ric_lookup__isnull=False)
                           | Q(kind="shop", platform__isnull=False, shop_id__isnull=False)),
            ),
        ]
        indexes = [models.Index(fields=["kind", "name"]), models.Index(fields=["kind", "name_initials"])]

    def __str__(self) -> str:
        return self.name

    def rename(self, name: str) -> None:
        """Set the name and what search derives from it."""
        self.name = name
        self.name_initials = pinyin_initials(name)

    @property
    def key(self) -> str:
        """The identifier shown for this subject (a person's is masked)."""
        if self.kind == SubjectKind.ORGANISATION:
            return self.uscc or ""
        if self.kind == SubjectKind.PERSON:
            return self.ric_masked
        return f"{self.platform_id}:{self.shop_id}"


class SubjectRole(models.Model):
    """A role a subject plays in e-commerce (policy/rules/subject_roles.yaml)."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("角色"), max_length=32)
    since = models.DateField(_("起始日期"), auto_now_add=True)

    class Meta:
        verbose_name = _("主体角色")
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["subject", "role"], name="subject_role_once")]

    def __str__(self) -> str:
        return self.role


class SubjectName(models.Model):
    """A name the subject has had, with the period it was used: names change, records keep the old one."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(_("名称"), max_length=200)
    valid_from = models.DateTimeField(_("启用时间"), auto_now_add=True)
    valid_to = models.DateTimeField(_("停用时间"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("曾用名")
        verbose_name_plural = verbose_name
        ordering = ["subject", "valid_from"]

    def __str__(self) -> str:
        return self.name
