"""`ecredit expire-records`: mark records whose publicity period has ended (run daily from cron)."""

from django.core.management.base import BaseCommand

from ecredit.archive.services import expire_due


class Command(BaseCommand):
    help = "Mark credit records whose publicity period ended as expired (logged in the change log)."

    def handle(self, *args, **options):
        total = 0
        while True:
            done = expire_due()
            total += done
            if not done:
                break
        self.stdout.write(f"expired {total} records")
