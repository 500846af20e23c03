"""`ecredit parcel-figures [--month YYYY-MM ...] [--as-of YYYY-MM-DD] [--records]`: recompute courier firms'
monthly figures (default: every month of the last year not yet final) and, with --records, write the
service-quality record of every final month a firm failed, as the postal administration's system. Run monthly,
after logistics.yaml's settle days (e.g. on the 11th)."""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from ecredit.kit.errors import DomainError
from ecredit.logistics.services import figures


class Command(BaseCommand):
    help = "Recompute courier firms' monthly figures; --records writes the failed months' quality records."

    def add_arguments(self, parser):
        parser.add_argument("--month", action="append", default=[], help="a month of pick-ups, YYYY-MM (repeat)")
        parser.add_argument("--as-of", help="the day the figures are computed for (default today)")
        parser.add_argument("--records", action="store_true",
                            help="write logistics_service_quality records for final months that failed")

    def handle(self, *args, **options):
        try:
            as_of = dt.date.fromisoformat(options["as_of"]) if options.get("as_of") else None
            months = [dt.date.fromisoformat(f"{m[:7]}-01") for m in options["month"]]
        except ValueError as exc:
            raise CommandError(f"bad date: {exc}", returncode=2) from None
        started = time.perf_counter()
        written = figures.refresh_figures(months or None, as_of)
        self.stdout.write(f"carrier figures: {written} carrier-months in {time.perf_counter() - started:.1f} s")
        if options["records"]:
            try:
                ids = figures.write_quality_records(as_of)
            except DomainError as exc:
                raise CommandError(str(exc.message), returncode=2) from None
            self.stdout.write(f"service-quality records written: {len(ids)}")
