"""Portal pages of parcels (R4.2, R4.3):

- `/parcels/?no=<waybill no>[&carrier=<id>]`: a parcel's station-by-station timeline for anyone (no consignee
  data; couriers masked); several carriers with the same number are offered to choose from. Lookups are limited
  per network address (logistics.yaml public_query).
- `/parcels/verify` (POST): the last four digits of the consignee's phone; the proof is kept in the visitor's
  session for logistics.yaml's verified_minutes, and the page then shows the consignee masked and the feedback
  form. Wrong tails are limited per waybill and per address.
- `/parcels/feedback` (POST): the consignee's satisfaction feedback, once per waybill.

The phone tail travels in POST bodies only (never in addresses or logs); pages are never cached.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from ecredit.kit.errors import DomainError
from ecredit.logistics import services
from ecredit.logistics.models import Waybill
from ecredit.logistics.services import tracking

from .views import _context

SESSION_KEY = "parcel_proofs"


def remote_address(request) -> str:
    """The visitor's network address as the server saw it (the front proxy must pass the real one)."""
    return (request.META.get("REMOTE_ADDR") or "")[:64]


def _proof(request, waybill: Waybill) -> str | None:
    """The session's proof for this waybill while it lasts."""
    proof = (request.session.get(SESSION_KEY) or {}).get(str(waybill.pk))
    if not proof:
        return None
    try:
        return proof if tracking.proven_waybill(proof).pk == waybill.pk else None
    except DomainError:
        return None


def _back(waybill_no: str, carrier_id: int | None = None):
    query = {"no": waybill_no, **({"carrier": carrier_id} if carrier_id else {})}
    return redirect(f"{reverse('portal:parcels')}?{urlencode(query)}")


@never_cache
@require_GET
def parcels(request):
    """The query form, and the timeline of the waybill asked for."""
    number = (request.GET.get("no") or "").strip()[:60]
    carrier = request.GET.get("carrier", "")
    carrier_id = int(carrier) if carrier.isdigit() else None
    found, view, consignee, error = [], None, None, ""
    if number:
        try:
            found = services.lookup(number, remote_address(request), carrier_id)
        except tracking.Refused as refused:
            error = refused.message
        else:
            if not found:
                error = _("未找到该运单，请核对运单号（运单信息由寄递企业报送，可能稍有延迟）")
            elif len(found) == 1:
                waybill = found[0]
                view = services.public_view(waybill)
                if _proof(request, waybill):
                    consignee = services.consignee_view(waybill)
    return render(request, "portal/parcels/track.html", _context(
        request, number=number, found=found, view=view, consignee=consignee, error=error,
        waybill=found[0] if len(found) == 1 else None, satisfaction=range(5, 0, -1)))


@never_cache
@require_POST
def verify(request):
    """Check the consignee's phone's last four digits; the proof goes into the session."""
    waybill = Waybill.objects.filter(pk=request.POST.get("waybill", "0") if
                                     request.POST.get("waybill", "").isdigit() else 0).first()
    if waybill is None:
        return redirect("portal:parcels")
    try:
        proof = services.verify(waybill, request.POST.get("phone_tail", ""), remote_address(request))
    except tracking.Refused as refused:
        messages.error(request, refused.message)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        proofs = dict(request.session.get(SESSION_KEY) or {})
        proofs[str(waybill.pk)] = proof
        request.session[SESSION_KEY] = dict(list(proofs.items())[-10:])   # a few waybills at a time
        messages.success(request, _("验证成功，以下显示收件人信息（已脱敏），可以评价本次寄递服务"))
    return _back(waybill.waybill_no, waybill.carrier_id)


@never_cache
@require_POST
def feedback(request):
    """The proven consignee's feedback."""
    waybill = Waybill.objects.filter(pk=request.POST.get("waybill", "0") if
                                     request.POST.get("waybill", "").isdigit() else 0).first()
    if waybill is None:
        return redirect("portal:parcels")
    proof = _proof(request, waybill)
    if proof is None:
        messages.error(request, _("请先验证收件人手机号后四位"))
        return _back(waybill.waybill_no, waybill.carrier_id)
    try:
        services.give_feedback(proof, satisfaction=request.POST.get("satisfaction"),
                               tags=request.POST.getlist("tags"), text=request.POST.get("text", ""),
                               complaint=request.POST.get("complaint") == "1", channel="portal")
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("感谢您的评价，已提交"))
    return _back(waybill.waybill_no, waybill.carrier_id)


urlpatterns = [
    path("parcels/", parcels, name="parcels"),
    path("parcels/verify", verify, name="parcel_verify"),
    path("parcels/feedback", feedback, name="parcel_feedback"),
]
