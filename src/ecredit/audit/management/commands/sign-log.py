"""`ecredit sign-log`: sign the change log's head again (every write already signs it; this re-signs with
the current key after a key rotation)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from ecredit.audit.models import ChainCheckpoint
from ecredit.audit.services import _sign, lock_chain


class Command(BaseCommand):
    help = "Sign the change log's head with the deployment's current Ed25519 key."

    def handle(self, *args, **options):
        with transaction.atomic():
            head = lock_chain()
            if head.seq == 0:
                self.stdout.write("the change log is empty")
                return
            ChainCheckpoint.objects.filter(seq=head.seq).delete()
            _sign(head.seq, head.hash)
        self.stdout.write(f"signed entry #{head.seq}")
