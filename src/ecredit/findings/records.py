"""The credit records a confirmed finding becomes (findings.yaml outcomes), written through the archive.

The confirming officer's organisation is the records' source (the credit office's when the officer acts for
none). Each record's id is `finding-<finding>-<subject>`: confirming is written once, and a re-sent item
would be left unchanged. Details follow the record type's schema: the finding's number is the case number,
the evidence gives the orders, reviews, names or licences, and the description says what was found and who
confirmed it. Nothing personal goes into details: buyers are the platforms' pseudonyms and are not named.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.access.models import Organisation, OrganisationKind
from ecredit.access.principal import Principal, system
from ecredit.archive import services as archive
from ecredit.kit.errors import ValidationFailed
from ecredit.kit.identifiers import is_valid_uscc
from ecredit.marketplace.models import Order
from ecredit.registry.models import Subject, SubjectKind
from ecredit.registry.services import reveal_resident_id

from .models import Finding, FindingKind

MAX_ORDER_IDS = 10_000


def case_no(finding: Finding) -> str:
    """The finding's number as records and notes cite it (线索000123)."""
    return _("线索{n:06d}").format(n=finding.pk)


def source_principal(principal) -> Principal:
    """Who submits the records: the officer's organisation, or the credit office for one acting for none."""
    if principal.organisation_id is not None and principal.can("record.submit"):
        return principal
    office = Organisation.objects.filter(kind=OrganisationKind.CREDIT_OFFICE).order_by("id").first()
    if office is None:
        raise ValidationFailed(_("确认线索须以单位身份进行"), code="no_organisation")
    return Principal.build(principal.label, "credit_office_admin", office)


def subject_ref(subject: Subject) -> dict[str, Any]:
    """How a record names its subject (a person's ID number is read back for the archive, access-logged)."""
    if subject.kind == SubjectKind.SHOP:
        return {"kind": "shop", "platform_uscc": subject.platform.uscc, "shop_id": subject.shop_id,
                "name": subject.name}
    if subject.kind == SubjectKind.PERSON:
        ric = reveal_resident_id(subject, system("findings"), purpose="写入经核实的造假线索记录", channel="findings")
        return {"kind": "person", "ric": ric, "name": subject.name}
    return {"kind": "organisation", "uscc": subject.uscc, "name": subject.name}


def _described(finding: Finding, text: str, org_name: str, reason: str) -> str:
    confirmed = _("经{org}核查确认（{no}）").format(org=org_name, no=case_no(finding))
    return "；".join(t for t in (text, confirmed, reason) if t)[:4000]


def _ids(values: list) -> list[str]:
    return [str(v)[:64] for v in values if str(v)][:MAX_ORDER_IDS]


def _new(finding: Finding) -> set[str]:
    """For a follow-up of a confirmed finding, the items the earlier confirmation did not cover (else empty:
    everything in the evidence is decided now)."""
    return set(finding.evidence.get("new_since_decision", [])) if finding.follows_id else set()


def _ring(finding: Finding, shop_id: int, outcome) -> dict[str, Any]:
    ev = finding.evidence
    numbers = ev.get("shop_orders", {}).get(str(shop_id), [])
    new = _new(finding)
    if new:   # a follow-up: only the orders the earlier confirmation did not cover
        numbers = [n for n in numbers if n in new]
    amount = float(ev.get("shop_amounts", {}).get(str(shop_id), 0.0))
    if new:   # the evidence sums every ring order of the shop; a follow-up records only the new ones
        amount = float(Order.objects.filter(platform_id=finding.platform_id, shop_id=shop_id,
                                            order_no__in=numbers).aggregate(total=Sum("amount"))["total"] or 0)
    return {"order_ids": _ids(sorted(numbers)), "order_count": max(len(numbers), 1),
            "amount_wan": round(amount / 10_000, 6), "empty_parcel": bool(outcome.empty_parcel),
            "description": (_("{buyers}个买家账号于{start}至{end}集中向{shops}家网店下单共{orders}笔，其中本店{n}笔；"
                              "团伙订单密度为该平台平均的{lift:.1f}倍") if ev.get("method") == "peeling" else
                            _("{buyers}个买家账号于{start}至{end}集中向{shops}家网店下单共{orders}笔，其中本店{n}笔；"
                              "买家与网店的交易组合为随机预期的{lift:.0f}倍")).format(
                buyers=len(ev.get("buyers", [])), start=(ev.get("start") or "")[:10], end=(ev.get("end") or "")[:10],
                shops=len(ev.get("shops", [])), orders=ev.get("order_count", 0), n=len(numbers),
                lift=float(ev.get("lift") or 0)),
            "evidence_summary": _("同一批买家集中在少数网店下单（买家-网店组合覆盖率{fill:.0%}），并在热门网店少量下单作伪装").format(
                fill=float(ev.get("fill") or 0))}


def _parcels(finding: Finding, outcome) -> dict[str, Any]:
    ev = finding.evidence
    numbers = [str(o).partition("/")[2] for o in ev.get("orders", [])]
    new = {str(o).partition("/")[2] for o in _new(finding)}
    if new:
        numbers = [n for n in numbers if n in new]
    rules = "、".join(f"{k}×{v}" for k, v in sorted(ev.get("rules", {}).items()))
    return {"order_ids": _ids(sorted(numbers)), "order_count": max(len(numbers), 1),
            "empty_parcel": bool(outcome.empty_parcel),
            "description": _("{n}笔订单的运单物流轨迹异常，疑似空包裹伪造物流信息").format(n=len(numbers)),
            "evidence_summary": _("命中规则：{rules}").format(rules=rules)}


def _reviews(finding: Finding, outcome) -> dict[str, Any]:
    ev = finding.evidence
    ratings = [str(r) for r in ev.get("ratings", [])]
    new = _new(finding)
    if new:
        ratings = [r for r in ratings if r in new]
    return {"order_ids": _ids(ev.get("orders", [])), "review_ids": _ids(ratings),
            "review_count": max(len(ratings), 1), "pattern": outcome.pattern,
            "description": _("{accounts}个可疑账号于{start}至{end}集中给出好评{n}条，占该店同期评价的{share:.0%}").format(
                accounts=ev.get("account_count", 0), start=(ev.get("start") or "")[:10],
                end=(ev.get("end") or "")[:10], n=len(ratings), share=float(ev.get("share") or 0)),
            "evidence_summary": _("账号特征：一次性账号、评价集中爆发、评分偏离等")}


def _name(finding: Finding) -> dict[str, Any]:
    ev = finding.evidence
    org = ev.get("organisation", {})
    details = {"used_name": ev.get("name", "")[:200], "owner_name": org.get("name", "")[:200],
               "similarity": float(ev.get("similarity") or 0),
               "description": _("使用的名称“{name}”与已登记企业“{org}”高度近似，且二者无经营者、授权等关联").format(
                   name=ev.get("name", ""), org=org.get("name", "")),
               "evidence_summary": _("名称比对：{reason}，相似度{sim}").format(reason=ev.get("reason", ""),
                                                                       sim=ev.get("similarity"))}
    if org.get("uscc") and is_valid_uscc(org["uscc"]):
        details["owner_uscc"] = org["uscc"]
    return details


def _licence(finding: Finding) -> dict[str, Any]:
    ev = finding.evidence
    required = [r["name"] for r in ev.get("required", [])] or [ev.get("category", "")]
    return {"category": str(ev.get("category_name") or ev.get("category"))[:50], "required_licences": required,
            "licence_problem": ev.get("problem", "none_held"), "order_ids": _ids(ev.get("orders", []))[:1000],
            "order_count": max(int(ev.get("order_count") or 1), 1),
            "description": _("检测期间销售{category}类商品{n}笔，未持有有效的{licences}").format(
                category=ev.get("category_name", ""), n=ev.get("order_count", 0), licences="或".join(required)),
            "evidence_summary": _("许可核查：{reason}").format(reason=ev.get("reason", ""))}


def _channel(finding: Finding) -> dict[str, Any]:
    ev = finding.evidence
    details = {"channel": str(ev.get("channel_name") or ev.get("channel"))[:100],
               "licence_problem": ev.get("problem", "not_licensed"),
               "shop_count": max(int(ev.get("shop_count") or 1), 1),
               "order_count": max(int(ev.get("order_count") or 1), 1),
               "description": _("{n}家网店经支付渠道“{channel}”收款{orders}笔：{reason}").format(
                   n=ev.get("shop_count", 0), channel=ev.get("channel_name", ""), orders=ev.get("order_count", 0),
                   reason=ev.get("reason", ""))}
    if ev.get("resembles"):
        details["resembles"] = str(ev["resembles"])[:200]
    return details


def _details(finding: Finding, subject_id: int, outcome) -> dict[str, Any]:
    kind = finding.kind
    if kind == FindingKind.ORDER_RING:
        return _ring(finding, subject_id, outcome)
    if kind == FindingKind.EMPTY_PARCEL:
        return _parcels(finding, outcome)
    if kind == FindingKind.REVIEW_ACCOUNTS:
        return _reviews(finding, outcome)
    if kind == FindingKind.BORROWED_NAME:
        return _name(finding)
    if kind == FindingKind.MISSING_LICENCE:
        return _licence(finding)
    return _channel(finding)


def subjects_of(finding: Finding, outcome) -> list[Subject]:
    """The subjects the records are about: the finding's subject, or every shop of a ring."""
    ids = [finding.subject_id] if finding.subject_id else []
    if outcome.subjects == "ring_shops":
        ids = [int(s["id"]) for s in finding.evidence.get("shops", [])] or ids
        new = _new(finding)
        if new:   # a follow-up: only the shops with orders the earlier confirmation did not cover
            orders = finding.evidence.get("shop_orders", {})
            ids = [i for i in ids if new & set(orders.get(str(i), []))]
    found = {s.pk: s for s in Subject.objects.select_related("platform").filter(pk__in=ids)}
    return [found[i] for i in ids if i in found]


def write(finding: Finding, outcome, principal, reason: str) -> list[int]:
    """Write the records of a confirmed finding; returns their ids. Their texts are in the deployment's
    language (records are stored data), error messages in the caller's."""
    with translation.override(settings.LANGUAGE_CODE):
        items = _items(finding, outcome, principal, reason)
    report = archive.ingest(items, source_principal(principal), atomic=True)
    if report.errors:
        error = report.errors[0]
        raise ValidationFailed(_("信用记录写入失败：{message}").format(message=error.message), field=error.field,
                               code=error.code)
    return list(report.record_ids)


def _items(finding: Finding, outcome, principal, reason: str) -> list[dict[str, Any]]:
    rule = policy.current().record_types[outcome.record_type]
    known = set(rule.details_schema.get("properties") or {})
    case_key = "platform_case_no" if "platform_case_no" in known else "case_no"
    subjects = subjects_of(finding, outcome)
    if not subjects:
        raise ValidationFailed(_("该线索没有可记录的主体"), code="no_subject")
    source = source_principal(principal)
    org_name = Organisation.objects.filter(pk=source.organisation_id).values_list("name", flat=True).first() or ""
    today = timezone.localdate()
    items = []
    for subject in subjects:
        details = {case_key: case_no(finding), **_details(finding, subject.pk, outcome)}
        details["description"] = _described(finding, details.get("description", ""), org_name, reason)
        details = {k: v for k, v in details.items() if k in known and v not in (None, "", [])}
        items.append({"id": f"finding-{finding.pk}-{subject.pk}", "type": outcome.record_type,
                      "subject": subject_ref(subject), "decided_on": today.isoformat(),
                      "summary": f"{outcome.summary.zh}：{subject.name}"[:500], "details": details,
                      "evidence": [{"finding": finding.pk, "kind": finding.kind}]})
    return items
