"""Console pages of parcels (R4.1, R4.4), for officers with the parcel right:

- courier firms' monthly figures (on-time, loss and complaint rates, feedback) against logistics.yaml's
  thresholds, with the service-quality record a failed month became, and a waybill lookup (by waybill number or
  platform order number);
- one waybill: its orders, the timeline, the consignee masked, the consumer's feedback; those who may see
  identities open the consignee in full with a stated purpose (access-logged, shown on that response only).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ecredit.kit.errors import DomainError, Forbidden, NotFound
from ecredit.logistics import services
from ecredit.logistics.services import common, figures as figure_service, tracking

from .views import console_principal


def _principal(request):
    principal = console_principal(request)
    if not principal.can("parcel.view"):
        raise PermissionDenied(_("您没有查看寄递数据的权限"))
    return principal


def _month(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(f"{value[:7]}-01") if value else None
    except ValueError:
        return None


@login_required
@require_GET
def parcels_page(request):
    """Courier firms' figures for a month, and the waybill lookup."""
    principal = _principal(request)
    months = figure_service.months_known()
    month = _month(request.GET.get("month", "")) or (months[0] if months else None)
    rows = figure_service.carrier_figures(month) if month else []
    thresholds = common.rules().figure_rules(month) if month else common.rules().figure_rules()
    query = (request.GET.get("q") or "").strip()[:64]
    found = services.officer_search(principal, query) if query else []
    return render(request, "console/parcels/index.html", dict(
        months=months, month=month, rows=rows, thresholds=thresholds, query=query, found=found,
        standards=common.rules().standards(month)))


def _detail(request, principal, waybill_id: int, revealed: dict | None = None):
    try:
        waybill = services.officer_waybill(waybill_id, principal)
    except NotFound:
        raise Http404
    view = services.public_view(waybill)
    feedback = getattr(waybill, "feedback", None)   # the reverse one-to-one raises AttributeError when none
    return render(request, "console/parcels/waybill.html", dict(
        waybill=waybill, view=view, orders=list(waybill.orders.order_by("id")),
        consignee=revealed or tracking.masked_consignee(waybill), revealed=revealed,
        may_reveal=principal.can("subject.read_identity") and bool(waybill.consignee_cipher),
        feedback=tracking.feedback_out(feedback) if feedback else None,
        route=common.route_of(waybill.origin_region or waybill.accepted_region, waybill.destination_region),
        origin=tracking.region_label(waybill.origin_region or waybill.accepted_region),
        destination=tracking.region_label(waybill.destination_region)))


@login_required
@require_GET
def waybill_page(request, waybill_id: int):
    """One waybill with the consignee masked."""
    return _detail(request, _principal(request), waybill_id)


@login_required
@require_POST
def reveal(request, waybill_id: int):
    """The consignee in full, for those who may see identities, with the purpose stated (access-logged). Shown on
    this response only, never stored."""
    principal = _principal(request)
    try:
        person = services.reveal_consignee(waybill_id, principal, purpose=request.POST.get("purpose", ""),
                                           channel="console")
    except NotFound:
        raise Http404
    except Forbidden as exc:
        raise PermissionDenied(str(exc.message)) from None
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("console:parcel_waybill", waybill_id=waybill_id)
    response = _detail(request, principal, waybill_id, person)
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("parcels/", parcels_page, name="parcels"),
    path("parcels/waybills/<int:waybill_id>/", waybill_page, name="parcel_waybill"),
    path("parcels/waybills/<int:waybill_id>/consignee", reveal, name="parcel_reveal"),
]
