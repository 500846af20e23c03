"""A finding's evidence shaped for the console's tables, per kind (the evidence format is findings/detectors.py's).

What the evidence holds only by number is looked up for the officer: a ring's orders with their times,
amounts and statuses, a review finding's reviews with their texts, a parcel hit's whole scan timeline. Long
lists are cut (the page says how many more there are); evidence times (ISO 8601, UTC) become local datetimes.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit.findings.models import Finding, FindingKind
from ecredit.marketplace.models import Order, Rating
from ecredit.registry.models import Subject

MAX_ROWS = 200          # buyers, orders, accounts, reviews shown per table
MAX_TIMELINES = 20      # parcel waybills whose whole scan timeline is shown


def when(value: Any) -> dt.datetime | None:
    """An evidence time (ISO 8601, "Z" for UTC) as an aware datetime, None when missing or unreadable."""
    if not value:
        return None
    try:
        at = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc)


def plain(value: Any) -> str:
    """A figure as text: lists joined, times local, numbers as they are."""
    if isinstance(value, (list, tuple)):
        return "、".join(plain(v) for v in value)
    if isinstance(value, dict):
        names = figure_names()
        return "；".join(f"{names.get(k, k)} {plain(v)}" for k, v in value.items())
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and value[10:11] == "T":
        at = when(value)
        if at is not None:
            return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")
    return "—" if value is None else str(value)


def rule_names() -> dict[str, str]:
    """The empty-parcel rules as an officer reads them."""
    return {"no_hub_scan": _("跨城运输无分拨中心扫描"), "too_fast": _("运输时间短于该线路历史最短水平"),
            "light_weight": _("包裹重量远低于商品重量"), "reused_waybill": _("同一运单用于多笔订单"),
            "created_before_payment": _("运单生成早于付款"), "origin_mismatch": _("揽收地与网店常用发货地不符")}


def signal_names() -> dict[str, str]:
    """The review-account signals (detection.reviews feature names, without their aggregate prefix)."""
    return {"log_degree": _("评价总数（对数，越少越可疑）"), "one_off": _("一次性账号"),
            "rating_deviation": _("评分偏离该店其他评价"), "rating_extreme": _("极端评分"),
            "burst": _("评价集中爆发"), "early_in_product": _("抢先评价"),
            "account_reviews_that_day": _("当日评价条数"), "review_prior": _("评价先验可疑度"),
            "review_prior_vs_product": _("先验可疑度高于同店"), "review_prior_rank_in_product": _("同店先验排名"),
            "prior": _("账号先验可疑度")}


def figure_names() -> dict[str, str]:
    """The figures a rule hit or a run reports, by key."""
    return {"orders": _("订单"), "ratings": _("评价"), "accounts": _("账号"), "suspicious": _("可疑账号"),
            "waybills": _("运单"), "scans": _("扫描记录"), "hits": _("规则命中"), "platforms": _("平台"),
            "blocks": _("候选团伙"), "shops": _("网店"), "organisations": _("企业"), "checked": _("核对"),
            "shop_categories": _("网店类目"), "licences": _("许可记录"), "channels": _("支付渠道"),
            "model": _("评价识别模型"), "findings": _("线索"), "skipped": _("未运行"),
            "positive": _("好评"), "negative": _("差评"),
            "origin": _("始发地"), "destination": _("目的地"), "hub_scans": _("分拨中心扫描"),
            "signed_at": _("签收时间"), "transit_hours": _("运输时长（小时）"), "reference_hours": _("线路参考时长（小时）"),
            "fast_ratio": _("过快比例阈值"), "quantile": _("参考分位数"), "picked_up_at": _("揽收时间"),
            "waybill_weight": _("包裹重量（千克）"), "goods_weight": _("商品重量（千克）"), "ratio": _("重量比"),
            "weight_ratio": _("重量比阈值"), "owner_order": _("运单首个订单"), "destinations": _("收货城市"),
            "signed_in": _("签收城市"), "owner_paid_at": _("首个订单付款时间"), "created_at": _("运单生成时间"),
            "paid_at": _("付款时间"), "hours_early": _("早于付款（小时）"), "declared_origin": _("申报始发地"),
            "first_scan_city": _("首次扫描城市"), "warehouses": _("网店常用发货城市"), "warehouses_from": _("发货城市来源")}


def _signal_label(name: str) -> str:
    base = name.rpartition(":")[2]
    return signal_names().get(base, base)


def _ring(ev: dict, finding: Finding) -> dict:
    shops = {str(s.get("id")): s for s in ev.get("shops", [])}
    amounts = ev.get("shop_amounts", {})
    numbers = [str(n) for n in ev.get("orders", [])]
    orders = []
    if finding.platform_id and numbers:
        orders = list(Order.objects.filter(platform_id=finding.platform_id, order_no__in=numbers[:MAX_ROWS * 5])
                      .select_related("shop").order_by("ordered_at", "id")[:MAX_ROWS])
    span = None
    start, end = when(ev.get("start")), when(ev.get("end"))
    if start and end:
        span = (end - start).total_seconds() / 86_400
    return {"buyers": ev.get("buyers", [])[:MAX_ROWS], "buyers_more": max(len(ev.get("buyers", [])) - MAX_ROWS, 0),
            "buyer_count": len(ev.get("buyers", [])),
            "shops": [{**s, "amount": amounts.get(str(s.get("id")))} for s in ev.get("shops", [])],
            "other_shops": ev.get("other_shops", []), "orders": orders,
            "orders_more": max(len(numbers) - len(orders), 0), "order_count": ev.get("order_count", len(numbers)),
            "amount": ev.get("amount"), "start": start, "end": end, "span_days": span,
            "method": ev.get("method") or "peeling", "significance": ev.get("significance"),
            "density": ev.get("density"), "baseline": ev.get("baseline"), "lift": ev.get("lift"),
            "fill": ev.get("fill"), "engine": ev.get("engine"), "time_bucket": ev.get("time_bucket"),
            "ring_shop_ids": set(shops)}


def _reviews(ev: dict, finding: Finding) -> dict:
    ids = [int(i) for i in ev.get("ratings", []) if str(i).isdigit()]
    shielded = {int(i) for i in ev.get("shielded", []) if str(i).isdigit()}
    rows = list(Rating.objects.filter(pk__in=ids[:MAX_ROWS * 5]).select_related("order")
                .order_by("rated_at", "id")[:MAX_ROWS])
    accounts = []
    for a in ev.get("accounts", [])[:MAX_ROWS]:
        signals = [(_signal_label(n), v, n in (a.get("strong") or [])) for n, v in (a.get("signals") or {}).items()]
        accounts.append({**a, "signal_rows": signals,
                         "strong_labels": [_signal_label(n) for n in a.get("strong") or []]})
    return {"direction": ev.get("direction"), "pattern": ev.get("pattern"), "accounts": accounts,
            "accounts_more": max(int(ev.get("account_count") or 0) - len(accounts), 0),
            "account_count": ev.get("account_count"), "ratings": rows, "ratings_more": max(len(ids) - len(rows), 0),
            "review_count": ev.get("review_count"), "shop_reviews": ev.get("shop_reviews"), "share": ev.get("share"),
            "start": when(ev.get("start")), "end": when(ev.get("end")), "thresholds": ev.get("thresholds") or {},
            "model": ev.get("model"), "shielded": shielded}


def _timelines(hits: list[dict], principal) -> dict[str, list]:
    """The whole scan timeline of the first hits' waybills, when the viewer may see waybills."""
    if not principal.can("parcel.view"):
        return {}
    try:
        from ecredit.logistics.models import Scan
    except ImportError:   # the logistics app is optional for findings
        return {}
    wanted: dict[str, int | None] = {}
    for h in hits:
        if len(wanted) >= MAX_TIMELINES:
            break
        wanted.setdefault(str(h.get("waybill", "")), h.get("carrier"))
    out: dict[str, list] = {}
    scans = (Scan.objects.filter(waybill__waybill_no__in=[w for w in wanted if w])
             .select_related("waybill").order_by("waybill_id", "at", "id"))
    for scan in scans:
        carrier = wanted.get(scan.waybill.waybill_no)
        if carrier and scan.waybill.carrier_id != carrier:
            continue
        out.setdefault(scan.waybill.waybill_no, []).append(scan)
    return out


def _parcels(ev: dict, principal) -> dict:
    names, figures = rule_names(), figure_names()
    hits = []
    timelines = _timelines(ev.get("hits", []), principal)
    for h in ev.get("hits", [])[:MAX_ROWS]:
        scans = h.get("scans") or {}
        first, last = scans.get("first") or {}, scans.get("last") or {}
        hits.append({**h, "rule_name": names.get(h.get("rule"), h.get("rule")),
                     "figure_rows": [(figures.get(k, k), plain(v)) for k, v in (h.get("figures") or {}).items()],
                     "scan_count": scans.get("count"), "scan_kinds": scans.get("kinds") or [],
                     "first_at": when(first.get("time")), "first_city": first.get("city", ""),
                     "last_at": when(last.get("time")), "last_city": last.get("city", ""),
                     "timeline": timelines.get(str(h.get("waybill", "")), [])})
    return {"hits": hits, "hits_more": max(len(ev.get("hits", [])) - len(hits), 0),
            "rules": [(names.get(k, k), v) for k, v in sorted((ev.get("rules") or {}).items())],
            "order_count": ev.get("order_count"), "waybill_count": ev.get("waybill_count"),
            "shop_waybill_orders": ev.get("shop_waybill_orders"), "share": ev.get("share"),
            "carriers": [c for c in ev.get("carriers") or [] if c]}


def reason_text(reason: str) -> str:
    """The detection library's reason (plain English words) as an officer reads it; unknown ones as they are."""
    text = str(reason or "")
    fixed = {"empty name": _("名称为空"),
             "same name once region, legal form and punctuation are set aside": _("去掉地区、组织形式和标点后名称相同"),
             "same name in sound (homophone characters)": _("读音相同（同音字）"),
             "no licence of the required type": _("未持有所需类型的许可"), "revoked": _("已被撤销"),
             "not a licensed payment institution": _("不是持牌支付机构")}
    if text in fixed:
        return fixed[text]
    patterns = (
        (r"same or similar trade name in another industry \((.*), (.*)\)",
         lambda m: _("字号相同或近似，但行业不同（{a}、{b}）").format(a=m[1], b=m[2])),
        (r"(\d+) characters? differs?( \(some alike in sound\))?",
         lambda m: _("相差{n}个字").format(n=m[1]) + (_("（部分读音相近）") if m[2] else "")),
        (r"expired on (\S+)", lambda m: _("已于{day}到期").format(day=m[1])),
        (r"not valid before (\S+)", lambda m: _("{day}起才生效").format(day=m[1])),
        (r"licence (.*)", lambda m: _("许可") + "；".join(reason_text(p) for p in m[1].split("; "))),
        (r"not licensed; resembles (.*)", lambda m: _("不是持牌支付机构；名称近似“{name}”").format(name=m[1])),
    )
    for pattern, say in patterns:
        match = re.fullmatch(pattern, text)
        if match:
            return say(match)
    return text


def _names(ev: dict) -> dict:
    ids = [int(i) for i in ev.get("linked_to") or [] if str(i).isdigit()]
    names = dict(Subject.objects.filter(pk__in=ids).values_list("pk", "name"))
    return {"reason": reason_text(ev.get("reason", "")), "linked": [names.get(i, str(i)) for i in ids]}


def _licence(ev: dict) -> dict:
    problems = {"none_held": _("未持有所需许可"), "expired": _("许可已过期"), "not_yet_valid": _("许可尚未生效"),
                "revoked": _("许可已被撤销")}
    return {"problem": problems.get(ev.get("problem"), ev.get("problem")),
            "licences": [{**lic, "problem_text": reason_text(lic.get("problem") or "")}
                         for lic in ev.get("licences") or []],
            "orders_shown": ev.get("orders", [])[:MAX_ROWS],
            "orders_more": max(len(ev.get("orders", [])) - MAX_ROWS, 0)}


def _channel(ev: dict) -> dict:
    problems = {"not_licensed": _("不是持牌支付机构"), "expired": _("支付业务许可已到期")}
    return {"problem": problems.get(ev.get("problem"), ev.get("problem"))}


def evidence_context(finding: Finding, principal) -> dict:
    """What the finding page's evidence section shows, for the finding's kind."""
    ev = finding.evidence if isinstance(finding.evidence, dict) else {}
    out: dict[str, Any] = {"ev": ev, "kind": finding.kind,
                           "new_since_decision": len(ev.get("new_since_decision") or []),
                           "reopened_from": ev.get("reopened_from"),
                           "reopened_at": when((ev.get("reopened_from") or {}).get("reviewed_at"))}
    if finding.kind == FindingKind.ORDER_RING:
        out["ring"] = _ring(ev, finding)
    elif finding.kind == FindingKind.REVIEW_ACCOUNTS:
        out["reviews"] = _reviews(ev, finding)
    elif finding.kind == FindingKind.EMPTY_PARCEL:
        out["parcels"] = _parcels(ev, principal)
    elif finding.kind == FindingKind.BORROWED_NAME:
        out["names"] = _names(ev)
    elif finding.kind == FindingKind.MISSING_LICENCE:
        out["licence"] = _licence(ev)
    elif finding.kind == FindingKind.UNLICENSED_CHANNEL:
        out["channel"] = _channel(ev)
    return out
