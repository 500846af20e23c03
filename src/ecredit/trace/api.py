"""HTTP API of trace under /api/v1/ (products by GTIN, key-product categories, trace chains, Digital Link
resolution). The EPCIS 2.0 REST binding itself is at /epcis/ (epcis_api.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Router, Status

from ecredit import policy
from ecredit.audit.services import record_access
from ecredit.kit.errors import NotFound, ValidationFailed

from . import chain as chains
from . import links, products
from .schemas import (CategoriesOut, ChainOut, DigitalLinkOut, ProductIn, ProductOut, ProductPatch)

router = Router(tags=["trace"])


def product_out(product) -> dict:
    """A product as the API and the pages give it."""
    out = products.describe(product)
    out["trace_page"] = links.trace_path(product.gtin)
    if not product.category:
        out["suggested_category"] = products.suggest_category(product.name)
    return out


def may_see_everything(principal) -> bool:
    """Officers with trace.view (and the credit office) see every event of a chain, documents included."""
    return principal.city_wide or principal.can("trace.view")


def chain_out(found: chains.Chain, full: bool) -> dict:
    """A chain as the API gives it."""
    return {"gtin": found.gtin, "lot": found.lot, "serial": found.serial,
            "product": product_out(found.product) if found.product else None,
            # The public gets how many items a lot has, never their serials: a list of every valid serial of
            # a lot is what a counterfeiter needs to print codes that check out (the page shows the count too).
            "steps": [s.as_dict() for s in found.steps], "serials": found.serials if full else [],
            "serial_count": len(found.serials),
            "containers": found.containers, "inputs": found.inputs, "outputs": found.outputs, "gaps": found.gaps,
            "truncated": found.truncated, "full": full,
            "trace_page": links.trace_path(found.gtin, found.lot if not found.serial else "", found.serial)}


@router.get("/trace/categories", response=CategoriesOut, auth=None,
            summary="The key-product categories (GB/T 38158-2019) in force, and how products map to them")
def categories(request):
    rules = policy.current().trace.key_products_on()
    return {"effective": rules.effective, "reference": rules.reference, "standard": rules.standard,
            "record_standard": rules.record_standard,
            "categories": [{"code": c.code, "name": str(c.name), "scope": str(c.scope), "laws": c.laws,
                            "supervisors": c.supervisors, "unit": c.unit, "keywords": c.keywords,
                            "expected_steps": c.expected_steps} for c in rules.categories]}


@router.get("/trace/products", response=list[ProductOut], auth=None,
            summary="Registered products (search by GTIN, name, brand or owner; filter by category)")
def product_list(request, q: str = "", category: str = "", owner_id: int | None = None, limit: int = 100):
    limit = max(1, min(limit, 500))
    return [product_out(p) for p in products.products(q=q, category=category, owner_id=owner_id)[:limit]]


@router.post("/trace/products", response={201: ProductOut},
             summary="Register a product by GTIN with its key-product category and owner (trace.capture)")
def register(request, body: ProductIn):
    product = products.register(request.auth, gtin=body.gtin, name=body.name, brand=body.brand,
                                category=body.category, owner_id=body.owner_id, net_weight_kg=body.net_weight_kg)
    return Status(201, product_out(product))


@router.get("/trace/products/{gtin}", response=ProductOut, auth=None,
            summary="One product by GTIN (any length; a wrong check digit is refused with the right one)")
def product_detail(request, gtin: str):
    return product_out(products.product_for(gtin))


@router.post("/trace/products/{gtin}/correction", response=ProductOut,
             summary="Correct a product (its registrant, its owner's own account, the credit office); the fields "
                     "given change, the reason is change-logged")
def correct(request, gtin: str, body: ProductPatch):
    given = body.model_dump(exclude_unset=True)
    reason = given.pop("reason", "")
    product = products.update(request.auth, gtin, reason=reason, **given)
    return product_out(product)


@router.get("/trace/chain", response=ChainOut,
            summary="The trace chain of a lot (gtin + lot) or an item (gtin + serial): public view for everyone, "
                    "every event with its document for trace.view")
def chain(request, gtin: str, lot: str = "", serial: str = ""):
    code, lot, serial = links.clean_key(gtin, lot, serial)
    if not (lot or serial):
        raise ValidationFailed(_("请填写批号或序列号"), field="lot", code="lot_or_serial_required")
    full = may_see_everything(request.auth)
    found = chains.build(code, lot=lot, serial=serial, public=not full)
    if not found.found:
        raise NotFound(_("没有找到该批次或单品的追溯记录"), code="no_trace")
    if full:  # event documents may carry a consignee's name or phone: the reading is logged
        record_access(request.auth.actor, None, f"trace chain {code} lot={lot} serial={serial}"[:200],
                      "产品追溯核查", "api")
    return chain_out(found, full)


@router.get("/trace/digital-link", response=DigitalLinkOut, auth=None,
            summary="Read a GS1 Digital Link (ours or an accepted resolver's): GTIN, lot, serial, expiry, and the "
                    "trace page's path")
def digital_link(request, uri: str):
    link = links.parse(uri, request_host=request.get_host())
    return {"gtin": link.gtin, "lot": link.lot, "serial": link.serial, "cpv": link.cpv, "expiry": link.expiry,
            "attributes": dict(link.attributes),
            "trace_page": links.trace_path(link.gtin, link.lot if not link.serial else "", link.serial),
            "registered": products.Product.objects.filter(gtin=link.gtin).exists()}
