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

# Supervision: the plan's tasks and progress (R18.2), platforms' compliance and interviews (R11.1, R11.3).
from ecredit.supervision import views as supervision_views  # noqa: E402

urlpatterns += [
    path("plan/", supervision_views.plan_page, name="plan"),
    path("plan/report", supervision_views.plan_report, name="plan_report"),
    path("platforms/", supervision_views.platforms_page, name="platforms"),
    path("platforms/<int:subject_id>/interview", supervision_views.interview_form, name="platform_interview"),
]

# Red and black lists and joint rewards and punishments (R14, R15): entries, one entry's procedure, an
# implementer's measure tasks, the supervision dashboard.
from . import list_views  # noqa: E402

urlpatterns += [
    path("lists/", list_views.entries_page, name="lists"),
    path("lists/propose", list_views.propose, name="list_propose"),
    path("lists/scan", list_views.scan, name="list_scan"),
    path("lists/<int:entry_id>/", list_views.entry_page, name="list_entry"),
    path("lists/<int:entry_id>/action", list_views.entry_action, name="list_entry_action"),
    path("lists/tasks/", list_views.tasks_page, name="list_tasks"),
    path("lists/tasks/<int:task_id>/action", list_views.task_action, name="list_task_action"),
    path("lists/supervision/", list_views.supervision_page, name="list_supervision"),
]

from . import commitment_views, compensation_views, complaint_views, safe_consumption_views  # noqa: E402

urlpatterns += [*complaint_views.urlpatterns, *compensation_views.urlpatterns, *commitment_views.urlpatterns,
                *safe_consumption_views.urlpatterns]

from . import finding_views, parcel_views, trace_views  # noqa: E402

urlpatterns += [*finding_views.urlpatterns, *parcel_views.urlpatterns, *trace_views.urlpatterns]

# API clients and their tokens (issue, rotate, revoke, scopes): the credit office's administrators.
from . import api_client_views  # noqa: E402

urlpatterns += api_client_views.urlpatterns
