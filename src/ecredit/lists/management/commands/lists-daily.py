"""`ecredit lists-daily`: the lists' daily pass (run from cron)."""

from __future__ import annotations

import datetime as dt

import orjson
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Close objection windows, expire entries, escalate overdue measure tasks and propose new candidates."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=dt.date.fromisoformat, default=None, help="run as of this day")

    def handle(self, *args, **options):
        from ecredit.lists.tasks import daily

        self.stdout.write(orjson.dumps(daily(options["date"])).decode())
