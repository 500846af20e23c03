"""`ecredit compensation-daily`: check the compensation ledger and count overdue claims (run from cron)."""

from __future__ import annotations

import datetime as dt

import orjson
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Check that every compensation ledger transaction balances and matches funds and claims; "
            "count overdue claims.")

    def add_arguments(self, parser):
        parser.add_argument("--date", type=dt.date.fromisoformat, default=None, help="run as of this day")

    def handle(self, *args, **options):
        from ecredit.compensation.tasks import daily

        result = daily(options["date"])
        self.stdout.write(orjson.dumps(result).decode())
        if not result["ledger_ok"]:
            raise CommandError("the compensation ledger has problems (see above)")
