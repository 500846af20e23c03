"""URL map: the public portal at the root, the API under /api/v1/, the console under /console/ (Django admin
under /console/admin/)."""


from django.contrib import admin
from django.urls import include, path

from ecredit.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("console/admin/", admin.site.urls),
    path("console/", include("ecredit.console.urls")),
    path("", include("ecredit.portal.urls")),
]
