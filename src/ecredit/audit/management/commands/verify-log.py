"""`ecredit verify-log`: recompute the change log's hash chain and compare logged objects with it."""

import sys

from django.core.management.base import BaseCommand

from ecredit.audit.services import verify


class Command(BaseCommand):
    help = "Verify the change log: exit 0 when intact, 1 naming the first bad entry otherwise."

    def handle(self, *args, **options):
        result = verify()
        if result.ok:
            self.stdout.write(f"change log intact: {result.entries} entries, {result.objects} objects checked")
            return
        self.stderr.write(f"change log BROKEN: {result.problem}")
        sys.exit(1)
