"""The public parcel query (R4.2), the consignee's proof and feedback (R4.3), and officers' waybill lookup.

- Anyone who gives a waybill number sees its station-by-station timeline: times, states, stations, regions, the
  next station, the courier masked; never the consignee. Lookups are limited per network address per hour.
- Whoever gives the last four digits of the consignee's phone gets a proof (a signed token that lasts
  logistics.yaml's verified_minutes) that shows the consignee masked and lets them give feedback once. Wrong
  tails are limited per waybill per day and per address per hour, so the 10,000 tails cannot be tried.
- Officers with the parcel right look waybills up with the consignee masked; those who may see identities open
  it in full with a stated purpose, and the read is access-logged.

Counters are shared ones (ecredit.limits) under keyed hashes (no address is stored), so every worker
process counts against the same limits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.audit.services import ChainWriter, record_access, state_text
from ecredit import limits as limits_store
from ecredit.kit import crypto
from ecredit.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed

from ..models import DeliveryFeedback, ScanState, StationKind, Waybill, WaybillState
from . import common as c
from .waybills import waybill_no

FEEDBACK_MODEL = "logistics.deliveryfeedback"
FEEDBACK_FIELDS = ("waybill_id", "satisfaction", "tags", "text", "complaint", "channel", "given_at")
PROOF_SALT = "ecredit.logistics.consignee-proof"
# Feedback is possible once the parcel's journey has begun.
_STARTED = tuple(s for s in WaybillState.values if s != WaybillState.CREATED)


class Refused(Exception):
    """A lookup or proof the limits turn away: a code and the visitor's message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def limits(on: dt.date | None = None):
    """logistics.yaml's public query limits in force."""
    return c.rules().query_limits(on)


def _address_key(remote_address: str) -> str:
    # No address (a misconfigured proxy) is one shared bucket, not a way around the limit.
    return crypto.keyed_hash(settings.KEYS.lookup_key, f"ip:{(remote_address or '').strip()}")


def count_lookup(remote_address: str, now: dt.datetime | None = None) -> None:
    """Count one public lookup from `remote_address` in the current hour; Refused beyond the hourly limit."""
    now = now or timezone.now()
    hour = int(now.timestamp()) // 3600
    count = limits_store.bump(f"parcels:lookup:{_address_key(remote_address)}:{hour}", 3700)
    if count > limits(timezone.localdate(now)).lookups_per_ip_per_hour:
        raise Refused("rate_limited", _("查询过于频繁，请一小时后再试"))


# ---------------------------------------------------------------------------------------------- public


def find(number: str, carrier_id: int | None = None) -> list[Waybill]:
    """The waybills with this number (one per carrier that has it), optionally of one carrier."""
    try:
        no = waybill_no({"waybill_no": number})
    except ValidationFailed:
        return []
    found = Waybill.objects.filter(waybill_no=no).select_related("carrier").order_by("carrier__name")
    if carrier_id:
        found = found.filter(carrier_id=carrier_id)
    return list(found[:20])


def lookup(number: str, remote_address: str, carrier_id: int | None = None) -> list[Waybill]:
    """`find`, counted against the address's hourly limit (Refused beyond it)."""
    count_lookup(remote_address)
    return find(number, carrier_id)


def station_names() -> dict[str, str]:
    """Station type code -> its name in the active language."""
    return {code: str(t.name) for code, t in c.rules().stations().types.items()} | {
        k: str(v) for k, v in StationKind.choices if k not in c.rules().stations().types}


def public_view(waybill: Waybill) -> dict[str, Any]:
    """What anyone sees of a waybill: its carrier, state, route cities and the timeline (no consignee; a
    consignee's name a carrier wrote into a scan's text is masked too)."""
    states = dict(ScanState.choices)
    stations = station_names()
    name = c.open_consignee(waybill)["name"] if waybill.consignee_cipher else ""

    def shown(text: str) -> str:
        return text.replace(name, waybill.consignee_name_masked) if name and len(name) >= 2 else text

    scans = [dict(at=s.at, state=s.state, state_label=str(states.get(s.state, s.state)), station=s.station,
                  station_type=s.station_type, station_type_label=stations.get(s.station_type, ""),
                  hub=s.station_type in c.rules().stations().hub_types(), region=s.region,
                  region_name=s.region_name, next_station=s.next_station, courier_name=s.courier_name_masked,
                  courier_phone=s.courier_phone_masked, text=shown(s.text))
             for s in waybill.scans.order_by("-at", "-id")]
    return dict(waybill_no=waybill.waybill_no, carrier_id=waybill.carrier_id, carrier=waybill.carrier.name,
                state=waybill.state, state_label=str(WaybillState(waybill.state).label), state_at=waybill.state_at,
                origin=c.city_of(waybill.origin_region or waybill.accepted_region),
                destination=c.city_of(waybill.destination_region), accepted_at=waybill.accepted_at,
                signed_at=waybill.signed_at, scans=scans, has_consignee=bool(waybill.phone_tail_digest))


# ---------------------------------------------------------------------------------------------- consignee


def verify(waybill: Waybill, phone_tail: str, remote_address: str, now: dt.datetime | None = None) -> str:
    """A proof that the caller knows the consignee's phone's last four digits (Refused after too many wrong
    tries, NotFound for a wrong tail)."""
    now = now or timezone.now()
    rule = limits(timezone.localdate(now))
    day, hour = now.timestamp() // 86400, now.timestamp() // 3600
    per_waybill = f"parcels:tail-fail:{waybill.pk}:{int(day)}"
    per_address = f"parcels:tail-fail-ip:{_address_key(remote_address)}:{int(hour)}"
    if limits_store.value(per_waybill) >= rule.verify_failures_per_waybill_per_day:
        raise Refused("too_many_tries", _("该运单今日验证失败次数过多，请明天再试"))
    if limits_store.value(per_address) >= rule.verify_failures_per_ip_per_hour:
        raise Refused("too_many_tries", _("验证失败次数过多，请一小时后再试"))
    tail = c.phone_digits(phone_tail)
    if len(tail) != 4 or not waybill.phone_tail_digest or \
            c.tail_digest(waybill.carrier_id, waybill.waybill_no, tail) != waybill.phone_tail_digest:
        limits_store.bump(per_waybill, 86400 + 60)
        limits_store.bump(per_address, 3700)
        raise NotFound(_("收件人手机号后四位不符"), field="phone_tail", code="tail_mismatch")
    return signing.dumps({"w": waybill.pk, "t": int(now.timestamp())}, salt=PROOF_SALT, compress=False)


def proven_waybill(proof: str, now: dt.datetime | None = None) -> Waybill:
    """The waybill a proof was given for, while it lasts (Forbidden when forged or expired)."""
    now = now or timezone.now()
    try:
        payload = signing.loads(proof or "", salt=PROOF_SALT)
    except signing.BadSignature:
        raise Forbidden(_("请先验证收件人手机号后四位"), code="not_verified") from None
    if not isinstance(payload, dict) or now.timestamp() - payload.get("t", 0) > \
            limits(timezone.localdate(now)).verified_minutes * 60:
        raise Forbidden(_("验证已过期，请重新验证收件人手机号后四位"), code="not_verified")
    try:
        return Waybill.objects.select_related("carrier").get(pk=payload.get("w"))
    except (Waybill.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("未找到该运单")) from None


def consignee_view(waybill: Waybill, now: dt.datetime | None = None) -> dict[str, Any]:
    """What the proven consignee sees besides the timeline: the consignee masked, their feedback, whether
    feedback can still be given and its tags."""
    feedback = DeliveryFeedback.objects.filter(waybill=waybill).first()
    return dict(name=waybill.consignee_name_masked, phone=waybill.consignee_phone_masked,
                address=waybill.consignee_address_masked, feedback=feedback_out(feedback) if feedback else None,
                can_give_feedback=feedback is None and feedback_open(waybill, now), tags=feedback_tags())


def feedback_tags() -> dict[str, str]:
    """Feedback tag code -> its text in the active language."""
    return {code: str(t) for code, t in c.rules().feedback_rule().tags.items()}


def feedback_open(waybill: Waybill, now: dt.datetime | None = None) -> bool:
    """Feedback is open from pick-up until logistics.yaml's window after the waybill's last scan."""
    now = now or timezone.now()
    if waybill.state not in _STARTED or waybill.state_at is None:
        return False
    window = c.rules().feedback_rule(timezone.localdate(now)).window
    return timezone.localdate(now) <= window.after(timezone.localdate(waybill.state_at))


def feedback_out(feedback: DeliveryFeedback) -> dict[str, Any]:
    """Feedback as the page and the API show it."""
    tags = feedback_tags()
    return dict(satisfaction=feedback.satisfaction, tags=feedback.tags,
                tag_labels=[tags.get(t, t) for t in feedback.tags], text=feedback.text,
                complaint=feedback.complaint, given_at=feedback.given_at)


def feedback_state(feedback: DeliveryFeedback | dict) -> str:
    """Canonical state of feedback as the change log keeps it."""
    get = feedback.get if isinstance(feedback, dict) else lambda k: getattr(feedback, k)
    values = {k: get(k) for k in FEEDBACK_FIELDS}
    values["given_at"] = values["given_at"].astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return state_text(values)


def iter_feedback_states():
    """(id, state) of every feedback, for `ecredit verify-log`."""
    for row in DeliveryFeedback.objects.order_by("id").values("id", *FEEDBACK_FIELDS).iterator(chunk_size=5000):
        yield row["id"], feedback_state(row)


def give_feedback(proof: str, *, satisfaction: Any, tags: list[str] | None = None, text: str = "",
                  complaint: bool = False, channel: str = "portal", now: dt.datetime | None = None
                  ) -> DeliveryFeedback:
    """The proven consignee's feedback on the delivery: once per waybill, while feedback is open."""
    now = now or timezone.now()
    waybill = proven_waybill(proof, now)
    rule = c.rules().feedback_rule(timezone.localdate(now))
    try:
        score = int(satisfaction)
        if score != satisfaction and str(score) != str(satisfaction).strip():
            raise ValueError
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise ValidationFailed(_("满意度应为1到5分"), field="satisfaction", code="bad_satisfaction")
    chosen = list(dict.fromkeys(tags or []))
    unknown = [t for t in chosen if t not in rule.tags]
    if unknown:
        raise ValidationFailed(_("未知的标签：{tags}").format(tags="、".join(unknown)), field="tags", code="bad_tag")
    body = c.scrubbed((text or "").strip())
    if len(body) > rule.max_text_chars:
        raise ValidationFailed(_("评价内容最多{n}个字").format(n=rule.max_text_chars), field="text", code="too_long")
    if not feedback_open(waybill, now):
        raise Conflict(_("该运单尚未揽收或已超过评价期限"), code="feedback_closed")
    with transaction.atomic(), ChainWriter() as log:
        Waybill.objects.select_for_update().filter(pk=waybill.pk).first()
        if DeliveryFeedback.objects.filter(waybill=waybill).exists():
            raise Conflict(_("该运单已评价过，每个运单只能评价一次"), code="feedback_given")
        feedback = DeliveryFeedback.objects.create(
            waybill=waybill, satisfaction=score, tags=chosen, text=body, complaint=bool(complaint),
            channel=channel[:12], given_at=log.at)
        feedback.log_seq = log.append(c.SYSTEM_ACTOR, "create", FEEDBACK_MODEL, feedback.pk, feedback_state(feedback),
                                      "consignee's delivery feedback")
        feedback.save(update_fields=["log_seq"])
    return feedback


# ---------------------------------------------------------------------------------------------- officers


def officer_waybill(waybill_id: int, principal) -> Waybill:
    """A waybill for an officer with the parcel right (NotFound when it is not theirs to see)."""
    principal.require("parcel.view")
    waybill = Waybill.objects.visible_to(principal).select_related("carrier", "shop", "batch").filter(
        pk=waybill_id).first()
    if waybill is None:
        raise NotFound(_("未找到该运单"))
    return waybill


def officer_search(principal, number: str) -> list[Waybill]:
    """Waybills with this number, or carrying this platform order number, for an officer."""
    principal.require("parcel.view")
    number = (number or "").strip()
    if not number:
        return []
    found = find(number)
    if not found:
        found = list(Waybill.objects.visible_to(principal).filter(order_no=number[:64])
                     .select_related("carrier")[:50])
    return found


def reveal_consignee(waybill_id: int, principal, *, purpose: str, channel: str) -> dict[str, str]:
    """The consignee in full, for those who may see identities, with a stated purpose (access-logged)."""
    waybill = officer_waybill(waybill_id, principal)
    principal.require("subject.read_identity")
    if not (purpose or "").strip():
        raise ValidationFailed(_("查看收件人完整信息须说明用途"), field="purpose", code="required")
    record_access(principal.actor, None, f"consignee:{waybill.carrier_id}:{waybill.waybill_no}", purpose.strip(),
                  channel)
    return c.open_consignee(waybill)


def masked_consignee(waybill: Waybill) -> dict[str, str]:
    """The consignee as anyone without the right to see it in full sees it."""
    return {"name": waybill.consignee_name_masked, "phone": waybill.consignee_phone_masked,
            "address": waybill.consignee_address_masked}


def region_label(code: str) -> str:
    """A region's name when the deployment's regions name it (the city and its districts), else the code."""
    regions = policy.current().regions
    for r in [regions.city, *regions.districts]:
        if r.code == code:
            return r.name
    return code
