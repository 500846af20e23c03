"""`ecredit import-trades FILE --org CODE --kind orders|ratings [--atomic] [--report errors.xlsx]`: a
platform's spreadsheet of orders (one row per item) or ratings into the marketplace, as that platform.

Exit status: 0 when every row was accepted, 1 when some were refused (the error report is written), 2 when the
file or the organisation could not be used at all.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.access.cli import acting_for, read_file
from ecredit.kit.errors import DomainError
from ecredit.marketplace.files import error_report, import_trades

PREFERRED_ROLES = ("platform_client",)


def sending_role(kind: str) -> str | None:
    """The role a command-line principal of an organisation of `kind` takes to send data."""
    roles = policy.current().access.roles
    fitting = [name for name, role in roles.items()
               if kind in role.organisation_kinds and "record.submit" in role.permissions]
    return next((name for name in PREFERRED_ROLES if name in fitting), fitting[0] if fitting else None)


class Command(BaseCommand):
    help = "Import a platform's orders or ratings from a spreadsheet (xlsx, xls or csv)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx, .xls or .csv file")
        parser.add_argument("--org", required=True, help="code of the sending platform's organisation")
        parser.add_argument("--kind", required=True, choices=("orders", "ratings"),
                            help="what the file holds")
        parser.add_argument("--atomic", action="store_true",
                            help="refuse the whole file if any row is refused")
        parser.add_argument("--report", help="where to write the xlsx error report (default: next to FILE "
                                             "when rows are refused)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        data = read_file(path)
        principal = acting_for(options["org"], sending_role, _("“{org}”这类单位不能报送交易数据"))
        try:
            result = import_trades(data, path.name, options["kind"], principal, atomic=options["atomic"])
        except DomainError as exc:
            raise CommandError(str(exc.message), returncode=2) from None
        summary = _("{file}：收到 {received} 条，新增 {created}，更新 {updated}，未变化 {unchanged}，退回 {rejected}。")
        self.stdout.write(summary.format(file=path.name, received=result.received, created=result.created,
                                         updated=result.updated, unchanged=result.unchanged,
                                         rejected=result.rejected))
        if result.batch_ids:
            self.stdout.write(_("批次号：{ids}").format(ids="、".join(str(b) for b in result.batch_ids)))
        if result.blocked:
            self.stdout.write(_("按整批接收或整批退回处理：因有退回的行，本文件未写入数据。"))
        for error in result.errors[:20]:
            self.stdout.write(_("第{row}行 {field}：{message}").format(row=error["row"], field=error["field"],
                                                                   message=error["message"]))
        if options.get("report") or not result.ok:
            target = Path(options["report"]) if options.get("report") else \
                path.with_name(f"{path.stem}_错误报告.xlsx")
            target.write_bytes(error_report(result))
            self.stdout.write(_("处理报告：{path}").format(path=target))
        if not result.ok:
            sys.exit(1)

