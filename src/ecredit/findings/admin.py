"""Django admin: runs, findings (with the subjects involved) and review models, read-only (every change goes
through the services and flows, and the change log)."""

from __future__ import annotations

from django.contrib import admin

from ecredit.adminkit import ReadOnlyAdmin, ReadOnlyInline

from .models import DetectionRun, Finding, FindingSubject, ReviewModel


class InvolvedInline(ReadOnlyInline):
    model = FindingSubject
    fields = ("subject", "role")
    raw_id_fields = ("subject",)


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "status", "subject", "platform", "score", "rank", "last_seen", "reviewed_at")
    list_filter = ("kind", "status")
    search_fields = ("title", "subject__name", "fingerprint")
    raw_id_fields = ("subject", "platform", "first_run", "last_run", "follows")
    inlines = [InvolvedInline]


@admin.register(DetectionRun)
class DetectionRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "started_at", "finished_at", "window_start", "window_end", "engine", "status",
                    "triggered_by")
    list_filter = ("status", "engine")


@admin.register(ReviewModel)
class ReviewModelAdmin(ReadOnlyAdmin):
    list_display = ("id", "trained_at", "trained_by", "positives", "negatives", "cv_auc", "active")
    list_filter = ("active",)
    exclude = ("booster",)
