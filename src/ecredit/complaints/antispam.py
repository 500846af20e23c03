"""Keeping the portal's public forms usable without an outside captcha service (complaints.yaml: portal).

Three measures besides the per-address and per-phone submission limits that `services.submit_portal` counts in
the database:

- a signed form token: issued with the form, it carries when the form was issued and a nonce; a submission
  comes no sooner than the shortest fill time (a person reads and types; a script posts at once) and no later
  than the token's life, and a token is claimed atomically for its submission and stays spent when it led to a
  case (a replayed post, even one sent at the same moment, is refused);
- a honeypot: a field hidden from people that only a form-filling robot fills in;
- a limit of case lookups per network address per hour, so that the tracking page cannot be used to try
  phone numbers against a case number.

Spent nonces and lookup counts are shared counters (ecredit.limits) under keyed hashes (no network
address is stored), so every worker process sees the same counts and the same spent forms.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit import limits as limits_store

from . import rules
from .services.common import address_lookup

SALT = "ecredit.complaints.portal-form"
HONEYPOT_FIELD = "website"

class Refused(Exception):
    """A submission or lookup the anti-abuse measures turn away: a code and the visitor's message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Limits:
    """The public forms' anti-abuse values in force on a day."""

    per_ip_per_hour: int
    per_phone_per_day: int
    min_content_chars: int
    min_fill_seconds: int
    form_max_age_minutes: int
    track_per_ip_per_hour: int


def limits(on: dt.date | None = None) -> Limits:
    """complaints.yaml's portal limits in force on `on`."""
    rule = rules.portal_limits(on)
    return Limits(per_ip_per_hour=rule.per_ip_per_hour, per_phone_per_day=rule.per_phone_per_day,
                  min_content_chars=rule.min_content_chars, min_fill_seconds=rule.min_fill_seconds,
                  form_max_age_minutes=rule.form_max_age_minutes, track_per_ip_per_hour=rule.track_per_ip_per_hour)


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


# ---------------------------------------------------------------------------------------------- form token


def issue_token(form: str, now: dt.datetime | None = None) -> str:
    """A signed token for one rendering of form `form` (e.g. "complaint", "report:postal")."""
    issued = int(_now(now).timestamp())
    return signing.dumps({"f": form, "t": issued, "n": secrets.token_urlsafe(12)}, salt=SALT, compress=False)


def _nonce_key(nonce: str) -> str:
    return f"complaints:form-nonce:{nonce}"


def check_token(token: str, form: str, now: dt.datetime | None = None) -> dict:
    """The token's content if a submission may go ahead with it; Refused otherwise (forged, for another form,
    too fast, expired or already spent)."""
    now = _now(now)
    try:
        payload = signing.loads(token or "", salt=SALT)
    except signing.BadSignature:
        raise Refused("bad_token", _("表单已失效，请刷新页面后重新填写")) from None
    if not isinstance(payload, dict) or payload.get("f") != form or not isinstance(payload.get("t"), int):
        raise Refused("bad_token", _("表单已失效，请刷新页面后重新填写"))
    rule = limits(timezone.localdate(now))
    age = now.timestamp() - payload["t"]
    if age > rule.form_max_age_minutes * 60:
        raise Refused("expired", _("表单打开已超过{n}分钟，为保护您的信息已失效，请重新提交").format(
            n=rule.form_max_age_minutes))
    if age < rule.min_fill_seconds:
        raise Refused("too_fast", _("提交过快，请核对填写的内容后再次提交"))
    if limits_store.value(_nonce_key(str(payload.get("n")))):
        raise Refused("spent", _("该表单已经提交过，如需再次投诉举报请重新打开表单"))
    return payload


def spend_token(payload: dict, now: dt.datetime | None = None) -> bool:
    """Claim a token for one submission, atomically: False when another request already holds it (the same post
    sent twice at once passes `check_token` twice; only one of them may go on). `release_token` gives it back
    when the submission made no case."""
    rule = limits(timezone.localdate(_now(now)))
    return limits_store.claim(_nonce_key(str(payload.get("n"))), rule.form_max_age_minutes * 60 + 60)


def release_token(payload: dict) -> None:
    """Give back a claimed token whose submission was refused, so the visitor can correct the form and send it."""
    limits_store.release(_nonce_key(str(payload.get("n"))))


def honeypot_filled(data) -> bool:
    """True when the hidden field people never see was filled in (a robot)."""
    return bool((data.get(HONEYPOT_FIELD) or "").strip())


# ---------------------------------------------------------------------------------------------- lookups


def count_lookup(remote_address: str, now: dt.datetime | None = None) -> None:
    """Count one case lookup from `remote_address` in the current hour; Refused beyond the hourly limit."""
    now = _now(now)
    # No address (a misconfigured proxy) is one shared bucket, not a way around the limit.
    rule = limits(timezone.localdate(now))
    hour = int(now.timestamp()) // 3600
    key = f"complaints:lookup:{address_lookup((remote_address or '').strip())}:{hour}"
    count = limits_store.bump(key, 3700)
    if count > rule.track_per_ip_per_hour:
        raise Refused("rate_limited", _("查询过于频繁，请一小时后再试"))
