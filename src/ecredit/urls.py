"""URL map: the public portal at the root, the API under /api/v1/, the console under /console/ (Django admin
under /console/admin/)."""


from django.contrib import admin
from django.urls import include, path

from ecredit.api import api
from ecredit.trace.epcis_api import epcis_api

urlpatterns = [
    path("api/v1/", api.urls),
    path("epcis/", epcis_api.urls),  # GS1 EPCIS 2.0 REST binding
    path("i18n/", include("django.conf.urls.i18n")),
    path("console/admin/", admin.site.urls),
    path("console/account/", include("ecredit.signin.urls")),
    path("console/", include("ecredit.console.urls")),
    path("", include("ecredit.portal.urls")),
]


def handler404(request, exception=None):
    """A path that matches no route: JSON for API clients (/api/, /epcis/), the portal's page for people."""
    from django.http import JsonResponse
    from django.utils.translation import gettext as _
    from django.views.defaults import page_not_found

    if request.path.startswith("/epcis/"):   # the EPCIS binding answers RFC 7807 problems
        return JsonResponse({"type": "epcisException:NoSuchResourceException", "title": _("未找到"), "status": 404,
                             "code": "not_found"}, status=404, content_type="application/problem+json")
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "message": _("未找到")}, status=404)
    return page_not_found(request, exception)
