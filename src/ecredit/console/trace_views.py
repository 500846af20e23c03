"""Console pages of product traceability, for officers with trace.view (and the credit office):

- products by GTIN (search, key-product category), with counts of captured events and lots;
- one product: what was registered, the lots and items seen in captured events, links to their chains;
- a chain (GTIN with lot or serial): every event, including complaints and events declared erroneous, with the
  parties named, how the responsible party was found, what linked the event to the item, and the event as
  captured. Opening event documents is access-logged (they may carry a consignee's name or phone).
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ecredit import policy
from ecredit.audit.services import record_access
from ecredit.kit.errors import DomainError
from ecredit.trace import chain as chains
from ecredit.trace import links, products
from ecredit.trace.models import Event, EventEpc, Product

from .views import console_principal

PAGE_SIZE = 50
LOTS_SHOWN = 200
PURPOSE = "产品追溯核查"


def _principal(request):
    principal = console_principal(request)
    if not (principal.city_wide or principal.can("trace.view")):
        raise PermissionDenied(_("您没有查询追溯事件的权限"))
    return principal


@login_required
@require_GET
def products_page(request):
    """Registered products, searchable, with the number of events captured for each."""
    _principal(request)
    rules = policy.current().trace.key_products_on()
    q = request.GET.get("q", "").strip()[:60]
    category = request.GET.get("category", "")
    category = category if rules.category(category) else ""
    found = products.products(q=q, category=category)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    gtins = [p.gtin for p in page.object_list]
    events = dict(EventEpc.objects.filter(gtin__in=gtins).values("gtin").annotate(n=Count("event_id", distinct=True))
                  .values_list("gtin", "n"))
    names = {c.code: str(c.name) for c in rules.categories}
    rows = [{"p": p, "category": names.get(p.category, ""), "events": events.get(p.gtin, 0)}
            for p in page.object_list]
    counts = dict(Product.objects.values("category").annotate(n=Count("id")).values_list("category", "n"))
    query = urlencode([(k, v) for k, v in (("q", q), ("category", category)) if v])
    return render(request, "console/trace/products.html", dict(
        rows=rows, page=page, total=page.paginator.count, q=q, category=category, query=query,
        categories=[(c.code, str(c.name), counts.get(c.code, 0), c.unit) for c in rules.categories],
        uncategorised=counts.get("", 0), events_total=Event.objects.count(), rules=rules))


@login_required
@require_GET
def product_page(request, gtin: str):
    """One product and the lots and items seen for it in captured events."""
    _principal(request)
    try:
        product = products.product_for(gtin)
    except DomainError as exc:
        return render(request, "console/trace/missing.html", dict(message=str(exc.message)), status=404)
    rows = (EventEpc.objects.filter(gtin=product.gtin).exclude(lot="", serial="")
            .values("lot", "serial").annotate(n=Count("event_id", distinct=True)).order_by("lot", "serial"))
    lots: dict[str, dict] = {}
    items: dict[str, dict] = {}
    for row in rows[:LOTS_SHOWN * 5]:
        if row["lot"]:   # a lot's own rows, and an item's rows that carry its lot (from the commissioning's ILMD)
            lots.setdefault(row["lot"], {"lot": row["lot"], "events": 0})["events"] += row["n"]
        if row["serial"]:   # one line per item, whether or not a row of it carries the lot
            item = items.setdefault(row["serial"], {"lot": row["lot"], "serial": row["serial"], "n": 0})
            item["n"] += row["n"]
            item["lot"] = item["lot"] or row["lot"]
    return render(request, "console/trace/product.html", dict(
        product=product, described=products.describe(product), lots=list(lots.values())[:LOTS_SHOWN],
        items=list(items.values())[:LOTS_SHOWN], suggested=products.suggest_category(product.name) if not product.category else "",
        page_path=links.trace_path(product.gtin)))


@login_required
@require_GET
def chain_page(request):
    """The whole chain of a lot or item, for officers."""
    principal = _principal(request)
    gtin = request.GET.get("gtin", "").strip()[:20]
    lot = request.GET.get("lot", "").strip()[:20]
    serial = request.GET.get("serial", "").strip()[:20]
    context = {"gtin": gtin, "lot": lot, "serial": serial}
    if not gtin:
        return render(request, "console/trace/chain.html", context)
    try:
        code, lot, serial = links.clean_key(gtin, lot, serial)
        if not (lot or serial):
            raise DomainError(_("请填写批号或序列号"))
    except DomainError as exc:
        return render(request, "console/trace/chain.html", dict(context, error=str(exc.message)), status=400)
    found = chains.build(code, lot=lot, serial=serial, public=False)
    if found.found:
        record_access(principal.actor, None, f"trace chain {code} lot={lot} serial={serial}"[:200], PURPOSE,
                      "console")
    steps = [{"s": s, "document": json.dumps(s.document, ensure_ascii=False, indent=2, sort_keys=True)}
             for s in found.steps]
    return render(request, "console/trace/chain.html", dict(
        context, gtin=code, lot=lot, serial=serial, chain=found, steps=steps,
        page_path=links.trace_path(code, lot if not serial else "", serial),
        gaps=found.gaps, category=found.category))


urlpatterns = [
    path("trace/", products_page, name="trace"),
    path("trace/products/<str:gtin>/", product_page, name="trace_product"),
    path("trace/chain", chain_page, name="trace_chain"),
]
