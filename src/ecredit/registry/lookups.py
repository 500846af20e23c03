"""Finding a subject by one of its keys, and showing it with personal data masked as the viewer requires."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ecredit.kit.errors import NotFound, ValidationFailed

from . import services
from .models import Subject, SubjectKind


def find(principal, *, subject_id: int | None = None, uscc: str | None = None, ric: str | None = None,
         platform_uscc: str | None = None, shop_id: str | None = None, **_ignored) -> Subject:
    """The subject named by exactly one key, among those the principal may see."""
    visible = Subject.objects.visible_to(principal)
    keys = [k for k in (subject_id, uscc, ric, shop_id) if k not in (None, "")]
    if len(keys) != 1:
        raise ValidationFailed(_("请提供且仅提供一种主体标识：subject_id、uscc、ric 或 platform_uscc + shop_id"),
                               field="subject", code="one_key")
    if subject_id:
        subject = visible.filter(pk=subject_id).first()
    elif uscc:
        subject = visible.filter(uscc=services.validated_uscc(uscc)).first()
    elif ric:
        subject = visible.filter(ric_lookup=services.ric_lookup(services.validated_ric(ric))).first()
    else:
        platform = services.validated_uscc(platform_uscc, "platform_uscc")
        subject = visible.filter(kind=SubjectKind.SHOP, platform__uscc=platform, shop_id=shop_id).first()
    if subject is None:
        raise NotFound(_("未找到该信用主体"))
    return subject


def brief(subject: Subject, principal) -> dict:
    """Id, kind, name and key, with a person's name masked for those without the right."""
    return dict(id=subject.pk, kind=subject.kind, name=services.display_name(subject, principal), key=subject.key,
                verified=subject.verified)
