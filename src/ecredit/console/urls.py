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

# Spreadsheet intake (templates, upload, result, error report).
from . import exchange_views  # noqa: E402

urlpatterns += [
    path("exchange/", exchange_views.exchange_index, name="exchange"),
    path("exchange/templates/<slug:type_code>.xlsx", exchange_views.exchange_template, name="exchange_template"),
    path("exchange/upload", exchange_views.exchange_upload, name="exchange_upload"),
    path("exchange/results/<int:batch_id>/", exchange_views.exchange_result, name="exchange_result"),
    path("exchange/results/<int:batch_id>/report.xlsx", exchange_views.exchange_report, name="exchange_report"),
]

# Credit checks for administrative matters (R9.2): the signed report with the purpose logged.
from . import check_views  # noqa: E402

urlpatterns += [path("checks/", check_views.credit_check, name="credit_check")]

# Quarterly credit evaluation report (R10.1): page, PDF, xlsx.
from . import evaluation_views  # noqa: E402

urlpatterns += [
    path("evaluation/quarterly/", evaluation_views.quarterly_report, name="quarterly"),
    path("evaluation/quarterly/<str:quarter>.pdf", evaluation_views.quarterly_pdf, name="quarterly_pdf"),
    path("evaluation/quarterly/<str:quarter>.xlsx", evaluation_views.quarterly_xlsx, name="quarterly_xlsx"),
]
