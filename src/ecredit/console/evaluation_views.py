"""The quarterly credit evaluation report (R10.1) in the console: the page with server-drawn SVG charts, and
its PDF (WeasyPrint, Noto CJK) and xlsx (one sheet per breakdown, movers, grade changes) downloads."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from ecredit.evaluation import charts, quarterly
from ecredit.exchange.files.writing import safe, sheet_title
from ecredit.kit.errors import DomainError

from .views import console_principal

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHART_ROWS = 30                  # groups drawn in a chart (the tables list every one)
_HEAD = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")


def _charts(report: quarterly.QuarterlyReport, width: int = 720) -> dict:
    """The report's charts as inline SVG (markup built and escaped by evaluation.charts)."""
    out = {"overall": mark_safe(charts.grade_columns(report.overall.counts, report.grades,
                                                     title=_("全部主体等级分布"), width=min(width, 420)))}
    for breakdown in report.breakdowns:
        out[breakdown.code] = mark_safe(charts.stacked_shares(
            [(row.label, row.counts) for row in breakdown.rows[:CHART_ROWS]], report.grades,
            title=breakdown.title, width=width, caption=False))
    movers = [(m.name, float(m.delta)) for m in report.movers_up] + \
        [(m.name, float(m.delta)) for m in report.movers_down]
    out["movers"] = mark_safe(charts.diverging_bars(movers, title=_("分数变化最大的主体"), width=width,
                                                    caption=False)) \
        if movers else ""
    return out


def _cells(row: quarterly.Row, grades: list[str]) -> tuple[str, list[int], int]:
    return row.label, [row.counts.get(g, 0) for g in grades], row.total


def _context(report: quarterly.QuarterlyReport) -> dict:
    """What the page and the PDF template show: tables as plain rows, charts, movers."""
    drawn = _charts(report)
    tables = [{"code": b.code, "title": b.title, "chart": drawn[b.code],
               "rows": [_cells(row, report.grades) for row in b.rows], "total": _cells(b.total, report.grades)}
              for b in report.breakdowns]
    return {"report": report, "charts": drawn, "tables": tables, "changes_total": report.changes_total,
            "overall": [(g, report.overall.counts.get(g, 0), report.overall.share(g)) for g in report.grades],
            "movers_tables": [(_("分数上升最多（前{n}名）").format(n=quarterly.MOVERS), report.movers_up),
                              (_("分数下降最多（前{n}名）").format(n=quarterly.MOVERS), report.movers_down)]}


@login_required
@require_GET
def quarterly_report(request):
    """The report page; `?quarter=2026Q4` (default: the last completed quarter; `current`: this one to date)."""
    console_principal(request)
    choices = quarterly.recent_quarters()
    try:
        period = quarterly.resolve(request.GET.get("quarter"))
    except DomainError as exc:
        return render(request, "console/quarterly.html", {"error": str(exc.message), "choices": choices},
                      status=exc.http_status)
    report = quarterly.build(period)
    return render(request, "console/quarterly.html", {**_context(report), "choices": choices,
                                                      "selected": str(period.quarter)})


def _period(quarter: str) -> quarterly.Period | HttpResponse:
    try:
        return quarterly.resolve(quarter)
    except DomainError as exc:
        return HttpResponse(str(exc.message), status=exc.http_status, content_type="text/plain; charset=utf-8")


def _download(data: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def quarterly_pdf(request, quarter: str):
    """The report as PDF (A4, Noto Sans CJK embedded)."""
    console_principal(request)
    period = _period(quarter)
    if isinstance(period, HttpResponse):
        return period
    report = quarterly.build(period)
    return _download(render_pdf(report), "application/pdf", f"credit-evaluation-{report.quarter}.pdf")


def render_pdf(report: quarterly.QuarterlyReport) -> bytes:
    """PDF bytes of the report in the active language (WeasyPrint with the portal's per-thread font setup;
    only data: URLs are fetched, never the network)."""
    from weasyprint import HTML

    from ecredit.portal.pdf import _weasy

    font_config, fetcher = _weasy()
    html = render_to_string("console/quarterly_pdf.html", {**_context(report),
                                                           "lang_attr": translation.get_language() or "zh-hans"})
    return HTML(string=html, url_fetcher=fetcher).write_pdf(font_config=font_config)


@login_required
@require_GET
def quarterly_xlsx(request, quarter: str):
    """The report as xlsx: a summary, one sheet per breakdown, the movers and the grade changes."""
    console_principal(request)
    period = _period(quarter)
    if isinstance(period, HttpResponse):
        return period
    report = quarterly.build(period)
    return _download(render_xlsx(report), XLSX, f"credit-evaluation-{report.quarter}.xlsx")


# ---------------------------------------------------------------------------------------------------- xlsx


def _row(ws, values: list, *, head: bool = False) -> None:
    """Append a row; every string is neutralised against formula injection (exchange.files.writing.safe)."""
    ws.append([safe(v) for v in values])
    if head:
        for cell in ws[ws.max_row]:
            cell.font, cell.fill = _HEAD, _HEAD_FILL


def _widths(ws, widths: list[int]) -> None:
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = width


def _period_text(report: quarterly.QuarterlyReport) -> str:
    text = f"{report.start:%Y-%m-%d} — {report.end:%Y-%m-%d}"
    return text + (_("（截至当日）") if report.to_date else "")


def render_xlsx(report: quarterly.QuarterlyReport) -> bytes:
    """xlsx bytes of the report, sheet and column names in the active language."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(_("概况"))
    _row(ws, [_("信用评价季度报告")], head=True)
    for label, value in [(_("季度"), report.quarter), (_("统计期间"), _period_text(report)),
                         (_("生成时间"), timezone.localtime(report.generated_at).strftime("%Y-%m-%d %H:%M")),
                         (_("规则版本"), report.policy_version), (_("参评主体数"), report.overall.total),
                         (_("期初期末均有评分的主体数"), report.compared)]:
        _row(ws, [label, value])
    _row(ws, [])
    _row(ws, [_("等级"), _("主体数"), _("占比")], head=True)
    for grade in report.grades:
        _row(ws, [grade, report.overall.counts.get(grade, 0), round(report.overall.share(grade), 4)])
        ws.cell(row=ws.max_row, column=3).number_format = "0.0%"
    ws.cell(row=1, column=1).alignment = Alignment(wrap_text=False)
    _widths(ws, [28, 26, 12])
    for breakdown in report.breakdowns:
        sheet = wb.create_sheet(sheet_title(breakdown.title))
        _row(sheet, [_("分组"), *report.grades, _("合计")], head=True)
        for row in breakdown.rows + [breakdown.total]:
            _row(sheet, [row.label, *[row.counts.get(g, 0) for g in report.grades], row.total])
        _widths(sheet, [30] + [10] * (len(report.grades) + 1))
    for title, movers in [(_("分数上升最多"), report.movers_up), (_("分数下降最多"), report.movers_down)]:
        sheet = wb.create_sheet(sheet_title(title))
        _row(sheet, [_("序号"), _("主体编号"), _("名称"), _("统一社会信用代码或网店"), _("评价模型"), _("期初得分"),
                     _("期末得分"), _("变化"), _("期初等级"), _("期末等级"), _("模型版本有变化")], head=True)
        for i, m in enumerate(movers, start=1):
            _row(sheet, [i, m.subject_id, m.name, m.key, m.model_label, float(m.start_score), float(m.end_score),
                         float(m.delta), m.start_grade, m.end_grade, _("是") if m.model_changed else ""])
        _widths(sheet, [6, 10, 30, 30, 12, 10, 10, 10, 10, 10, 14])
    sheet = wb.create_sheet(sheet_title(_("等级变化")))
    _row(sheet, [_("评价模型"), _("首次评级"), _("等级上升"), _("等级下降"), _("合计")], head=True)
    for row in report.changes + [report.changes_total]:
        _row(sheet, [row.label, row.first, row.up, row.down, row.total])
    _row(sheet, [])
    _row(sheet, [_("原等级"), _("新等级"), _("次数")], head=True)
    for before, after, count in report.transitions:
        _row(sheet, [before, after, count])
    _widths(sheet, [30, 12, 12, 12, 10])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
