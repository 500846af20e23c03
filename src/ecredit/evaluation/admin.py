from django.contrib import admin

from ecredit.adminkit import ReadOnlyAdmin

from .models import CurrentScore, EvaluationRun, GradeChange, Score


@admin.register(CurrentScore)
class CurrentScoreAdmin(ReadOnlyAdmin):
    list_display = ("subject", "model_version", "score", "grade", "as_of", "in_force")
    list_filter = ("model_code", "grade", "in_force")
    raw_id_fields = ("subject", "score_row")


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    list_display = ("subject", "model_version", "score", "grade", "as_of", "computed_at")
    list_filter = ("model_code", "grade")
    raw_id_fields = ("subject",)


@admin.register(GradeChange)
class GradeChangeAdmin(ReadOnlyAdmin):
    list_display = ("seq", "subject", "model_version", "old_grade", "new_grade", "at")
    raw_id_fields = ("subject",)


@admin.register(EvaluationRun)
class EvaluationRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "as_of", "started_at", "finished_at", "subjects", "changed", "policy_version")
