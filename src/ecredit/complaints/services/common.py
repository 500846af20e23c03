"""What every complaint service shares: the logged state of a case, saving a step, pushing the step back to the
channel it came from, the complainant's encrypted identity, and which deadline a case waits on."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from functools import lru_cache
from typing import Any, Iterator, TypeVar

from django.conf import settings
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.audit.services import Actor, ChainWriter, state_text
from ecredit.kit import crypto
from ecredit.kit.masking import scrub

from .. import rules
from ..models import FINISHED, HOTLINES, Channel, ChannelUpdate, Complaint, ComplaintStep, Kind, Status

CASE_MODEL = "complaints.complaint"
UPDATE_MODEL = "complaints.channelupdate"
SYSTEM_ACTOR = Actor("system:complaints", "credit_office")
_NOT_STATE = {"id", "updated_at", "log_seq"}
UPDATE_FIELDS = ("complaint_id", "channel", "recipient", "channel_ticket", "event", "status_code", "status_label",
                 "text", "at", "acknowledged_at", "acknowledged_by")
# A platform (and any channel without a vocabulary of its own) is told in ours.
EVENT_LABELS = {
    "received": gettext_lazy("已接收"), "reassigned": gettext_lazy("已转办"), "transferred": gettext_lazy("已移送外地"),
    "merged": gettext_lazy("重复件已合并"), "accepted": gettext_lazy("已受理"), "not_accepted": gettext_lazy("不予受理"),
    "mediating": gettext_lazy("调解中"), "mediated": gettext_lazy("调解成功"), "terminated": gettext_lazy("终止调解"),
    "closed": gettext_lazy("已办结"), "filed": gettext_lazy("举报已立案"), "not_filed": gettext_lazy("举报不予立案"),
    "reporter_notified": gettext_lazy("已告知举报人"),
}


M = TypeVar("M", bound=Model)


def build(model: type[M], **values: Any) -> M:
    """`model(**values)` through the model's positional path, which costs a fifth of the keyword path (~50 µs
    for a case); related objects are given by field name, as to the model, and cached as it caches them."""
    args, related = [], []
    for attname, name, default, call in _plan(model):
        if name is not None and name in values:
            obj = values[name]
            args.append(None if obj is None else obj.pk)
            related.append((name, obj))
        elif attname in values:
            args.append(values[attname])
        else:
            args.append(default() if call else default)
    made = model(*args)
    for name, obj in related:
        made._state.fields_cache[name] = obj
    return made


@lru_cache(maxsize=None)
def _plan(model: type[Model]) -> list[tuple[str, str | None, Any, bool]]:
    return [(f.attname, f.name if f.is_relation else None,
             f.get_default if callable(f.default) else f.get_default(), callable(f.default))
            for f in model._meta.concrete_fields]


# ---------------------------------------------------------------------------------------------- state


_PLAIN = (str, int, bool, type(None))   # exactly these types are kept as they are (most of a case's fields)


def _value(value: Any) -> Any:
    if type(value) in _PLAIN:
        return value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, memoryview):
        return bytes(value)
    return value


CASE_FIELDS = tuple(f.attname for f in Complaint._meta.concrete_fields if f.attname not in _NOT_STATE)


def case_state(case: Complaint) -> str:
    """Canonical state of a case as the change log keeps it (the complainant only as ciphertext and masks)."""
    return state_text({name: _value(getattr(case, name)) for name in CASE_FIELDS})


def update_state(update: ChannelUpdate) -> str:
    """Canonical state of a channel update as the change log keeps it."""
    return state_text({name: _value(getattr(update, name)) for name in UPDATE_FIELDS})


def iter_case_states() -> Iterator[tuple[int, str]]:
    """(id, state) of every case, for `ecredit verify-log`."""
    for case in Complaint.objects.order_by("id").iterator(chunk_size=2000):
        yield case.pk, case_state(case)


def iter_update_states() -> Iterator[tuple[int, str]]:
    """(id, state) of every channel update, for `ecredit verify-log`."""
    for update in ChannelUpdate.objects.order_by("id").iterator(chunk_size=2000):
        yield update.pk, update_state(update)


# ---------------------------------------------------------------------------------------------- deadlines


def waiting_on(case: Complaint) -> dt.date | None:
    """The deadline the case waits on now: acceptance, the filing decision, mediation (not while testing or
    inspection stops the clock), a clue check, the notice of termination, the notice to a real-name reporter."""
    if case.status in FINISHED:
        return None
    if case.kind == Kind.REPORT:
        if case.status == Status.RECEIVED:
            return case.filing_due
        if case.status in (Status.FILED, Status.NOT_FILED) and case.real_name and case.reporter_notified_at is None:
            return case.reporter_notice_due
        return None
    if case.status == Status.RECEIVED:
        return case.accept_due
    candidates = []
    if case.status in (Status.ACCEPTED, Status.MEDIATING) and case.paused_since is None:
        candidates.append(case.mediation_due)
    if case.status == Status.TERMINATED and case.termination_notified_at is None:
        candidates.append(case.termination_notice_due)
    if case.clue_check_due and not case.clue_result:    # the check runs on after mediation ends (art. 23)
        candidates.append(case.clue_check_due)
    return min((d for d in candidates if d), default=None)


def refresh_due(case: Complaint) -> None:
    """Set `next_due` from the case's state; a new deadline clears the escalation of the one before."""
    due = waiting_on(case)
    if due != case.next_due:
        case.escalation_level, case.escalated_at = 0, None
    case.next_due, case.next_due_estimated = due, rules.estimated(due)


# ---------------------------------------------------------------------------------------------- saving


def save_case(case: Complaint, log: ChainWriter, actor: Actor, action: str, note: str = "",
              event: str | None = None, text: str = "") -> None:
    """Save a step of a case already written: its state into the change log, the step into its history, and
    (with `event`) an update for the channel it came from, in that channel's words. New cases are written by
    `bulk.CaseWriter`, which builds the same step and update with `new_step` and `new_update`."""
    refresh_due(case)
    case.updated_at = log.at
    case.log_seq = log.append(actor, action, CASE_MODEL, case.pk, case_state(case), note[:2000])
    case.save()
    new_step(case, log.at, actor, action, note).save()
    if event:
        push(case, log, actor, event, text or note)


def new_step(case: Complaint, at: dt.datetime, actor: Actor, action: str, note: str) -> ComplaintStep:
    """The history row of a step just logged (unsaved), carrying the case's log sequence number."""
    return build(ComplaintStep, complaint_id=case.pk, at=at, action=action, actor=actor.label,
                 organisation=actor.organisation, status=case.status, note=note[:4000], log_seq=case.log_seq)


def channel_status(channel: str, event: str, on: dt.date) -> tuple[str, str]:
    """The status code and words a channel is told for `event`: a hotline's own (in force on `on`), ours for a
    platform and any other channel."""
    if channel in HOTLINES:
        status = rules.hotline(channel, on).statuses[event]
        return status.code, status.label
    return event, str(EVENT_LABELS[event])


def new_update(case: Complaint, recipient: str, event: str, status: tuple[str, str], text: str,
               at: dt.datetime) -> ChannelUpdate:
    """The update (unsaved) that tells `recipient` of `event` on the case."""
    code, label = status
    return build(ChannelUpdate, complaint=case, channel=case.channel, recipient=recipient,
                 channel_ticket=case.channel_ticket, event=event, status_code=code, status_label=label,
                 text=public_text(case, text)[:2000], at=at)


def recipient_of(case: Complaint) -> str:
    """The organisation code that pulls the case's updates: the hotline's client, or the forwarding platform."""
    if case.channel in HOTLINES:
        return rules.hotline(case.channel).organisation
    if case.channel == Channel.PLATFORM and case.channel_org_id:
        return case.channel_org.code
    return ""


def push(case: Complaint, log: ChainWriter, actor: Actor, event: str, text: str = "") -> ChannelUpdate | None:
    """Queue an update of `event` for the channel the case came from (hotlines in their own status codes)."""
    recipient = recipient_of(case)
    if not recipient:
        return None
    update = new_update(case, recipient, event, channel_status(case.channel, event, timezone.localdate(log.at)),
                        text, log.at)
    update.save()
    update.log_seq = log.append(actor, "push", UPDATE_MODEL, update.pk, update_state(update), event)
    update.save(update_fields=["log_seq"])
    return update


def public_text(case: Complaint, text: str) -> str:
    """What a channel is told: the case number, the kind and the handling department, then the step's words."""
    department = case.handling_org.name if case.handling_org_id else ""
    head = _("{kind}案件{case_no}").format(kind=label(case, "kind"), case_no=case.case_no)
    if department:
        head += _("，承办单位：{name}").format(name=department)
    return f"{head}。{text}" if text else head + "。"


def label(case: Complaint, field: str) -> str:
    """What `case.get_<field>_display()` says, without translating every choice again on every call."""
    value = getattr(case, field)
    return _labels(field, get_language()).get(value, value)


@lru_cache(maxsize=64)
def _labels(field: str, language: str | None) -> dict[str, str]:
    return {value: str(text) for value, text in Complaint._meta.get_field(field).flatchoices}


# ---------------------------------------------------------------------------------------------- personal data


def _associated(case_no: str) -> bytes:
    return f"complaint:{case_no}".encode()


def seal_complainant(case: Complaint, name: str, phone: str, address: str) -> None:
    """Encrypt the complainant's name, phone and address into the case (bound to its number), keep masked forms
    and the phone's keyed hash (to find repeats without reading phones)."""
    current = policy.current()
    name, phone, address = (name or "").strip()[:60], (phone or "").strip()[:20], (address or "").strip()[:300]
    if name or phone or address:
        blob = json.dumps({"name": name, "phone": phone, "address": address}, ensure_ascii=False)
        case.complainant_cipher = crypto.encrypt(settings.KEYS.data_key, blob, _associated(case.case_no))
    case.complainant_name_masked = current.mask("person_name", name)[:40]
    case.complainant_phone_masked = current.mask("phone", phone)[:24]
    keep = rules.address_mask().keep_head
    case.complainant_address_masked = (address[:keep] + "****" if len(address) > keep else address)[:40]
    case.phone_lookup = complainant_phone_lookup(phone)
    case.real_name = bool(name and phone)


def complainant_phone_lookup(phone: str) -> str:
    """The keyed hash `seal_complainant` keeps of a complainant's phone as an item gives it ("" for none)."""
    phone = (phone or "").strip()[:20]
    return phone_lookup(phone) if phone else ""


def phone_lookup(phone: str) -> str:
    """The keyed hash under which a phone number is compared."""
    return crypto.keyed_hash(settings.KEYS.lookup_key, f"phone:{phone}")


def address_lookup(address: str) -> str:
    """The keyed hash of a submitter's network address (portal rate limits keep no addresses)."""
    return crypto.keyed_hash(settings.KEYS.lookup_key, f"ip:{address}")


def open_complainant(case: Complaint) -> dict[str, str]:
    """The complainant's name, phone and address in clear (callers log the read)."""
    if not case.complainant_cipher:
        return {"name": "", "phone": "", "address": ""}
    blob = crypto.decrypt(settings.KEYS.data_key, bytes(case.complainant_cipher), _associated(case.case_no))
    return json.loads(blob)


def masked_complainant(case: Complaint) -> dict[str, str]:
    """The complainant as anyone without the right to see it in full sees it."""
    return {"name": case.complainant_name_masked, "phone": case.complainant_phone_masked,
            "address": case.complainant_address_masked}


def without_personal_data(case: Complaint, text: str) -> str:
    """`text` with the complainant's name, phone and address taken out, and anything like a phone or a resident
    ID masked: for public records and for platforms, which never see the complainant (Order 20 art. 33)."""
    if not text:
        return text
    current = policy.current()
    person = open_complainant(case)
    for value in (person["name"], person["phone"]):
        if value and len(value) >= 2:
            text = text.replace(value, "***")
    address = person["address"]
    # "江苏省南通市…1号" is often written "南通市…1号" or just "工农路1号": any tail of five characters or more
    for start in range(max(0, len(address) - 4)):
        if address[start:] in text:
            text = text.replace(address[start:], "***")
            break
    return scrub(text, current.mask_pattern("resident_id"), current.mask_pattern("phone"))
