"""`ecredit backup FILE [--passphrase-file F]`: the database, the key file and uploaded files in one archive."""

import sys

from django.core.management.base import BaseCommand

from ecredit.ops.backup import BackupError, make_backup, passphrase_from


class Command(BaseCommand):
    help = ("Back up the database (all tables), the key file (encrypted with a passphrase from --passphrase-file "
            "or ECREDIT_BACKUP_PASSPHRASE) and MEDIA_ROOT into one .tar.gz archive.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="archive to write, e.g. /var/backups/ecredit-2026-11-29.tar.gz")
        parser.add_argument("--passphrase-file", help="file whose first line is the passphrase")

    def handle(self, *args, **options):
        try:
            summary = make_backup(options["file"], passphrase_from(options["passphrase_file"]))
        except BackupError as exc:
            self.stderr.write(f"备份失败 / backup failed: {exc.message}")
            sys.exit(1)
        self.stdout.write(f"备份完成 / backup written: {summary.path}: {sum(summary.rows.values())} rows in "
                          f"{len(summary.rows)} tables, {summary.files} files, change log up to #{summary.log_head}")
