"""`ecredit safe-consumption-daily`: the daily re-check of 放心消费 titles (run from cron)."""

from __future__ import annotations

import datetime as dt

import orjson
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Re-check every 放心消费 title: expire, suspend or revoke those whose holders no longer meet the criteria."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=dt.date.fromisoformat, default=None, help="run as of this day")

    def handle(self, *args, **options):
        from ecredit.safe_consumption.tasks import daily

        self.stdout.write(orjson.dumps(daily(options["date"])).decode())
