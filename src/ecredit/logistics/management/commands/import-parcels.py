"""`ecredit import-parcels FILE --org CODE --layout aggregator_scans|carrier_scans|waybills [--atomic]
[--report errors.xlsx]`: a courier firm's file of waybills or tracking scans, in one of the layouts of
logistics.yaml, as that firm.

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
from ecredit.logistics.files import error_report, import_parcels


def reporting_role(kind: str) -> str | None:
    """The role a command-line principal of an organisation of `kind` takes to report parcels."""
    roles = policy.current().access.roles
    return next((name for name, role in roles.items()
                 if kind in role.organisation_kinds and "parcel.report" in role.permissions), None)


class Command(BaseCommand):
    help = "Import a courier firm's waybills or tracking scans from a file (xlsx, xls or csv)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx, .xls or .csv file")
        parser.add_argument("--org", required=True, help="code of the courier firm's organisation")
        parser.add_argument("--layout", required=True, help="a layout of logistics.yaml (aggregator_scans, "
                                                            "carrier_scans, waybills)")
        parser.add_argument("--atomic", action="store_true", help="refuse the whole file if any row is refused")
        parser.add_argument("--report", help="where to write the xlsx error report (default: next to FILE when "
                                             "rows are refused)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        data = read_file(path)
        principal = acting_for(options["org"], reporting_role, _("“{org}”这类单位不能报送运单和轨迹"))
        try:
            result = import_parcels(data, path.name, options["layout"], principal, atomic=options["atomic"])
        except DomainError as exc:
            raise CommandError(str(exc.message), returncode=2) from None
        self.stdout.write(_("{file}：收到 {received} 条，新增 {created}，更新 {updated}，未变化 {unchanged}，退回 "
                            "{rejected}。").format(file=path.name, received=result.received, created=result.created,
                                                   updated=result.updated, unchanged=result.unchanged,
                                                   rejected=result.rejected))
        if result.blocked:
            self.stdout.write(_("按整批接收或整批退回处理：因有退回的行，本文件未写入数据。"))
        for error in result.errors[:20]:
            self.stdout.write(_("第{row}行 {field}：{message}").format(row=error["row"], field=error["field"],
                                                                   message=error["message"]))
        if options.get("report") or result.errors:
            target = Path(options["report"]) if options.get("report") else \
                path.with_name(f"{path.stem}_错误报告.xlsx")
            target.write_bytes(error_report(result))
            self.stdout.write(_("处理报告：{path}").format(path=target))
        if result.errors:
            sys.exit(1)
