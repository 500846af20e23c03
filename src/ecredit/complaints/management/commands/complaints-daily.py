"""`ecredit complaints-daily`: the complaints' daily pass (run from cron)."""

from __future__ import annotations

import datetime as dt

import orjson
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Mark complaints and reports whose deadline has passed as overdue and escalate them."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=dt.date.fromisoformat, default=None, help="run as of this day")

    def handle(self, *args, **options):
        from ecredit.complaints.tasks import daily

        self.stdout.write(orjson.dumps(daily(options["date"])).decode())
