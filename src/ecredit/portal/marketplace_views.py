"""The public page of the rating rules (信用评价规则, E-commerce law art. 39: rating rules are published),
generated from policy/rules/marketplace.yaml: every value with its source and the day it applies."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ecredit import policy

from .services import text
from .views import _context, cached_page


@dataclass
class RuleRow:
    """One line of the page: what the rule says, its value, its source and the day it took effect."""

    code: str
    rule: str
    value: str
    reference: str
    effective: dt.date


def _signed(points: int) -> str:
    return f"{points:+d}" if points else "0"


def explain(today: dt.date | None = None) -> dict:
    """The rating rules in force on `today`, in the active language."""
    today = today or timezone.localdate()
    rules = policy.current().marketplace

    def now(name: str):
        return policy.in_force(getattr(rules, name), today)

    values, cap, repeat = now("rating_values"), now("pair_cap"), now("repeat_window")
    window, appended = now("rating_window"), now("appended_window")
    shielding, figures = now("shielding"), now("figures")
    points = [
        RuleRow("values", _("评价计分"), _("好评 {good} 分，中评 {neutral} 分，差评 {bad} 分").format(
            good=_signed(values.good), neutral=_signed(values.neutral), bad=_signed(values.bad)),
            values.reference, values.effective),
        RuleRow("pair_cap", _("同一买家与网店每月计分上限"),
                _("每个自然月内，同一买家对同一网店的好评最多计 {cap} 分、差评最多扣 {cap} 分（分别计算），超出部分不计分；"
                  "月份按下单时间确定").format(cap=cap.cap), cap.reference, cap.effective),
        RuleRow("repeat_window", _("重复评价"),
                _("同一买家对同一网店的同一商品，{days} 天内（按下单时间）的多次评价只计第一次").format(days=repeat.days),
                repeat.reference, repeat.effective),
        RuleRow("rating_window", _("评价期限"), _("交易成功后 {days} 天内，买卖双方可以互评；逾期不再接收评价").format(
            days=window.days), window.reference, window.effective),
        RuleRow("appended_window", _("追加评价"), _("交易成功后 {days} 天内可追加评价一次").format(days=appended.days),
                appended.reference, appended.effective),
        RuleRow("dsr", _("店铺动态评分"), _("买家评价卖家时，对描述相符、服务态度、物流服务分别打 1 至 5 分；卖家评价买家不打分"),
                figures.reference, figures.effective),
    ]
    grounds = [(text(g.name), g.reference) for g in shielding.grounds.values()]
    categories = [(text(c.name), c.key_product) for c in now("categories").codes.values()]
    windows = [
        (_("信用积分"), _("截至计算日的全部买家评价，按上述计分规则累计")),
        (_("好评率"), _("近 {short} 天、近 {long} 天内好评数 ÷ 计分评价数（重复评价不计）").format(
            short=figures.short_days, long=figures.long_days)),
        (_("动态评分"), _("近 {short} 天、近 {long} 天内三项评分各自的平均分").format(
            short=figures.short_days, long=figures.long_days)),
        (_("退款率"), _("近 {days} 天下单且未取消的订单中，已退款订单所占比例").format(days=figures.refund_days)),
        (_("投诉率"), _("近 {days} 天内经查成立的消费投诉数，每 {per} 笔订单").format(
            days=figures.complaint_days, per=figures.complaint_per)),
        (_("类目平均"), _("主营类目（近 {days} 天销售额最大的类目）相同的全部网店合并计算的退款率、投诉率；"
                      "网店的比值 = 本店数值 ÷ 类目平均").format(days=figures.main_category_days)),
    ]
    return {"points": points, "grounds": grounds, "counts_in_points": shielding.counts_in_points,
            "shielding_reference": shielding.reference, "shielding_effective": shielding.effective,
            "categories": categories, "windows": windows, "figures_reference": figures.reference}


@require_GET
def rating_rules(request):
    """信用评价规则: how ratings count, when reviews may be shielded, how shop figures are computed."""
    return cached_page(request, "rating_rules", lambda: render(request, "portal/rating_rules.html", _context(
        request, rules=explain())))
