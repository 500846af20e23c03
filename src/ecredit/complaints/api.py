"""投诉举报 API: intake from the hotlines (JSON in each one's own layout, or its export file), platforms and
departments; cases with the complainant masked; the handling steps; the channels' update feeds; figures."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Router, Status

from ecredit.kit.errors import ValidationFailed

from . import flows, rules, services
from .schemas import (AcceptanceIn, AckIn, AckOut, CanonicalItem, CaseDetailOut, CaseOut, ClosureIn, ClueCheckIn,
                      ClueIn, DailyOut, FigureOut, FilingIn, HotlineItemsIn, HotlineOut, IntakeOut, MediatedIn,
                      ComplaintNoteIn, PersonOut, PlatformItemsIn, ComplaintReasonIn, RespondentIn, TerminationIn,
                      TerminationNoticeIn, TransferIn, UpdateOut)

router = Router(tags=["complaints"])


def hotline_out(number: str) -> dict:
    """A hotline in force: who runs it, its layout (columns = JSON keys) and its status vocabulary."""
    line = rules.hotline(number)
    fields = [dict(field=s.to, columns=s.columns, read=s.read, formats=s.formats, values=s.values, unit=s.unit,
                   prefix=s.prefix, pattern=s.pattern) for s in line.layout.fields]
    return dict(number=number, name=line.name.zh, operator=line.operator.zh, department=line.department,
                organisation=line.organisation, default_kind=line.layout.default_kind, fields=fields,
                statuses={e: {"code": s.code, "label": s.label} for e, s in line.statuses.items()},
                effective=line.effective, reference=line.reference)


def _item(body: CanonicalItem) -> dict:
    return {k: v for k, v in body.dict().items() if v not in (None, "")}


def _detail(case_id: int, principal) -> dict:
    return services.detail(case_id, principal)


# ---------------------------------------------------------------------------------------------- intake


@router.get("/complaints/hotlines", response=list[HotlineOut], auth=None,
            summary="The seven hotlines: field layouts (column headers = JSON keys) and status codes")
def hotlines(request):
    return [hotline_out(n) for n in rules.hotline_numbers()]


@router.post("/complaints/hotlines/{hotline}/items", response=IntakeOut,
             summary="A hotline's items in its own layout; a report row per item (re-sending is harmless)")
def hotline_items(request, hotline: str, body: HotlineItemsIn):
    return services.intake_hotline(hotline, body.items, request.auth, atomic=body.atomic).as_dict()


@router.post("/complaints/hotlines/{hotline}/files", response=IntakeOut,
             summary="A hotline's export file (xlsx/xls/csv, multipart field `file` or the raw body with "
                     "?filename=), read in its own column layout")
def hotline_file(request, hotline: str, filename: str = "", atomic: bool = False):
    principal = request.auth
    services.require_hotline_sender(hotline, principal)
    upload = request.FILES.get("file")
    if upload is not None:
        data, name = upload.read(), upload.name
    else:
        data, name = request.body, filename or "upload.csv"
    if not data:
        raise ValidationFailed(_("请上传文件"), field="file", code="required")
    return services.intake_hotline_file(hotline, data, name, principal, atomic=atomic).as_dict()


@router.post("/complaints/platform-items", response=IntakeOut,
             summary="Complaints and reports a platform forwards about its shops (our canonical layout)")
def platform_items(request, body: PlatformItemsIn):
    return services.intake_platform([_item(i) for i in body.items], request.auth, atomic=body.atomic).as_dict()


@router.post("/complaints/walk-ins", response={201: list[CaseDetailOut]},
             summary="A department records a complaint or report made to it in person, by letter or phone")
def walk_in(request, body: CanonicalItem):
    made = services.record_walk_in(request.auth, _item(body))
    return Status(201, [_detail(c.pk, request.auth) for c in made])


# ---------------------------------------------------------------------------------------------- reading


@router.get("/complaints", response=list[CaseOut], summary="Cases you may see (complainant masked), filtered")
def list_cases(request, status: str | None = None, channel: str | None = None, category: str | None = None,
               department: str | None = None, kind: str | None = None, overdue: bool | None = None,
               escalated: bool | None = None, q: str | None = None, limit: int = 100, offset: int = 0):
    principal = request.auth
    found = services.cases(principal, status=status, channel=channel, category=category, department=department,
                           kind=kind, overdue=overdue, escalated=escalated, q=q)
    limit, offset = max(1, min(limit, 500)), max(0, offset)
    return [services.present(c, principal) for c in found[offset:offset + limit]]


@router.get("/complaints/figures", response=list[FigureOut],
            summary="Per channel, department or category: received, decided and closed on time, overdue, upheld")
def figures(request, by: str = "channel", since: str | None = None, until: str | None = None):
    import datetime as dt

    try:
        start = dt.date.fromisoformat(since) if since else None
        end = dt.date.fromisoformat(until) if until else None
    except ValueError:
        raise ValidationFailed(_("日期应为YYYY-MM-DD"), field="since", code="bad_date") from None
    return services.figures(request.auth, by=by, since=start, until=end)


@router.get("/complaints/updates", response=list[UpdateOut],
            summary="Status updates for your channel (hotline or platform) after `cursor`, in your vocabulary")
def updates(request, cursor: int = 0, limit: int = 100, pending: bool = False):
    return [dict(id=u.pk, case_no=u.complaint.case_no, kind=u.complaint.kind, channel=u.channel,
                 channel_ticket=u.channel_ticket, event=u.event, status_code=u.status_code,
                 status_label=u.status_label, text=u.text, at=u.at, acknowledged_at=u.acknowledged_at)
            for u in services.updates_feed(request.auth, cursor=cursor, limit=limit, pending_only=pending)]


@router.post("/complaints/updates/ack", response=AckOut, summary="Acknowledge the updates you received")
def acknowledge(request, body: AckIn):
    return services.acknowledge(request.auth, body.ids)


@router.post("/complaints/daily", response=DailyOut,
             summary="Run the daily pass now: mark overdue cases and escalate them (credit office)")
def daily(request):
    from ecredit.kit.errors import Forbidden

    if not request.auth.city_wide:
        raise Forbidden(_("只有信用办可以发起督办扫描"))
    return flows.advance()


@router.get("/complaints/{int:case_id}", response=CaseDetailOut,
            summary="A case with its steps, repeats and channel updates (complainant masked)")
def case_detail(request, case_id: int):
    return _detail(case_id, request.auth)


@router.get("/complaints/{int:case_id}/complainant", response=PersonOut,
            summary="The complainant in full, for the handling department, with a stated purpose (logged)")
def complainant(request, case_id: int, purpose: str = ""):
    return services.reveal_complainant(case_id, request.auth, purpose=purpose, channel="api")


# ---------------------------------------------------------------------------------------------- handling


@router.post("/complaints/{int:case_id}/acceptance", response=CaseDetailOut,
             summary="Accept a complaint, or not (with an art. 15 reason), within 7 working days")
def acceptance(request, case_id: int, body: AcceptanceIn):
    if body.accept:
        flows.accept(case_id, request.auth, note=body.note)
    else:
        flows.not_accept(case_id, request.auth, reason=body.reason, note=body.note)
    return _detail(case_id, request.auth)


@router.post("/complaints/{int:case_id}/transfer", response=CaseOut,
             summary="Pass a case on to the department with power to handle it, or out of the city (art. 37)")
def transfer(request, case_id: int, body: TransferIn):
    # The answer is the case as it left: the sender may no longer see it once another department has it.
    case = flows.transfer(case_id, request.auth, department=body.department, outside=body.outside, note=body.note)
    return services.present(case, request.auth)


@router.post("/complaints/{int:case_id}/mediation", response=CaseDetailOut, summary="Begin mediation")
def mediation(request, case_id: int, body: ComplaintNoteIn):
    flows.start_mediation(case_id, request.auth, note=body.note)
    return _detail(case_id, request.auth)


@router.post("/complaints/{int:case_id}/pause", response=CaseDetailOut,
             summary="Stop the mediation clock for testing or inspection (art. 20(3))")
def pause(request, case_id: int, body: ComplaintReasonIn):
    flows.pause(case_id, request.auth, reason=body.reason)
    return _detail(case_id, request.auth)


@router.post("/complaints/{int:case_id}/resume", response=CaseDetailOut, summary="Restart the mediation clock")
def resume(request, case_id: int, body: ComplaintNoteIn):
    flows.resume(case_id, request.auth, note=body.note)
    return _detail(case_id, request.auth)


@router.post("/complaints/{int:case_id}/agreement", response=CaseDetailOut,
             summary="The parties agreed; with the merchant at fault the complaint is upheld (credit record)")
def agreement(request, case_id: int, body: MediatedIn):
    flows.mediated(case_id, request.auth, agreement=body.agreement, merchant_at_fault=body.merchant_at_fault,
                   compensation=body.compensation, decision_no=body.decision_no)
    return _detail(case_id, request.auth)


@router.post("/complaints/{int:case_id}/termination", response=CaseDetailOut,
             summary="End mediation on an art. 21 ground")
def termination(request, case_id: int, body: TerminationIn):
    flows.terminate(case_id, request.auth, reason=body.reason, note=body.note)
    return _detail(case_id, request.auth)


@router.post("/complaints/{int:case_id}/termination-notice", response=CaseDetailOut,
             summary="Record that both parties were told of the termination (within 7 working days)")
def termination_notice(request, case_id: int, body: TerminationNoticeIn):
    flows.notify_termination(case_id, request.auth, channel=body.channel, note=body.note)
    return _detail(case_id, request.auth)


@router.post("/complaints/{int:case_id}/clue", response=CaseDetailOut,
             summary="A clue of a violation found in mediation (checked within 15 working days, art. 23)")
def clue(request, case_id: int, body: ClueIn):
    flows.record_clue(case_id, request.auth, text=body.text)
    return _detail(case_id, request.auth)


@router.post("/complaints/{int:case_id}/clue-check", response=CaseDetailOut,
             summary="The clue check's result, or its one extension by 15 working days")
def clue_check(request, case_id: int, body: ClueCheckIn):
    flows.check_clue(case_id, request.auth, result=body.result, extend=body.extend)
    return _detail(case_id, request.auth)


@router.post("/complaints/{int:case_id}/closure", response=CaseDetailOut,
             summary="Close the case; a supported or compensated complaint is upheld (credit record)")
def closure(request, case_id: int, body: ClosureIn):
    flows.close(case_id, request.auth, outcome=body.outcome, text=body.text, compensation=body.compensation)
    return _detail(case_id, request.auth)


@router.post("/complaints/{int:case_id}/filing", response=CaseDetailOut,
             summary="Decide whether to file a case on a report (within 15 working days)")
def filing(request, case_id: int, body: FilingIn):
    flows.decide_filing(case_id, request.auth, file=body.file, decision_no=body.decision_no, note=body.note)
    return _detail(case_id, request.auth)


@router.post("/complaints/{int:case_id}/filing-extension", response=CaseDetailOut,
             summary="Extend a report's check once by 15 working days")
def filing_extension(request, case_id: int, body: ComplaintReasonIn):
    flows.extend_filing(case_id, request.auth, reason=body.reason)
    return _detail(case_id, request.auth)


@router.post("/complaints/{int:case_id}/reporter-notice", response=CaseDetailOut,
             summary="Record that the real-name reporter was told of the filing decision (within 5 working days)")
def reporter_notice(request, case_id: int, body: ComplaintNoteIn):
    flows.notify_reporter(case_id, request.auth, note=body.note)
    return _detail(case_id, request.auth)


@router.post("/complaints/{int:case_id}/respondent", response=CaseDetailOut,
             summary="Confirm which registered subject the case is about")
def respondent(request, case_id: int, body: RespondentIn):
    flows.link_respondent(case_id, request.auth, subject_id=body.subject_id)
    return _detail(case_id, request.auth)
