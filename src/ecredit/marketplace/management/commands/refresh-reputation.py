"""`ecredit refresh-reputation [--as-of YYYY-MM-DD] [--shop ID]`: recompute shops' reputation figures (run
daily, after the day's trades have arrived; the evaluation app reads them)."""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from ecredit.kit.errors import DomainError
from ecredit.marketplace import services


class Command(BaseCommand):
    help = "Recompute every shop's reputation figures (or one shop's) as of a day (default today)."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=dt.date.fromisoformat, help="the day the windows end (YYYY-MM-DD)")
        parser.add_argument("--shop", type=int, help="the registry id of one shop")

    def handle(self, *args, as_of=None, shop=None, **options):
        started = time.perf_counter()
        try:
            if shop:
                services.refresh_shop(shop, as_of)
                count = 1
            else:
                count = services.refresh_reputation(as_of)
        except DomainError as exc:
            raise CommandError(str(exc.message), returncode=2) from None
        self.stdout.write(f"网店信用指标已更新 / shop figures refreshed: {count:,} shops, "
                          f"{time.perf_counter() - started:.1f} s")
