"""The public portal's pages. Anonymous pages are cached per process. A subject's pages are keyed by the
subject's own version (the newest change-log entry of its records and notices, its newest score, and when it
and its platform or operator last changed), so a record that changes shows at once while writes about other subjects leave the
page cached; pages that summarise everything (home, rules) are keyed by the change log's head."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from ecredit import policy
from ecredit.access.principal import anonymous, for_user
from ecredit.audit.models import ChainHead
from ecredit.kit.errors import NotFound, TooManyRequests
from ecredit.registry.models import SubjectKind
from ecredit.throttle import throttled

from . import services
from .models import Publication

PAGE_TTL = 600   # seconds; the key changes with every write, the TTL only bounds memory


def portal_principal(request):
    """The reader of a portal page: the subject's own account when one is logged in, otherwise the public.
    Officers browsing the public site see what the public sees."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        principal = for_user(user)
        if principal.acts_as_subject and principal.subject_id:
            return principal
    return anonymous()


def _own_account(request):
    principal = portal_principal(request)
    return principal if principal.acts_as_subject else None


def _context(request, **values) -> dict:
    own = _own_account(request)
    values.setdefault("portal_user", request.user.get_username() if own else "")
    return values


def _head() -> str:
    """The change log's head as a cache key part: its hash as well as its number, so that a database
    restored to an earlier state (or a test database rolled back) never meets pages of another history."""
    head = ChainHead.objects.filter(id=1).values_list("seq", "hash")[:1]
    return f"{head[0][0]}-{head[0][1][:16]}" if head else "0"


_SUBJECT_VERSION = (
    "SELECT s.updated_at,"
    " (SELECT MAX(r.log_seq) FROM archive_creditrecord r WHERE r.subject_id = s.id),"
    " (SELECT MAX(p.log_seq) FROM portal_publication p WHERE p.subject_id = s.id),"
    " (SELECT MAX(o.updated_at) FROM registry_subject o WHERE o.id = s.operator_id OR o.id = s.platform_id),"
    " (SELECT MAX(c.score_row_id) FROM evaluation_currentscore c WHERE c.subject_id = s.id)"
    " FROM registry_subject s WHERE s.id = %s")


def subject_version(subject_id: int) -> str:
    """What a subject's pages depend on, as a cache key part (one indexed query, no ORM compilation)."""
    with connection.cursor() as cursor:
        cursor.execute(_SUBJECT_VERSION, [subject_id])
        row = cursor.fetchone()
    return "_".join(str(v) for v in row).replace(" ", "T") if row else "none"


def too_many_requests(request, error: TooManyRequests) -> HttpResponse:
    """The page a visitor over a request limit gets: 429, and when to try again."""
    response = render(request, "portal/too_many_requests.html", _context(
        request, message=str(error.message), retry_after=error.retry_after), status=error.http_status)
    response["Retry-After"] = str(error.retry_after)
    response["Cache-Control"] = "no-store"
    return response


def limited(kind: str):
    """Decorator: count a portal page in security.yaml's `kind` bucket first (before any cached copy)."""
    return throttled(kind, too_many_requests)


def cached_page(request, name: str, render_page, version: Callable[[], str] = _head) -> HttpResponse:
    """Serve an anonymous GET from the cache when what the page shows has not changed since it was rendered
    (`version`, by default the change log's head); pages of a logged-in subject account are never cached."""
    if request.method != "GET" or request.user.is_authenticated:
        return render_page()
    key = f"portal:{name}:{version()}:{timezone.localdate().isoformat()}:{translation.get_language()}"
    body = cache.get(key)
    if body is None:
        response = render_page()
        if response.status_code != 200:
            return response
        cache.set(key, response.content, PAGE_TTL)
        return response
    return HttpResponse(body)


@require_GET
def home(request):
    """Home: search, headline figures, latest list entries, risk alerts and typical cases."""
    def page():
        principal = anonymous()
        return render(request, "portal/home.html", _context(
            request, figures=services.figures(), red=services.latest_entries("red", principal),
            black=services.latest_entries("black", principal), alerts=services.latest_notices("risk_alert"),
            cases=services.latest_notices("typical_case"), events=services.latest_notices("platform_event")))
    return cached_page(request, "home", page)


@require_GET
@limited("search")
def search(request):
    """Search by name (partial), pinyin initials, unified social credit code or shop id."""
    result = services.search(request.GET.get("q", ""), anonymous())
    if result.matched_by in ("uscc", "shop_id") and len(result.subjects) == 1:
        return redirect("portal:subject", subject_id=result.subjects[0].pk)
    return render(request, "portal/search.html", _context(request, result=result, query=result.query))


@require_GET
@limited("profile")
def subject_profile(request, subject_id: int):
    """A subject's credit profile: exactly what the policy discloses to this reader."""
    principal = portal_principal(request)

    def page():
        try:
            profile = services.profile(subject_id, principal, channel="portal")
        except NotFound:
            raise Http404 from None
        return render(request, "portal/profile.html", _context(request, p=profile, principal=principal))
    return cached_page(request, f"subject:{subject_id}", page, lambda: subject_version(subject_id))


@require_GET
@limited("lists")
def notices(request, kind: str):
    """Public notices of one kind, newest first."""
    rule = policy.current().publication_kind(kind)
    if rule is None:
        raise Http404
    items = services.latest_notices(kind, limit=100)
    return render(request, "portal/notices.html", _context(request, kind=kind, kind_name=services.text(rule.name),
                                                           items=items, rule=rule))


@require_GET
@limited("lists")
def notice_detail(request, notice_id: int):
    """One public notice."""
    item = Publication.objects.public().select_related("subject", "publisher").filter(pk=notice_id).first()
    if item is None or (item.subject is not None and item.subject.kind == SubjectKind.PERSON):
        raise Http404
    rule = policy.current().publication_kind(item.kind)
    return render(request, "portal/notice.html", _context(request, item=item,
                                                          kind_name=services.text(rule.name) if rule else item.kind))


@require_GET
def rules(request):
    """How long each kind of record stays public, generated from the policy files."""
    return cached_page(request, "rules", lambda: render(request, "portal/rules.html", _context(
        request, types=services.explain_publicity(), masking=_masking_examples(),
        categories={k: services.text(v) for k, v in policy.current().catalog.categories.items()})))


def _masking_examples() -> list[tuple[str, str]]:
    from django.utils.translation import gettext as _

    current = policy.current()
    return [(_("身份证号码"), current.mask("resident_id", "320602199001011234")),
            (_("自然人姓名"), current.mask("person_name", "张小明")),
            (_("手机号码"), current.mask("phone", "13812345678"))]


@require_GET
def evaluation_models(request):
    """The evaluation models in force, indicator by indicator, generated from evaluation.yaml."""
    from ecredit.evaluation.features import models_in_force
    from ecredit.evaluation.services import rule_text

    english = services.english()
    models = []
    for model in models_in_force(timezone.localdate()).values():
        lines = [(services.text(i.name), rule_text(i, english)) for i in model.rule.indicators]
        models.append({"code": model.code, "version": model.version, "name": services.text(model.rule.name),
                       "base": model.rule.base, "bands": model.rule.bands, "lines": lines,
                       "reference": model.rule.reference, "range": (model.rule.min_score, model.rule.max_score)})
    return cached_page(request, "evaluation_models", lambda: render(
        request, "portal/evaluation_models.html", _context(request, models=models)))


@require_GET
def procedures(request):
    """How to object to a record and how to apply for credit repair, from the deadlines in force."""
    return cached_page(request, "procedures", lambda: render(request, "portal/procedures.html", _context(
        request, how=services.explain_procedures())))


@require_GET
def language(request, code: str):
    """Switch the portal's language (a cookie) and go back to the page the visitor was on."""
    target = request.GET.get("next") or reverse("portal:home")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("portal:home")
    response = HttpResponseRedirect(target)
    if code in dict(settings.LANGUAGES):
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 24 * 3600, samesite="Lax")
    return response


class PortalLogin(LoginView):
    """Login of a subject's own account (a person or a business looking at its own archive)."""

    template_name = "portal/login.html"
    redirect_authenticated_user = False

    def get_success_url(self):
        return self.get_redirect_url() or reverse("portal:me")


@require_POST
def portal_logout(request):
    """Log out and return to the home page."""
    logout(request)
    return redirect("portal:home")


def me(request):
    """The logged-in subject's own archive, everything about it (persons see theirs only here)."""
    principal = _own_account(request)
    if principal is None:
        if request.user.is_authenticated:
            return render(request, "portal/me.html", _context(request, not_subject=True), status=403)
        return redirect(f"{reverse('portal:login')}?next={reverse('portal:me')}")
    try:
        profile = services.profile(principal.subject_id, principal, purpose="本人查询", channel="portal")
    except NotFound:    # the account points at a subject the archive no longer has
        return render(request, "portal/me.html", _context(request, subject_missing=True), status=404)
    return render(request, "portal/me.html", _context(request, p=profile, principal=principal))


@require_GET
def healthz(request):
    """The smallest answer the server gives (the benchmark's baseline): is the database reachable."""
    return JsonResponse({"ok": True, "head": _head()})
