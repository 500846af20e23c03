"""`ecredit restore FILE [--passphrase-file F] [--replace-keys]`: put a backup back, then verify the change log."""

import sys

from django.core.management.base import BaseCommand

from ecredit.ops.backup import BackupError, passphrase_from, restore_backup


class Command(BaseCommand):
    help = ("Replace this deployment's database, key file and uploaded files with a backup made by `ecredit "
            "backup` (same migrations), then verify the change log. Everything is checked before anything changes.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--passphrase-file", help="file whose first line is the passphrase")
        parser.add_argument("--replace-keys", action="store_true",
                            help="overwrite a different key file already on this machine")

    def handle(self, *args, **options):
        try:
            summary = restore_backup(options["file"], passphrase_from(options["passphrase_file"]),
                                     replace_keys=options["replace_keys"])
        except BackupError as exc:
            self.stderr.write(f"恢复失败，未做任何更改 / restore failed, nothing changed: {exc.message}")
            sys.exit(1)
        self.stdout.write(f"恢复完成 / restored: {sum(summary.rows.values())} rows, {summary.files} files, "
                          f"change log up to #{summary.log_head}")
        if not summary.log_ok:
            self.stderr.write(f"变更日志校验失败 / change log BROKEN: {summary.log_problem}")
            sys.exit(1)
        self.stdout.write("变更日志校验通过 / change log intact")
