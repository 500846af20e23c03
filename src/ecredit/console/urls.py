from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "console"
urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="console/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.workbench, name="workbench"),
    path("batches/<int:batch_id>/", views.batch_detail, name="batch"),
    path("objections/<int:objection_id>/", views.objection_detail, name="objection"),
    path("objections/<int:objection_id>/action", views.objection_action, name="objection_action"),
    path("repairs/<int:application_id>/", views.repair_detail, name="repair"),
    path("repairs/<int:application_id>/action", views.repair_action, name="repair_action"),
]
