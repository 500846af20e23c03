"""`ecredit sign-log`: re-sign the change log's head with the current key (after a key rotation).

It refuses unless the whole log verifies first: signing must never bless a chain someone rewrote."""

import sys

from django.core.management.base import BaseCommand
from django.db import transaction

from ecredit.audit.models import ChainCheckpoint
from ecredit.audit.services import _checkpoint_message, lock_chain, verify


class Command(BaseCommand):
    help = "Re-sign the change log's head with the deployment's current Ed25519 key (the log must verify)."

    def handle(self, *args, **options):
        from django.conf import settings

        from ecredit.kit.crypto import ed25519_public_hex, ed25519_sign

        with transaction.atomic():
            head = lock_chain()
            if head.seq == 0:
                self.stdout.write("the change log is empty")
                return
            result = verify()
            if not result.ok:
                self.stderr.write(f"refusing to sign: the change log does not verify: {result.problem}")
                sys.exit(1)
            key = settings.KEYS.signing_key
            ChainCheckpoint.objects.filter(seq=head.seq).update(
                signature=ed25519_sign(key, _checkpoint_message(head.seq, head.hash)),
                public_key=ed25519_public_hex(key))
        self.stdout.write(f"signed entry #{head.seq}")
