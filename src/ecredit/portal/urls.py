"""The public portal's pages; report and widget routes live beside their views."""

from django.urls import path

from . import (commitment_views, complaint_views, list_views, marketplace_views, parcel_views, report_views,
               safe_consumption_views, trace_views, views, widget_views)

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("search", views.search, name="search"),
    path("subjects/<int:subject_id>/", views.subject_profile, name="subject"),
    path("notices/<slug:kind>/", views.notices, name="notices"),
    path("notice/<int:notice_id>/", views.notice_detail, name="notice"),
    path("rules/publicity", views.rules, name="rules"),
    path("rules/objection-and-repair", views.procedures, name="procedures"),
    path("rules/evaluation", views.evaluation_models, name="evaluation_models"),
    path("rules/ratings", marketplace_views.rating_rules, name="rating_rules"),
    path("lang/<str:code>", views.language, name="language"),
    path("login", views.PortalLogin.as_view(), name="login"),
    path("logout", views.portal_logout, name="logout"),
    path("me/", views.me, name="me"),
    path("healthz", views.healthz, name="healthz"),
    *list_views.urlpatterns,
    *report_views.urlpatterns,
    *widget_views.urlpatterns,
    *complaint_views.urlpatterns,
    *commitment_views.urlpatterns,
    *safe_consumption_views.urlpatterns,
    *parcel_views.urlpatterns,
    *trace_views.urlpatterns,
]
