"""`ecredit findings-daily`: run the detectors over the data windows ending today (run from cron)."""

from __future__ import annotations

import datetime as dt

import orjson
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run the fake-order, review, parcel, name, licence and payment-channel detectors; keep their findings."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=dt.date.fromisoformat, default=None,
                            help="the last day of the data windows (default today)")
        parser.add_argument("--detector", action="append", dest="detectors", default=None,
                            help="run only this detector (repeatable): order_ring, review_accounts, empty_parcel, "
                                 "borrowed_name, missing_licence, unlicensed_channel")

    def handle(self, *args, **options):
        from ecredit.findings.tasks import daily

        result = daily(options["date"], options["detectors"])
        self.stdout.write(orjson.dumps(result).decode())
        if result["status"] != "finished":
            raise CommandError(result["error"] or "detection run failed")
