"""`ecredit rescore [--as-of DATE] [--all-versions]`: rescore every subject (run nightly and after a model
change)."""

import datetime as dt

from django.core.management.base import BaseCommand

from ecredit.evaluation.batch import rescore_all


class Command(BaseCommand):
    help = "Rescore every subject with the evaluation models in force (vectorised batch)."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None, help="evaluation date (YYYY-MM-DD)")
        parser.add_argument("--all-versions", action="store_true",
                            help="also score with every other version of each model (after a model change)")

    def handle(self, *args, as_of=None, all_versions=False, **options):
        result = rescore_all(as_of, versions="all" if all_versions else "in_force")
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items())
        self.stdout.write(f"评价完成 / rescored: {result.subjects:,} scores, {result.changed:,} changed, "
                          f"{result.grade_changes:,} grade changes ({stages})")
