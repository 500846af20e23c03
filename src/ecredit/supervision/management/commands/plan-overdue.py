"""`ecredit plan-overdue`: print the plan's overdue progress reports and blocked tasks (for cron; exit 0)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from ecredit.access.principal import system
from ecredit.supervision.services import plan


class Command(BaseCommand):
    help = ("Print every lead or cooperating department with no progress report for the latest quarter past "
            "its due date, and every task reported blocked. Exit code 0 either way.")

    def add_arguments(self, parser):
        parser.add_argument("--date", help="count as of this day (YYYY-MM-DD; default today)")

    def handle(self, *args, date=None, **options):
        import datetime as dt

        today = dt.date.fromisoformat(date) if date else timezone.localdate()
        items = plan.overdue(system("plan-overdue"), today)
        self.stdout.write(f"plan progress overdue as of {today.isoformat()}: {len(items)} item(s)")
        for i in items:
            estimated = " (estimated)" if i.estimated else ""
            self.stdout.write(f"  task {i.task:>2}  {i.department:<18} {i.role:<7} {i.period}  "
                              f"due {i.due.isoformat()}{estimated}  {i.working_days_overdue:>3} working days  "
                              f"{i.reason}")
