"""`ecredit import FILE --org ORG --type TYPE [--atomic] [--report out.xlsx]`: a department's or a
platform's spreadsheet into the archive, as that organisation, with a progress bar.

Exit status: 0 when every row was accepted, 1 when some were refused (the error report is written),
2 when the file could not be used at all.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ecredit import policy
from ecredit.access.cli import acting_for, read_file
from ecredit.exchange.files import import_file
from ecredit.exchange.models import Channel
from ecredit.kit.errors import DomainError

# Preferred role per organisation kind; otherwise the first role of access.yaml that may submit.
PREFERRED_ROLES = ("department_officer", "platform_client", "credit_office_admin")


def submitting_role(kind: str) -> str | None:
    """The role a system principal of an organisation of `kind` takes to submit records."""
    roles = policy.current().access.roles
    fitting = [name for name, role in roles.items()
               if kind in role.organisation_kinds and "record.submit" in role.permissions]
    return next((name for name in PREFERRED_ROLES if name in fitting), fitting[0] if fitting else None)


class Command(BaseCommand):
    help = "Import a spreadsheet (xlsx, xls or csv) of credit records for an organisation."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx, .xls or .csv file")
        parser.add_argument("--org", required=True, help="code of the submitting organisation")
        parser.add_argument("--type", required=True, dest="type_code", help="record type code (catalog.yaml)")
        parser.add_argument("--atomic", action="store_true", help="refuse the whole file if any row is refused")
        parser.add_argument("--report", help="where to write the xlsx report (default: next to FILE when rows "
                                             "are refused)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        data = read_file(path)
        principal = acting_for(options["org"], submitting_role, _("“{org}”这类单位不能报送信用记录"))

        console = Console(file=getattr(self.stdout, "_out", sys.stdout), highlight=False, soft_wrap=True)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=False) as bar:
            tasks: dict[str, int] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(_("读取") if stage == "read" else _("写入"), total=total)
                bar.update(tasks[stage], completed=done, total=total)

            try:
                result = import_file(data, path.name, options["type_code"], principal, channel=Channel.CLI,
                                     atomic=options["atomic"], progress=progress)
            except DomainError as exc:
                raise CommandError(str(exc.message), returncode=2) from None

        console.print(_("{file}（{type}）：收到 {received} 行，新增 {created}，更新 {updated}，未变化 {unchanged}，"
                        "退回 {rejected}。").format(file=path.name, type=result.type_name, received=result.received,
                                                   created=result.created, updated=result.updated,
                                                   unchanged=result.unchanged, rejected=result.rejected))
        console.print(_("批次号：{ids}").format(ids="、".join(str(b) for b in result.batch_ids)))
        if result.ignored:
            console.print(_("未识别的列（已忽略）：{cols}").format(cols="、".join(result.ignored)))
        if result.blocked:
            console.print(_("按整批接收或整批退回处理：因有退回的行，本文件未写入记录。"))
        report = options.get("report")
        if report or not result.ok:
            target = Path(report) if report else path.with_name(f"{path.stem}_错误报告.xlsx")
            try:
                target.write_bytes(result.report())
            except OSError:
                target = Path.cwd() / target.name
                target.write_bytes(result.report())
            console.print(_("处理报告：{path}").format(path=target))
        if not result.ok:
            sys.exit(1)

