"""The query widget that platforms embed on their home page (R13.4).

`widget/v1.js` is the loader a platform includes: it turns each `<div data-ecredit-widget>` into an iframe
on `widget/frame` (a search box and compact credit badges) or, with `data-subject`, on `widget/badge/<id>`.
The frame pages may be framed by any site, set no cookie, run no inline script, load nothing from outside
this server, and always read as the anonymous public: persons never appear.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import etag, require_safe

from ecredit import policy
from ecredit.access.principal import anonymous
from ecredit.archive.models import CreditRecord
from ecredit.kit.errors import IdentifierError
from ecredit.kit.identifiers import normalise_uscc
from ecredit.registry.models import Subject, SubjectKind
from ecredit.registry.services import display_name

from . import services
from .views import cached_page, subject_version

SCRIPT_FILE = Path(__file__).resolve().parent / "static" / "portal" / "widget-v1.js"
FRAME_RESULTS = 8
# The frame pages load only this server's own static files and may be framed by any site.
FRAME_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
             "form-action 'self'; base-uri 'none'; frame-ancestors *")


@dataclass
class Badge:
    """What one compact badge shows about a subject, for the public."""

    id: int
    name: str
    kind: str
    kind_label: str
    key: str
    platform: str
    verified: bool
    negative: int
    black: list[str] = field(default_factory=list)
    red: list[str] = field(default_factory=list)
    url: str = ""


def badges(subjects: list[Subject], principal, today: dt.date | None = None) -> list[Badge]:
    """Badges for `subjects` (in their order): counts and list entries from their public records today."""
    today = today or timezone.localdate()
    current = policy.current()
    rule = current.portal(today)
    black_types, red_types = set(rule.black_list_types), set(rule.red_list_types)
    rows = (CreditRecord.objects.visible_to(principal)
            .filter(CreditRecord.objects.public_q(today), subject_id__in=[s.pk for s in subjects])
            .values_list("subject_id", "record_type_id", "polarity").annotate(n=Count("id")).order_by())
    negative: dict[int, int] = {}
    lists: dict[int, dict[str, set[str]]] = {}
    for subject_id, type_code, polarity, n in rows:
        if polarity == "negative":
            negative[subject_id] = negative.get(subject_id, 0) + n
        which = "black" if type_code in black_types else "red" if type_code in red_types else ""
        if which:
            record_type = current.record_types.get(type_code)
            name = services.text(record_type.name) if record_type else type_code
            lists.setdefault(subject_id, {"black": set(), "red": set()})[which].add(name)
    out = []
    for subject in subjects:
        shop = subject.kind == SubjectKind.SHOP
        operator = subject.operator if shop else None
        found = lists.get(subject.pk, {"black": set(), "red": set()})
        out.append(Badge(
            id=subject.pk, name=display_name(subject, principal), kind=subject.kind,
            kind_label=str(subject.get_kind_display()), key=(subject.shop_id if shop else subject.uscc) or "",
            platform=subject.platform.name if shop and subject.platform else "",
            # A shop counts as verified when the shop and its operator both are (as on its profile).
            verified=bool(subject.verified and (not shop or (operator is not None and operator.verified))),
            negative=negative.get(subject.pk, 0), black=sorted(found["black"]), red=sorted(found["red"]),
            url=portal_url(reverse("portal:subject", args=[subject.pk]))))
    return out


def portal_url(url: str) -> str:
    """A portal page, through the language switch when the frame is in English (the portal keeps the
    language in a cookie, which the frame never sets)."""
    if translation.get_language() == "en":
        return reverse("portal:language", args=["en"]) + "?" + urlencode({"next": url})
    return url


def _language(request) -> str:
    """The frame's language: Chinese unless `lang=en` is asked for (the visitor's cookie plays no part)."""
    return "en" if request.GET.get("lang", "").lower().startswith("en") else settings.LANGUAGE_CODE


def _platform(raw: str) -> Subject | None:
    """The platform named by a `platform` USCC, or None when it is missing or unknown."""
    if not raw:
        return None
    try:
        code = normalise_uscc(raw[:40])
    except IdentifierError:
        return None
    return Subject.objects.filter(kind=SubjectKind.ORGANISATION, uscc=code).first()


def _framed(response: HttpResponse) -> HttpResponse:
    """Mark a frame page as frameable by any site, with nothing loaded from elsewhere."""
    response["Content-Security-Policy"] = FRAME_CSP
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@require_safe
@xframe_options_exempt
def frame(request):
    """The iframe page: a search box and the matching subjects as compact badges."""
    language = _language(request)
    with translation.override(language):
        query = request.GET.get("q", "")
        platform = _platform(request.GET.get("platform", ""))
        principal = anonymous()
        result = services.search(query, principal)
        subjects = result.subjects
        if platform is not None:
            # On a platform's site, shops of other platforms are left out; organisations stay.
            subjects = [s for s in subjects if s.kind != SubjectKind.SHOP or s.platform_id == platform.pk]
        shown = badges(subjects[:FRAME_RESULTS], principal)
        more = portal_url(reverse("portal:search") + "?" + urlencode({"q": result.query})) \
            if len(subjects) > FRAME_RESULTS else ""
        response = render(request, "portal/widget_frame.html", {
            "query": result.query, "searched": bool(result.query), "badges": shown, "more_url": more,
            "platform": platform.uscc if platform else "", "platform_name": platform.name if platform else "",
            "lang": "en" if language == "en" else "", "home_url": portal_url(reverse("portal:home"))})
    return _framed(response)


@require_safe
@xframe_options_exempt
def badge(request, subject_id: int):
    """A single subject's badge, for a platform that already knows the subject."""
    def page():
        subject = (Subject.objects.visible_to(anonymous()).select_related("platform", "operator")
                   .filter(pk=subject_id).first())
        shown = badges([subject], anonymous()) if subject is not None else []
        return render(request, "portal/widget_badge.html", {
            "badges": shown, "home_url": portal_url(reverse("portal:home"))}, status=200 if shown else 404)

    with translation.override(_language(request)):
        # Cached like the profile page: until something about this subject changes.
        response = cached_page(request, f"widget:badge:{subject_id}", page,
                               lambda: subject_version(subject_id))
    return _framed(response)


@functools.cache
def _script_cached() -> tuple[bytes, str]:
    data = SCRIPT_FILE.read_bytes()
    return data, hashlib.sha256(data).hexdigest()[:16]


def _script() -> tuple[bytes, str]:
    """The loader's bytes and ETag (read once, or on every request in development)."""
    if settings.DEBUG:
        _script_cached.cache_clear()
    return _script_cached()


@require_safe
@etag(lambda request: _script()[1])
def script(request):
    """The loader platforms include with `<script src=".../widget/v1.js" async>`."""
    response = HttpResponse(_script()[0], content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def help_page(request):
    """For platforms: the embed code, its options, and a live example."""
    base = settings.PUBLIC_URL
    return render(request, "portal/widget_help.html", {
        "script_url": base + reverse("portal:widget_js"), "frame_url": base + reverse("portal:widget_frame"),
        "badge_url": base + reverse("portal:widget_badge", args=[0])[:-1]})


urlpatterns = [
    path("widget/", help_page, name="widget_help"),
    path("widget/v1.js", script, name="widget_js"),
    path("widget/frame", frame, name="widget_frame"),
    path("widget/badge/<int:subject_id>", badge, name="widget_badge"),
]
