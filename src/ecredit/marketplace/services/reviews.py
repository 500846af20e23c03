"""One review at a time: adding the appended review, shielding a review's text, and showing a review.

Reviews are never deleted or edited (E-commerce law art. 39 para. 2; art. 81 fines deleting them): shielding
hides the text on a ground of marketplace.yaml, keeps everything, and is logged. Whether a shielded rating
still counts is policy (`shielding.counts_in_points`; Taobao counts it and hides the text).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterator

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.audit.services import ChainWriter, logged_write, state_text
from ecredit.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ecredit.kit.masking import scrub

from ..models import Rating, ReviewShield, TradeBatch, TradeKind
from . import batches as b
from .ratings import MAX_TEXT, labels, window_problem

SHIELD_MODEL = "marketplace.reviewshield"
SHIELD_STATE_FIELDS = ("rating_id", "ground", "note", "reference", "shielded_by", "organisation")


def shield_state(values: Any) -> str:
    """The canonical state of a shielding as the change log keeps it."""
    get = values.get if isinstance(values, dict) else lambda k: getattr(values, k)
    return state_text({k: get(k) for k in SHIELD_STATE_FIELDS})


def iter_shield_states() -> Iterator[tuple[int, str]]:
    """Every shielding's current state, for verification of the change log."""
    rows = ReviewShield.objects.order_by("id").values("id", *SHIELD_STATE_FIELDS).iterator(chunk_size=5000)
    for row in rows:
        yield row["id"], shield_state(row)


def _own_rating(rating_id: int, principal) -> Rating:
    """The rating, if the principal's platform holds it (the credit office: any)."""
    rating = Rating.objects.filter(pk=rating_id).first()
    if rating is None:
        raise NotFound(_("未找到该评价"))
    if not principal.city_wide and rating.platform_id != b.platform_of(principal).pk:
        raise Forbidden(_("只能处理本平台网店的评价"), code="not_own_shop")
    return rating


def append_review(rating_id: int, principal, *, text: str, appended_at: dt.datetime | str | None = None,
                  channel: str = "api") -> Rating:
    """Add the appended review (追加评价) to a rating of the platform's own, once, within the appended window.
    Written as a batch of one (kind `appended`), so it is logged like every trade write."""
    b.require_sender(principal)
    rating = _own_rating(rating_id, principal)
    now = timezone.now()
    raw = {"appended_text": text, "appended_at": appended_at or now}
    names = labels()
    text_ = b.text(raw, "appended_text", names["appended_text"], MAX_TEXT)
    at = b.moment(raw, "appended_at", names["appended_at"], now)
    if rating.appended_at:
        raise Conflict(_("该评价已有追加评价，只能追加一次"), field="appended_text", code="appended_once")
    if at < rating.rated_at:
        raise ValidationFailed(_("追加时间早于评价时间"), field="appended_at", code="time_order")
    problem = window_problem(rating.order.completed_at, at, "appended_window")
    if problem:
        raise problem
    row = {"rating": rating.pk, "appended_text": text_, "appended_at": at.isoformat()}

    def write(rows: list, batch: TradeBatch, log: ChainWriter, outcome: b.Outcome) -> None:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE marketplace_rating SET appended_text = %s, appended_at = %s "
                           "WHERE id = %s AND appended_at IS NULL",
                           [text_, connection.ops.adapt_datetimefield_value(at), rating.pk])
            done = cursor.rowcount
        outcome.ids = [rating.pk]
        if done:
            outcome.updated = 1
        else:   # appended by another request in the meantime
            outcome.refuse(0, str(rating.pk), ValidationFailed(_("该评价已有追加评价，只能追加一次"),
                                                               field="appended_text", code="appended_once"))

    batch = b.run_batch(TradeKind.APPENDED, [row], principal, channel=channel, client_batch_id=None,
                        atomic=True, filename="", write=write, label="appended")
    if batch.rejected:
        raise Conflict(batch.errors[0]["message"], field="appended_text", code="appended_once")
    rating.refresh_from_db()
    return rating


@logged_write
def shield(rating_id: int, principal, ground: str, note: str = "") -> ReviewShield:
    """Shield a review's text on a ground of the policy (by the platform holding it, or the credit office).
    Nothing is deleted: the text stays stored, the rating keeps its value and scores, the act is logged."""
    principal.require("record.correct")
    rules = b.rule("shielding")
    if principal.organisation_kind not in b.rule("access").shielders:
        raise Forbidden(_("只有电子商务平台和信用办可以屏蔽评价"), code="not_a_shielder")
    rating = _own_rating(rating_id, principal)
    chosen = rules.grounds.get(str(ground or "").strip())
    if chosen is None:
        raise ValidationFailed(_("屏蔽理由应为：{values}").format(values="、".join(rules.grounds)), field="ground",
                               code="unknown_ground")
    if ReviewShield.objects.filter(rating=rating).exists():
        raise Conflict(_("该评价已被屏蔽"), code="already_shielded")
    note = str(note or "").strip()
    if len(note) > 300:
        raise ValidationFailed(_("说明超过{n}个字符").format(n=300), field="note", code="too_long")
    with ChainWriter() as log:
        item = ReviewShield.objects.create(rating=rating, ground=str(ground).strip(), note=note,
                                           reference=chosen.reference[:300],
                                           shielded_by=principal.label[:120],
                                           organisation=principal.organisation_code[:64], shielded_at=log.at)
        item.log_seq = log.append(principal.actor, "shield", SHIELD_MODEL, item.pk, shield_state(item), note)
        ReviewShield.objects.filter(pk=item.pk).update(log_seq=item.log_seq)
    return item


def present(rating: Rating) -> dict[str, Any]:
    """A rating as the public may see it: a shielded review shows its ground (code) instead of its text, and
    anything in the text that looks like a resident ID or a mobile number is masked."""
    shielded = rating.shield if _has_shield(rating) else None
    current = policy.current()
    ric, phone = current.mask_pattern("resident_id"), current.mask_pattern("phone")
    return {"id": rating.pk, "direction": rating.direction, "value": rating.value,
            "rated_at": rating.rated_at,
            "dsr": [rating.dsr_description, rating.dsr_service, rating.dsr_delivery],
            "text": "" if shielded else scrub(rating.text, ric, phone),
            "appended_text": "" if shielded else scrub(rating.appended_text, ric, phone),
            "appended_at": rating.appended_at, "shielded": bool(shielded),
            "shield_ground": shielded.ground if shielded else ""}


def _has_shield(rating: Rating) -> bool:
    try:
        rating.shield
    except ReviewShield.DoesNotExist:
        return False
    return True
