"""Public endpoints of the portal (search, a subject's public profile, notices) and notice publishing."""

from __future__ import annotations

from ninja import Router, Status

from ecredit.access.principal import anonymous
from ecredit.throttle import throttle

from . import publications, services
from .models import Publication
from .schemas import PublicNoticeIn, NoticeOut, PublicProfileOut, SearchOut, NoticeWithdrawIn

router = Router(tags=["portal"])


def _hit(subject) -> dict:
    return dict(id=subject.pk, kind=subject.kind, name=subject.name,
                key=subject.shop_id if subject.kind == "shop" else subject.key, verified=subject.verified,
                platform=subject.platform.name if subject.platform_id else None)


def _record(r: services.ShownRecord) -> dict:
    return dict(id=r.id, type=r.type_code, type_name=r.type_name, polarity=r.polarity, decided_on=r.decided_on,
                summary=r.summary, details=r.details, source=r.source, status=r.status,
                under_objection=r.under_objection, public_until=r.public_until)


def notice_out(item: Publication) -> dict:
    """A notice as the API shows it."""
    publisher = item.publisher.name if item.publisher_id else (item.publisher_subject.name if item.publisher_subject_id
                                                               else "")
    return dict(id=item.pk, kind=item.kind, title=item.title, body=item.body, topic=item.topic,
                subject_id=item.subject_id, publisher=publisher, published_on=item.published_on,
                public_until=item.public_until, status=item.status)


@router.get("/public/search", response=SearchOut, auth=None, summary="Search subjects as the public sees them")
def public_search(request, q: str = ""):
    throttle(request, "search")
    result = services.search(q, anonymous())
    return dict(query=result.query, matched_by=result.matched_by, results=[_hit(s) for s in result.subjects])


@router.get("/public/subjects/{int:subject_id}", response=PublicProfileOut, auth=None,
            summary="A subject's public credit profile (what the portal shows)")
def public_profile(request, subject_id: int):
    throttle(request, "profile")
    p = services.profile(subject_id, anonymous(), channel="api")
    return dict(id=p.subject.pk, kind=p.subject.kind, name=p.name, key=p.key, region=p.region, verified=p.verified,
                identity_verified=p.identity_verified, legal_representative=p.legal_representative,
                platform=_hit(p.platform) if p.platform else None, operator=p.operator_name, counts=p.counts,
                licences=[_record(r) for r in p.licences], lists=[_record(r) for r in p.lists],
                commitments=[_record(r) for r in p.commitments], records=[_record(r) for r in p.records],
                notices=[notice_out(n) for n in p.notices], as_of=p.as_of)


@router.get("/public/notices", response=list[NoticeOut], auth=None, summary="Public notices, newest first")
def public_notices(request, kind: str = "risk_alert", limit: int = 50):
    throttle(request, "lists")
    limit = max(1, min(limit, 200))
    items = Publication.objects.public().filter(kind=kind).select_related("publisher", "publisher_subject")[:limit]
    return [notice_out(n) for n in items]


@router.post("/notices", response={201: NoticeOut}, summary="Publish a notice on the portal (policy decides who may)")
def publish_notice(request, body: PublicNoticeIn):
    item = publications.publish(request.auth, kind=body.kind, title=body.title, body=body.body,
                                subject_id=body.subject_id, topic=body.topic)
    item = Publication.objects.select_related("publisher", "publisher_subject").get(pk=item.pk)
    return Status(201, notice_out(item))


@router.post("/notices/{int:notice_id}/withdraw", response=NoticeOut, summary="Withdraw a notice you published")
def withdraw_notice(request, notice_id: int, body: NoticeWithdrawIn):
    item = publications.withdraw(notice_id, request.auth, reason=body.reason)
    item = Publication.objects.select_related("publisher", "publisher_subject").get(pk=item.pk)
    return notice_out(item)
