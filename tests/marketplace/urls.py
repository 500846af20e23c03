"""The project's URLs plus the marketplace's API and rating-rules page, for tests run before they are
mounted in ecredit/api.py and portal/urls.py: a NinjaAPI of its own, with the main API's authentication and
error handlers, answers /api/v1/marketplace/...; everything else falls through to the project's URLs."""

from django.urls import include, path
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from ecredit import api as main
from ecredit.access.auth import PrincipalAuth
from ecredit.kit.errors import DomainError
from ecredit.marketplace.api import build_router
from ecredit.portal import marketplace_views

api = NinjaAPI(title="marketplace (tests)", auth=PrincipalAuth(), urls_namespace="marketplace_tests",
               docs_url=None, openapi_url=None)
api.exception_handler(DomainError)(main.domain_error)
api.exception_handler(AuthenticationError)(main.unauthenticated)
api.exception_handler(ValidationError)(main.invalid_request)
api.add_router("/", build_router())

urlpatterns = [
    path("api/v1/", api.urls),
    path("rules/ratings", marketplace_views.rating_rules, name="rating_rules"),
    path("", include("ecredit.urls")),
]
