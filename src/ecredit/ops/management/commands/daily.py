"""`ecredit daily`: every app's daily job (the `<app>-daily` commands, records' publicity expiry, the plan's overdue
tasks), in dependency order, one failure not stopping the others; the systemd timer in deploy/ runs it once a day."""

import sys
import time
import traceback

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand

# Sources first (their deadlines and escalations write records), then what reads records: detection findings,
# lists (grades and records are list grounds), then the re-checks that read lists.
ORDER = ("expire-records", "complaints-daily", "compensation-daily", "commitments-daily", "logistics-daily", "findings-daily",
         "lists-daily", "safe-consumption-daily", "plan-overdue")


def daily_commands() -> list[str]:
    """The jobs of ORDER that are installed, then any other `*-daily` command alphabetically."""
    installed = set(get_commands())
    found = {name for name in installed if name.endswith("-daily")} | (set(ORDER) & installed)
    return [name for name in ORDER if name in found] + sorted(found - set(ORDER))


class Command(BaseCommand):
    help = "Run every `<app>-daily` job in order; exit 1 when any failed (the others still run)."

    def add_arguments(self, parser):
        parser.add_argument("--list", action="store_true", help="only list the jobs, in the order they run")

    def handle(self, *args, **options):
        jobs = daily_commands()
        if options["list"]:
            self.stdout.write("\n".join(jobs))
            return
        failed = []
        for job in jobs:
            started = time.perf_counter()
            try:
                call_command(job, stdout=self.stdout, stderr=self.stderr)
            except (Exception, SystemExit) as exc:  # a job's own exit status counts as its failure
                if isinstance(exc, SystemExit) and not exc.code:
                    pass
                else:
                    failed.append(job)
                    self.stderr.write(f"{job} failed: {exc!r}")
                    traceback.print_exc(file=sys.stderr)
            self.stdout.write(f"{job}: {time.perf_counter() - started:.1f} s")
        if failed:
            self.stderr.write("failed: " + ", ".join(failed))
            sys.exit(1)
        self.stdout.write(f"daily jobs done: {len(jobs)}")
