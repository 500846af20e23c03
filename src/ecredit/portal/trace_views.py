"""Portal pages of product traceability (R8.1–R8.3):

- `/trace/`: the search form (GTIN with lot or serial, or a scanned GS1 Digital Link), and the key-product
  categories. A search goes to the Digital Link path below.
- `/01/{GTIN}[/10/{lot}][/21/{serial}][?17=…]`: GS1 Digital Link on our own host — the code printed on a pack
  opens the trace page directly. A lot or item shows its chain (dates, places, responsible parties; public data
  only: no event documents, no complaints, no consumer, persons masked); a GTIN alone shows the product. A link
  that breaks the standard answers 400 with the reason (a wrong check digit names the right one), an unknown
  product or lot 404 with what was looked for. A GTIN typed short is redirected to its 14-digit path.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.urls import path, re_path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_GET

from ecredit import policy
from ecredit.kit.errors import DomainError
from ecredit.trace import chain as chains
from ecredit.trace import links, products
from ecredit.trace.models import Product

from .services import region_name
from .views import _context, cached_page

RELATIONS = {"lot": _l("同批次"), "container": _l("随包装运输"), "input": _l("原料"), "output": _l("加工制品")}
BASES = {"location": _l("业务地点所属单位"), "source": _l("发货方"), "destination": _l("收货方"),
         "capturer": _l("报送单位"), "merchant": _l("商家"), "courier": _l("快递企业"), "platform": _l("电子商务平台"),
         "consumer": _l("消费者")}


def _categories() -> list:
    return policy.current().trace.key_products_on().categories


def _relation(step: chains.Step) -> str:
    if step.event_type == "TransformationEvent" and step.relation == "self":
        if set(step.roles) & {"input", "input_quantity"}:
            return str(_("用作原料加工"))
        if set(step.roles) & {"output", "output_quantity"}:
            return str(_("由原料加工而成"))
    return str(RELATIONS.get(step.relation, ""))


def _party(party) -> dict | None:
    """A party as the public page shows it (a link to the profile of a resolved organisation or shop)."""
    if party is None:
        return None
    if party.basis == "consumer":
        return {"name": _("消费者"), "link": "", "region": ""}
    if not party.name:
        return None
    link = f"/subjects/{party.subject_id}/" if party.subject_id and party.kind in ("organisation", "shop") else ""
    return {"name": party.name, "link": link, "region": region_name(party.region),
            "platform": party.platform_name}


def _rows(found: chains.Chain) -> list[dict]:
    rows = []
    for row in chains.summarise(found.steps):
        step: chains.Step = row["step"]
        basis = str(BASES.get(step.responsible_basis, ""))
        rows.append({
            "when": row["first"], "until": row["last"] if row["last"].date() != row["first"].date() else None,
            "step": step.step_name, "trail": step.trail, "relation": _relation(step), "count": row["count"],
            "items": row["items"], "place": _party(step.place), "gln": step.place.gln if step.place else "",
            "responsible": _party(step.responsible), "basis": basis})
    return rows


def _error(request, status: int, message: str, detail: str = "", **values):
    return render(request, "portal/trace/error.html",
                  _context(request, message=message, detail=detail, categories=_categories(), **values),
                  status=status)


@require_GET
def search(request):
    """The search form; a filled form goes to the Digital Link path of what was asked for."""
    link = (request.GET.get("link") or "").strip()[:500]
    gtin = (request.GET.get("gtin") or "").strip()[:20]
    lot = (request.GET.get("lot") or "").strip()[:20]
    serial = (request.GET.get("serial") or "").strip()[:20]
    values = {"gtin": gtin, "lot": lot, "serial": serial, "link": link}
    try:
        if link:
            found = links.parse(link, request_host=request.get_host())
            return redirect(links.trace_path(found.gtin, found.lot, found.serial))
        if gtin:
            code, lot, serial = links.clean_key(gtin, lot, serial)
            return redirect(links.trace_path(code, lot, serial))
    except DomainError as exc:
        return render(request, "portal/trace/search.html", _context(
            request, error=str(exc.message), detail=(exc.details or {}).get("standard", ""), categories=_categories(),
            **values), status=400)
    return render(request, "portal/trace/search.html", _context(request, categories=_categories(), **values))


@require_GET
def digital_link(request, rest: str):
    """The trace page a GS1 Digital Link on our host opens."""
    query = request.META.get("QUERY_STRING", "")
    given = "/01/" + rest + (f"?{query}" if query else "")
    try:
        link = links.parse(given, request_host=request.get_host())
    except DomainError as exc:
        return _error(request, 400, str(exc.message), (exc.details or {}).get("standard", ""), given=given)
    canonical = link.path
    if rest.split("/", 1)[0] != link.gtin:   # a GTIN-8/12/13 in the link: its 14-digit path is the canonical one
        return HttpResponsePermanentRedirect(canonical + (f"?{query}" if query else ""))
    lot, serial = link.lot, link.serial

    def page():
        product = Product.objects.select_related("owner").filter(gtin=link.gtin).first()
        described = products.describe(product) if product else None
        if not (lot or serial):
            if product is None:
                return _error(request, 404, _("商品条码 {gtin} 尚未在本平台登记").format(gtin=link.gtin))
            return render(request, "portal/trace/product.html", _context(
                request, product=described, link=link, categories=_categories()))
        found = chains.build(link.gtin, lot=lot, serial=serial, public=True)
        if not found.found:
            what = _("序列号 {serial}").format(serial=serial) if serial else _("批号 {lot}").format(lot=lot)
            message = _("没有找到商品 {gtin} {what} 的追溯记录").format(gtin=link.gtin, what=what) if product else \
                _("商品条码 {gtin} 尚未在本平台登记，也没有它的追溯记录").format(gtin=link.gtin)
            return _error(request, 404, message, product=described)
        expiry = link.expiry
        return render(request, "portal/trace/chain.html", _context(
            request, product=described, chain=found, rows=_rows(found), link=link, expiry=expiry,
            category=found.category, gaps=[_gap_name(code) for code in found.gaps],
            inputs=found.inputs, outputs=found.outputs, page_path=links.trace_path(link.gtin, lot, serial)))

    return cached_page(request, "trace:" + canonical + "?" + urlencode(sorted(link.attributes.items())), page)


def _gap_name(code: str) -> str:
    trail = policy.current().trace.trail_on()
    step = trail.step(code)
    if step is not None:
        return str(step.name)
    texts = trail.cbv_step_names.get(code)
    return str(texts) if texts else code


urlpatterns = [
    path("trace/", search, name="trace"),
    re_path(r"^01/(?P<rest>.+)$", digital_link, name="trace_link"),
]
