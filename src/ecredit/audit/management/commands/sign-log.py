"""`ecredit sign-log`: sign the change log's current head (run from cron, e.g. hourly)."""

from django.core.management.base import BaseCommand

from ecredit.audit.services import checkpoint


class Command(BaseCommand):
    help = "Sign the change log's head with the deployment's Ed25519 key."

    def handle(self, *args, **options):
        point = checkpoint()
        self.stdout.write(f"signed entry #{point.seq}" if point else "nothing new to sign")
