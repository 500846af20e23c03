"""Products by GTIN (R8.1): registering and correcting a trade item with its key-product category (trace.yaml,
GB/T 38158-2019) and its brand owner or producer, and reading them.

Who may register: a party that captures trace events (trace.capture: platforms, logistics firms, a subject's own
account) and the credit office. A subject's own account registers its own products only (it is the owner);
the others name the owner, an organisation in the registry. The registering organisation, the owner's own
account and the credit office may correct a product later. Every write is change-logged (`trace.product`).
Products are public data: anyone reads them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any, Iterator

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from ecredit import policy
from ecredit.access.models import Organisation, OrganisationKind
from ecredit.audit.services import ChainWriter, logged_write, state_text
from ecredit.kit import gs1
from ecredit.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ecredit.registry.models import Subject, SubjectKind

from .models import Product

PRODUCT_MODEL = "trace.product"
STATE_FIELDS = ("gtin", "name", "brand", "category", "owner_id", "net_weight_kg", "created_at", "organisation_id")
MAX_NAME = 200
MAX_BRAND = 120

GS1_MESSAGES = {
    "empty": _l("请填写GTIN（商品条码）"),
    "bad_length": _l("GTIN应为8、12、13或14位数字"),
    "bad_character": _l("GTIN只能由数字组成"),
    "bad_check_digit": _l("GTIN校验位错误"),
}


# ---------------------------------------------------------------------------------------------- state


def product_state(product: Product) -> str:
    """Canonical state of a product as the change log keeps it."""
    values: dict[str, Any] = {}
    for name in STATE_FIELDS:
        value = getattr(product, name)
        if isinstance(value, dt.datetime):
            value = value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        elif isinstance(value, Decimal):
            value = f"{value:.3f}"
        values[name] = value
    return state_text(values)


def iter_product_states() -> Iterator[tuple[int, str]]:
    """(id, state) of every product, for `ecredit verify-log`."""
    for product in Product.objects.order_by("id").iterator(chunk_size=2000):
        yield product.pk, product_state(product)


# ---------------------------------------------------------------------------------------------- checks


def gtin_error(exc: gs1.GS1Error) -> ValidationFailed:
    """A GS1Error as the refusal a person reads (Chinese text, the standard's reason, the expected digit)."""
    message = str(GS1_MESSAGES.get(exc.reason) or _("GTIN不符合GS1编码规则"))
    if exc.reason == "bad_check_digit" and exc.expected:
        message = _("GTIN {gtin} 的校验位应为 {expected}，而不是 {given}").format(
            gtin=exc.value, expected=exc.expected, given=exc.value[-1:])
    return ValidationFailed(message, field="gtin", code=f"gtin_{exc.reason}",
                            details={"reason": exc.reason, "standard": exc.message})


def clean_gtin(value: object) -> str:
    """The GTIN-14 of `value`, or ValidationFailed saying what is wrong with it."""
    try:
        return gs1.normalise_gtin(value)
    except gs1.GS1Error as exc:
        raise gtin_error(exc) from None


def _category(code: str, on: dt.date) -> str:
    code = (code or "").strip()
    if not code:
        return ""
    rules = policy.current().trace.key_products_on(on)
    if rules.category(code) is None:
        known = "、".join(f"{c.code}（{c.name.zh}）" for c in rules.categories)
        raise ValidationFailed(_("重点产品类别“{code}”不存在，可选：{known}").format(code=code, known=known),
                               field="category", code="unknown_category")
    return code


def _weight(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        weight = Decimal(str(value)).quantize(Decimal("0.001"))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("净重应为数字（千克）"), field="net_weight_kg", code="bad_weight") from None
    if weight <= 0 or weight >= Decimal("1000000000"):
        raise ValidationFailed(_("净重应大于0且小于10亿千克"), field="net_weight_kg", code="bad_weight")
    return weight


def _text(value: str, field: str, limit: int, required: bool) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        raise ValidationFailed(_("请填写产品名称"), field=field, code="required")
    if len(text) > limit:
        raise ValidationFailed(_("不超过{n}个字").format(n=limit), field=field, code="too_long")
    return text


def may_register(principal) -> bool:
    """Capturers of trace events and the credit office register products."""
    return principal.city_wide or principal.can("trace.capture")


def _owner(principal, owner_id: int | None) -> Subject | None:
    """The owner a registration names: a subject's own account is the owner itself; others name an
    organisation (persons are not named as owners: a product's owner is public)."""
    if principal.acts_as_subject:
        if owner_id not in (None, principal.subject_id):
            raise Forbidden(_("只能登记本主体的产品"), code="not_own_subject")
        owner_id = principal.subject_id
    if owner_id is None:
        return None
    owner = Subject.objects.filter(pk=owner_id).first()
    if owner is None:
        raise ValidationFailed(_("未找到该品牌所有者或生产者"), field="owner_id", code="unknown_owner")
    if owner.kind != SubjectKind.ORGANISATION:
        raise ValidationFailed(_("品牌所有者或生产者应为企业等组织"), field="owner_id", code="owner_not_organisation")
    return owner


def _organisation(principal) -> Organisation:
    """The organisation a registration is filed under (the credit office for the system itself)."""
    if principal.organisation_id:
        return Organisation.objects.get(pk=principal.organisation_id)
    found = Organisation.objects.filter(kind=OrganisationKind.CREDIT_OFFICE).order_by("id").first()
    if found is None:
        raise Forbidden(_("无所属单位，不能登记产品"), code="no_organisation")
    return found


def may_change(principal, product: Product) -> bool:
    """The registering organisation, the owner's own account, and the credit office."""
    if principal.city_wide:
        return True
    if principal.acts_as_subject:
        return bool(principal.subject_id) and product.owner_id == principal.subject_id
    return principal.can("trace.capture") and product.organisation_id == principal.organisation_id


# ---------------------------------------------------------------------------------------------- writes


@logged_write
def register(principal, *, gtin: object, name: str, brand: str = "", category: str = "",
             owner_id: int | None = None, net_weight_kg: Any = None, now: dt.datetime | None = None) -> Product:
    """Register a product by GTIN (any length, stored as GTIN-14) with its category and owner."""
    if not may_register(principal):
        principal.require("trace.capture")
    now = now or timezone.now()
    code = clean_gtin(gtin)
    if Product.objects.filter(gtin=code).exists():
        raise Conflict(_("GTIN {gtin} 已登记").format(gtin=code), code="already_registered")
    product = Product(gtin=code, name=_text(name, "name", MAX_NAME, True),
                      brand=_text(brand, "brand", MAX_BRAND, False),
                      category=_category(category, timezone.localdate(now)), owner=_owner(principal, owner_id),
                      net_weight_kg=_weight(net_weight_kg), created_at=now, organisation=_organisation(principal))
    product.save()
    with ChainWriter(now) as log:
        product.log_seq = log.append(principal.actor, "register", PRODUCT_MODEL, product.pk, product_state(product))
    product.save(update_fields=["log_seq"])
    return product


UNSET: Any = object()


@logged_write
def update(principal, gtin: object, *, name: str = UNSET, brand: str = UNSET, category: str = UNSET,
           owner_id: int | None = UNSET, net_weight_kg: Any = UNSET, reason: str = "",
           now: dt.datetime | None = None) -> Product:
    """Correct a registered product (only the fields given); the reason goes to the change log."""
    now = now or timezone.now()
    product = Product.objects.select_for_update().filter(gtin=clean_gtin(gtin)).first()
    if product is None:
        raise NotFound(_("该GTIN尚未登记"))
    if not may_change(principal, product):
        raise Forbidden(_("只有登记单位、品牌所有者本人或市信用办可以修改产品信息"), code="not_registrant")
    if name is not UNSET:
        product.name = _text(name, "name", MAX_NAME, True)
    if brand is not UNSET:
        product.brand = _text(brand, "brand", MAX_BRAND, False)
    if category is not UNSET:
        product.category = _category(category, timezone.localdate(now))
    if owner_id is not UNSET:
        product.owner = _owner(principal, owner_id)
    if net_weight_kg is not UNSET:
        product.net_weight_kg = _weight(net_weight_kg)
    product.save()
    with ChainWriter(now) as log:
        product.log_seq = log.append(principal.actor, "update", PRODUCT_MODEL, product.pk, product_state(product),
                                     (reason or "")[:500])
    product.save(update_fields=["log_seq"])
    return product


# ---------------------------------------------------------------------------------------------- reads


def product_for(gtin: object) -> Product:
    """The registered product with this GTIN (any length), or NotFound; a malformed GTIN is refused."""
    product = Product.objects.select_related("owner", "organisation").filter(gtin=clean_gtin(gtin)).first()
    if product is None:
        raise NotFound(_("GTIN {gtin} 尚未登记").format(gtin=clean_gtin(gtin)), code="product_not_found")
    return product


def products(*, q: str = "", category: str = "", owner_id: int | None = None) -> QuerySet:
    """Registered products, searchable by GTIN prefix, name or brand, category, owner."""
    found = Product.objects.select_related("owner")
    q = (q or "").strip()[:60]
    if q:
        # A GTIN typed in any length is contained in its 14-digit form.
        by_gtin = Q(gtin__contains=q) if q.isdigit() else Q()
        found = found.filter(by_gtin | Q(name__icontains=q) | Q(brand__icontains=q) | Q(owner__name__icontains=q))
    if category:
        found = found.filter(category=category)
    if owner_id:
        found = found.filter(owner_id=owner_id)
    return found.order_by("gtin")


def describe(product: Product, on: dt.date | None = None) -> dict[str, Any]:
    """What the public may know of a product: GTIN, name, brand, category with its standard, the GS1 member
    organisation's country, the owner's name and profile (organisations only)."""
    rules = policy.current().trace
    category = rules.key_products_on(on).category(product.category) if product.category else None
    origin = rules.prefixes_on(on).range_of(product.gtin)
    owner = product.owner if product.owner_id and product.owner.kind == SubjectKind.ORGANISATION else None
    return {
        "gtin": product.gtin, "name": product.name, "brand": product.brand,
        "category": product.category, "category_name": str(category.name) if category else "",
        "unit": category.unit if category else "",
        "china": rules.prefixes_on(on).is_china(product.gtin),
        "gs1_country": str(origin.name) if origin else "",
        "owner_id": owner.pk if owner else None, "owner_name": owner.name if owner else "",
        "net_weight_kg": product.net_weight_kg, "registered_at": product.created_at,
    }


def suggest_category(name: str, on: dt.date | None = None) -> str:
    """The category code the product's name suggests ("" when none): a hint for the registering party."""
    found = policy.current().trace.key_products_on(on).suggest(name or "")
    return found.code if found else ""
