"""The HTTP API (/api/v1/): one NinjaAPI composed of the apps' routers, one handler for domain errors."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import NinjaAPI
from django.http import Http404
from ninja.errors import AuthenticationError, HttpError, ValidationError

from ecredit import __version__
from ecredit.access.auth import PrincipalAuth
from ecredit.api_errors import document_errors
from ecredit.jsonbody import Parser as JsonBodyParser
from ecredit.archive.api import router as archive_router
from ecredit.commitments.api import router as commitments_router
from ecredit.compensation.api import router as compensation_router
from ecredit.complaints.api import router as complaints_router
from ecredit.exchange.api import router as exchange_router
from ecredit.kit.errors import DomainError, Forbidden, TooManyRequests
from ecredit.evaluation.api import router as evaluation_router
from ecredit.feeds.api import router as feeds_router
from ecredit.findings.api import router as findings_router
from ecredit.lists.api import router as lists_router
from ecredit.logistics.api import router as logistics_router
from ecredit.marketplace.api import router as marketplace_router
from ecredit.portal.api import router as portal_router
from ecredit.portal.report_api import router as report_router
from ecredit.registry.api import router as registry_router
from ecredit.safe_consumption.api import router as safe_consumption_router
from ecredit.supervision.api import router as supervision_router
from ecredit.trace.api import router as trace_router

class EcreditAPI(NinjaAPI):
    """The API, whose OpenAPI document also lists the error answers every operation may give."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        return document_errors(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))


api = EcreditAPI(
    title="ecredit API",
    version=__version__,
    description=(
        "电子商务信用信息平台数据交换接口 / Exchange interface of the e-commerce credit platform. "
        "Systems authenticate with `Authorization: Bearer <token>`; console users with their session. "
        "Errors are JSON: `{code, message, field?}`; messages follow `Accept-Language` (zh-hans, en)."
    ),
    auth=PrincipalAuth(),
    parser=JsonBodyParser(),
    urls_namespace="api",
)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    status = exc.http_status
    if isinstance(exc, Forbidden) and getattr(request, "auth", None) is not None and request.auth.is_anonymous:
        status = 401  # not logged in at all: ask for credentials rather than refuse
    response = api.create_response(request, exc.as_dict(), status=status)
    if isinstance(exc, TooManyRequests):
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return api.create_response(request, {"code": "unauthenticated", "message": _("令牌无效或已失效")}, status=401)


@api.exception_handler(ValidationError)
def invalid_request(request, exc: ValidationError):
    errors = [{"field": ".".join(str(p) for p in e.get("loc", [])[1:]), "message": e.get("msg", "")}
              for e in exc.errors]
    return api.create_response(request, {"code": "invalid", "message": _("请求格式不正确"), "errors": errors},
                               status=422)


HTTP_ERROR_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large",
                    429: "too_many_requests"}


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    """ninja's own refusals (an unparsable body, throttling) in our error shape."""
    status = exc.status_code
    message = _("请求体无法解析（应为JSON）") if status == 400 else str(exc)
    if status == 400 and isinstance(exc.__cause__, DomainError):   # ecredit.jsonbody says what is wrong
        message = str(exc.__cause__.message)
    return api.create_response(request, {"code": HTTP_ERROR_CODES.get(status, "error"), "message": message},
                               status=status)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"code": "not_found", "message": _("未找到")}, status=404)


@api.get("/health", auth=None, tags=["system"], summary="Liveness check")
def health(request):
    return {"status": "ok"}


api.add_router("/", archive_router)
api.add_router("/", exchange_router)
api.add_router("/", registry_router)
api.add_router("/", portal_router)
api.add_router("/", report_router)
api.add_router("/", evaluation_router)
api.add_router("/", feeds_router)
api.add_router("/", lists_router)
api.add_router("/", marketplace_router)
api.add_router("/", supervision_router)
api.add_router("/", complaints_router)
api.add_router("/", compensation_router)
api.add_router("/", commitments_router)
api.add_router("/", safe_consumption_router)
api.add_router("/", findings_router)
api.add_router("/", logistics_router)
api.add_router("/", trace_router)
