"""Publishing notices on the portal (typical cases, risk alerts, platforms' major events, merchants' own
disclosures) and withdrawing them. Who may publish what about whom is policy (disclosure.yaml)."""

from __future__ import annotations

from typing import Any, Iterator

from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.access.models import Organisation
from ecredit.audit.services import ChainWriter, logged_write, state_text
from ecredit.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ecredit.kit.masking import scrub
from ecredit.kit.text import normalise_query
from ecredit.registry.models import Subject, SubjectKind

from .models import Publication, PublicationStatus

MODEL = "portal.publication"
STATE_FIELDS = ("kind", "title", "body", "topic", "subject_id", "publisher_id", "publisher_subject_id",
                "published_on", "public_until", "status", "withdrawn_reason", "reference")


def _state(values: dict[str, Any]) -> str:
    return state_text({k: values[k] for k in STATE_FIELDS})


def iter_states() -> Iterator[tuple[int, str]]:
    """Every notice's current state, for verification of the change log."""
    for row in Publication.objects.order_by("id").values("id", *STATE_FIELDS).iterator(chunk_size=5000):
        yield row["id"], _state(row)


def _model_state(item: Publication) -> str:
    return _state({k: getattr(item, k) for k in STATE_FIELDS})


def _own_subject_id(principal) -> int | None:
    """The registry subject of the publishing organisation (a platform's own entry), or the account's subject."""
    if principal.subject_id:
        return principal.subject_id
    if principal.organisation_id:
        uscc = Organisation.objects.filter(pk=principal.organisation_id).values_list("uscc", flat=True).first()
        if uscc:
            return Subject.objects.filter(uscc=uscc).values_list("id", flat=True).first()
    return None


def _about(rule, principal, subject_id: int | None) -> int | None:
    """The subject the notice may be about, checked against the kind's `about` rule."""
    own = _own_subject_id(principal)
    if rule.about == "none":
        return None
    if rule.about == "own":
        if own is None:
            raise Forbidden(_("发布单位未关联登记主体，不能发布此类公示"), code="no_own_subject")
        if subject_id not in (None, own):
            raise Forbidden(_("此类公示只能关于发布者本身"), field="subject_id", code="not_own")
        return own
    if subject_id is None:
        return None
    subject = Subject.objects.filter(pk=subject_id).only("id", "kind", "platform_id").first()
    if subject is None or subject.kind == SubjectKind.PERSON:
        raise NotFound(_("未找到该信用主体"), field="subject_id")
    if rule.about == "own_shops" and principal.organisation_kind == "platform":
        if not (subject.kind == SubjectKind.SHOP and subject.platform_id == own):
            raise Forbidden(_("平台只能就本平台网店发布风险提示"), field="subject_id", code="not_own_shop")
    return subject.pk


@logged_write
def publish(principal, *, kind: str, title: str, body: str, subject_id: int | None = None,
            topic: str = "") -> Publication:
    """Publish a notice of `kind` for the period the policy gives it; personal data in its text is masked."""
    principal.require("publication.publish")
    today = timezone.localdate()
    current = policy.current()
    rule = current.publication_kind(kind, today)
    if rule is None:
        raise ValidationFailed(_("未知的公示类型：{kind}").format(kind=kind), field="kind", code="unknown_kind")
    publisher = "self" if principal.acts_as_subject else principal.organisation_kind
    if publisher not in rule.publishers:
        raise Forbidden(_("本单位不能发布“{kind}”").format(kind=rule.name.zh), field="kind", code="not_publisher")
    title, body = normalise_query(title, 200), str(body or "").strip()
    if not title:
        raise ValidationFailed(_("标题不能为空"), field="title", code="required")
    if not body or len(body) > 10_000:
        raise ValidationFailed(_("正文不能为空且不超过一万字"), field="body", code="length")
    if rule.topics and topic not in rule.topics:
        raise ValidationFailed(_("公示事项须为：{topics}").format(topics="、".join(rule.topics)),
                               field="topic", code="unknown_topic")
    about = _about(rule, principal, subject_id)
    ric, phone = current.mask_pattern("resident_id"), current.mask_pattern("phone")
    with ChainWriter() as log:
        item = Publication(kind=kind, title=scrub(title, ric, phone), body=scrub(body, ric, phone), topic=topic,
                           subject_id=about, publisher_id=principal.organisation_id if not principal.acts_as_subject
                           else None, publisher_subject_id=principal.subject_id if principal.acts_as_subject else None,
                           published_on=today, public_until=rule.public_for.after(today),
                           reference=rule.reference[:300], created_at=log.at, log_seq=0)
        item.save()
        item.log_seq = log.append(principal.actor, "publish", MODEL, item.pk, _model_state(item), kind)
        Publication.objects.filter(pk=item.pk).update(log_seq=item.log_seq)
    return item


@logged_write
def withdraw(publication_id: int, principal, *, reason: str) -> Publication:
    """Withdraw a notice (its publisher, or the credit office); it stays on record, out of public view."""
    principal.require("publication.publish")
    item = Publication.objects.select_for_update().filter(pk=publication_id).first()
    if item is None:
        raise NotFound(_("未找到该公示信息"))
    own = (item.publisher_id and item.publisher_id == principal.organisation_id and not principal.acts_as_subject) \
        or (item.publisher_subject_id and item.publisher_subject_id == principal.subject_id)
    if not (own or principal.city_wide):
        raise Forbidden(_("只能撤回本单位发布的公示"), code="not_publisher")
    if item.status == PublicationStatus.WITHDRAWN:
        raise Conflict(_("该公示已撤回"), code="already_withdrawn")
    if not (reason or "").strip():
        raise ValidationFailed(_("撤回须说明原因"), field="reason", code="required")
    with ChainWriter() as log:
        item.status, item.withdrawn_reason = PublicationStatus.WITHDRAWN, reason.strip()[:300]
        item.log_seq = log.append(principal.actor, "withdraw", MODEL, item.pk, _model_state(item), item.withdrawn_reason)
        item.save(update_fields=["status", "withdrawn_reason", "log_seq"])
    return item
