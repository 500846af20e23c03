"""Demo city: complaints and reports from the seven hotlines, the portal and the platforms over the last five
months, taken through the complaints' services and flows with the times they would have happened.

- each hotline sends items in its own layout (written from canonical values by `layouts.write_item`), the
  platforms forward complaints about their shops (with real demo order and waybill numbers), visitors use the
  portal form; some callers ring two hotlines about the same order (merged as repeats), some items are both a
  complaint and a report (two cases);
- older cases were accepted (a few late) or not accepted, mediated (the merchant at fault: a credit record),
  terminated and the parties told, paused for testing, closed; reports were filed or not and their real-name
  reporters told; a few respondents outside the city were passed on;
- recent ones wait, some past their deadline: the daily pass marks and escalates them.
Deterministic: subjects are taken in id order and every choice comes from a seeded `random.Random`.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib
from dataclasses import dataclass

from django.utils import timezone

from ecredit import policy
from ecredit.access.models import Organisation, OrganisationKind
from ecredit.access.principal import Principal
from ecredit.complaints import flows, layouts, services
from ecredit.complaints.models import Complaint, Kind, Status
from ecredit.kit.errors import DomainError
from ecredit.registry.models import Subject, SubjectKind

from .words import GIVEN_ANY, GIVEN_FEMALE, GIVEN_MALE, SURNAMES
from .writer import principal_of

SEED = 6
ITEMS = 200
DAYS = 150
# channel -> weight
CHANNELS = {"12315": 30, "12345": 22, "12312": 6, "12318": 4, "12331": 8, "12358": 7, "12365": 6, "portal": 10,
            "platform": 7}
# (content, claim): what people tell the hotlines; {product} and {shop} are filled in.
GOODS = ("蓝牙耳机", "羽绒服", "电饭煲", "儿童玩具", "手机", "运动鞋", "电热水壶", "护肤品", "床上四件套", "空气净化器")
FOOD = ("饼干", "牛奶", "坚果礼盒", "月饼", "进口奶粉", "腊肠")
COMPLAINT_TEXTS = (
    ("在{shop}购买的{product}收到就坏了，联系客服要求退货被拒绝。", "退货退款"),
    ("签收后七日内申请无理由退货，{shop}以商品已拆封为由拒绝。", "按规定办理七日无理由退货"),
    ("{shop}商品详情页宣传{product}为“纯棉”“A类”，实物吊牌与宣传不符，属于虚假宣传。", "退一赔三"),
    ("下单时页面显示的优惠价格与实际结算价格不一致，{shop}拒绝退还差价。", "退还差价"),
    ("预售的{product}超过承诺发货期限仍未发货，{shop}不承担违约责任。", "尽快发货或退款"),
    ("快件在运输途中丢失，{shop}与快递企业相互推诿，未予赔偿。", "赔偿货款"),
    ("收到的{food}已超过保质期，{shop}只同意退款不同意赔偿。", "退一赔十"),
    ("{product}使用一周后漏电，存在安全隐患，{shop}拒不处理。", "更换并赔偿"),
    ("{shop}售后客服长期不回复，维修的{product}两个月未寄回。", "退还维修费用并寄回商品"),
)
REPORT_TEXTS = {
    "12318": ("{shop}向未成年人提供无实名认证的网络游戏充值服务。", ""),
    "12358": ("{shop}先提价后打折，虚构原价进行促销。", "查处价格欺诈"),
    "12331": ("{shop}销售无中文标签的进口{food}，疑似走私。", "依法查处"),
    "other": ("{shop}销售假冒品牌{product}，价格明显低于正品。", "依法查处"),
}
CHANNEL_TEXTS = {"12331": (6,), "12365": (7, 0), "12312": (4, 8), "12358": (3,)}
NOT_ACCEPTED = ("incomplete", "no_jurisdiction", "already_handled", "not_consumer_dispute")


@dataclass
class Target:
    """Whom a complaint is about, as the caller names it."""

    name: str
    uscc: str = ""
    shop: Subject | None = None
    platform: Subject | None = None
    order_no: str = ""
    waybill: str = ""


def _person(rng: random.Random) -> str:
    surname = rng.choices([s for s, _ in SURNAMES], weights=[w for _, w in SURNAMES])[0]
    given = rng.choice(GIVEN_MALE + GIVEN_FEMALE) + (rng.choice(GIVEN_ANY) if rng.random() < 0.6 else "")
    return surname + given


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"


def _hotline_orgs(orgs: dict[str, Organisation]) -> None:
    """The hotlines' API client organisations (kind hotline), as complaints.yaml names them."""
    for number, versions in policy.current().complaints.hotlines.items():
        line = versions[-1]
        if line.organisation not in orgs:
            orgs[line.organisation] = Organisation.objects.get_or_create(
                code=line.organisation, defaults={"name": line.operator.zh, "kind": OrganisationKind.HOTLINE})[0]


def _targets(rng: random.Random) -> list[Target]:
    """Shops with one of their orders (when the demo has trades), and merchant companies."""
    from ecredit.marketplace.models import Order     # the demo (a face) may read any app

    shops = list(Subject.objects.filter(kind=SubjectKind.SHOP, verified=True).select_related("platform")
                 .order_by("id")[:120])
    orders = {}
    for shop_id, order_no, waybill in Order.objects.filter(shop__in=shops).order_by("id") \
            .values_list("shop_id", "order_no", "waybill"):
        orders.setdefault(shop_id, (order_no, waybill))
    out = [Target(s.name, shop=s, platform=s.platform, order_no=orders.get(s.pk, ("", ""))[0],
                  waybill=orders.get(s.pk, ("", ""))[1]) for s in shops]
    companies = Subject.objects.filter(kind=SubjectKind.ORGANISATION, roles__role="merchant").order_by("id")[:60]
    out += [Target(c.name, uscc=c.uscc or "") for c in companies]
    rng.shuffle(out)
    return out


def _item(rng: random.Random, channel: str, target: Target, received: dt.datetime, index: int) -> dict:
    """Canonical values of one complaint or report."""
    kind = "report" if channel in ("12318", "12358") and rng.random() < 0.8 else \
        "both" if channel in ("12315", "12331") and rng.random() < 0.08 else "complaint"
    if kind == "report":
        content, claim = REPORT_TEXTS.get(channel, REPORT_TEXTS["other"])
    else:
        choices = CHANNEL_TEXTS.get(channel, range(len(COMPLAINT_TEXTS)))
        content, claim = COMPLAINT_TEXTS[rng.choice(list(choices))]
    fill = {"shop": target.name, "product": rng.choice(GOODS), "food": rng.choice(FOOD)}
    anonymous = kind == "report" and rng.random() < 0.3
    return {"ticket": f"{channel}-{received:%Y%m%d}-{index:04d}", "received_at": timezone.localtime(received)
            .replace(tzinfo=None), "kind": kind,
            "complainant_name": "" if anonymous else _person(rng), "complainant_phone": "" if anonymous else _phone(rng),
            "complainant_address": f"南通市{rng.choice(['崇川区', '通州区', '海门区', '如皋市', '启东市'])}某小区",
            "respondent_name": target.shop.operator.name if target.shop and target.shop.operator else target.name,
            "respondent_uscc": target.uscc, "shop_name": target.shop.name if target.shop else "",
            "shop_id": target.shop.shop_id if target.shop else "",
            "platform_name": target.platform.name if target.platform else "",
            "platform_uscc": target.platform.uscc if target.platform else "", "order_no": target.order_no,
            "waybill_no": target.waybill, "content": content.format(**fill), "claim": claim,
            "amount": rng.choice([None, 39, 89, 129, 299, 599, 1299, 3999]),
            "aware_on": (received - dt.timedelta(days=rng.randint(1, 30))).date()}


def _receive(channel: str, values: dict, orgs: dict[str, Organisation], at: dt.datetime) -> list[Complaint]:
    if channel == "portal":
        return services.submit_portal(kind=values["kind"], content=values["content"], claim=values["claim"],
                                      complainant_name=values["complainant_name"],
                                      complainant_phone=values["complainant_phone"],
                                      respondent_name=values["respondent_name"], shop_name=values["shop_name"],
                                      platform_name=values["platform_name"], order_no=values["order_no"],
                                      remote_address=f"198.51.100.{zlib.crc32(values['ticket'].encode()) % 250}", now=at)
    if channel == "platform":
        org = Organisation.objects.filter(uscc=values["platform_uscc"], kind=OrganisationKind.PLATFORM).first()
        if org is None or not values["shop_id"]:
            return []
        item = {k: (v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v) for k, v in values.items()
                if v not in (None, "")}
        report = services.intake_platform([item], principal_of(org), now=at)
    else:
        line = policy.current().complaints.hotlines[channel][-1]
        org = orgs[line.organisation]
        item = layouts.write_item(line.layout, values)
        report = services.intake_hotline(channel, [item], Principal.build(f"demo:{org.code}", "hotline_client", org),
                                         now=at)
    return list(Complaint.objects.filter(case_no__in=report.case_ids))


def build(orgs: dict[str, Organisation]) -> int:
    """Write the complaints side of the demo city; returns how many cases it made."""
    rng = random.Random(SEED)
    now = timezone.now()
    _hotline_orgs(orgs)
    targets = _targets(rng)
    if not targets:
        return 0
    plans = []
    for index in range(ITEMS):
        channel = rng.choices(list(CHANNELS), weights=list(CHANNELS.values()))[0]
        received = now - dt.timedelta(days=rng.randint(1, DAYS), hours=rng.randint(0, 10), minutes=rng.randint(0, 59))
        received = received.replace(second=0, microsecond=0)
        values = _item(rng, channel, targets[index % len(targets)], received, index)
        plans.append((received, channel, values))
        if rng.random() < 0.08 and values["complainant_phone"]:   # the same caller rings another hotline
            again = dict(values, ticket=f"R{values['ticket']}", content=values["content"] + "（再次来电）")
            later = received + dt.timedelta(days=rng.randint(0, 6), hours=2)
            if later < now - dt.timedelta(hours=2):
                plans.append((later, rng.choice(("12345", "12315")), again))
    plans.sort(key=lambda p: (p[0], p[2]["ticket"]))
    made = 0
    for received, channel, values in plans:
        try:
            cases = _receive(channel, values, orgs, received + dt.timedelta(minutes=30))
        except DomainError:
            continue        # the portal's limits: a demo visitor refused like any other
        made += len(cases)
    for case in Complaint.objects.exclude(status=Status.MERGED).select_related("handling_org").order_by("id"):
        _handle(case, rng, now)
    flows.advance()
    return made


def _handle(case: Complaint, rng: random.Random, now: dt.datetime) -> None:
    """Take a case through the steps its age allows."""
    if case.handling_org is None:
        return
    officer = principal_of(case.handling_org)
    start = case.received_at
    age = (now - start).days
    clock = {"t": start}

    def step(days: float) -> dt.datetime | None:
        clock["t"] = clock["t"] + dt.timedelta(days=days, hours=rng.randint(1, 5))
        return clock["t"] if clock["t"] < now - dt.timedelta(hours=1) else None

    try:
        if case.out_of_area and age > 3 and (at := step(2)):
            flows.transfer(case.pk, officer, outside="被投诉人住所地市场监督管理部门", now=at)
            return
        if case.kind == Kind.REPORT:
            _handle_report(case, officer, rng, step, age)
        else:
            _handle_complaint(case, officer, rng, step, age)
    except DomainError:
        pass            # a step the case's state no longer allows (e.g. its deadline moved): left as it is


def _handle_complaint(case, officer, rng, step, age) -> None:
    if age < 4 or (age < 12 and rng.random() < 0.35):
        return                                          # still waiting for acceptance (some past 7 days)
    late = rng.random() < 0.1
    if not (at := step(rng.randint(9, 12) if late else rng.randint(1, 6))):
        return
    if rng.random() < 0.13:
        flows.not_accept(case.pk, officer, reason=rng.choice(NOT_ACCEPTED), note="经审查，不符合受理条件", now=at)
        return
    flows.accept(case.pk, officer, now=at)
    roll = rng.random()
    # Mediation is started explicitly where the console should show it under way; the others go from acceptance
    # to their outcome (fewer steps keep the demo quick).
    if (roll < 0.08 or age < 30 or roll > 0.9) and (at := step(rng.randint(1, 3))):
        flows.start_mediation(case.pk, officer, now=at)
    if roll < 0.08 and (at := step(5)):
        flows.pause(case.pk, officer, reason="商品送市产品质量监督检验所检测", now=at)
        if (at := step(rng.randint(10, 20))):
            flows.resume(case.pk, officer, note="检测报告已出具", now=at)
        return
    if age < 30 or roll > 0.9:
        return                                          # mediating (the oldest of these run past 45 days)
    if roll < 0.55:
        if not (at := step(rng.randint(5, 25))):
            return
        fault = rng.random() < 0.7
        flows.mediated(case.pk, officer, merchant_at_fault=fault, compensation=rng.choice([None, 50, 129, 299]),
                       agreement="经调解，经营者同意退货退款并赔偿" if fault else "经调解，双方同意换货了结", now=at)
        if rng.random() < 0.6 and (at := step(rng.randint(1, 5))):
            flows.close(case.pk, officer, outcome="mediated", text="调解协议已履行", now=at)
    elif roll < 0.75:
        if not (at := step(rng.randint(10, 40))):
            return
        flows.terminate(case.pk, officer, reason=rng.choice(("no_agreement", "refused_to_mediate", "time_limit")),
                        note="双方未能达成调解协议", now=at)
        if rng.random() < 0.85 and (at := step(rng.randint(1, 6))):
            flows.notify_termination(case.pk, officer, channel=rng.choice(("phone", "sms", "written")), now=at)
            if (at := step(1)):
                flows.close(case.pk, officer, outcome="other", text="终止调解，已告知双方", now=at)
    elif (at := step(rng.randint(5, 20))):
        flows.close(case.pk, officer, outcome=rng.choice(("claim_supported", "compensated", "not_upheld")),
                    text="经核查，依法作出处理", now=at)


def _handle_report(case, officer, rng, step, age) -> None:
    if age < 8 or (age < 20 and rng.random() < 0.5):
        return
    if not (at := step(rng.randint(4, 18))):
        return
    filed = rng.random() < 0.4
    flows.decide_filing(case.pk, officer, file=filed, decision_no=f"通市监立〔{at.year}〕{case.pk}号" if filed else "",
                        note="经核查，涉嫌违法，决定立案" if filed else "经核查，现有证据不足，不予立案", now=at)
    if case.real_name:
        if rng.random() < 0.1 or not (at := step(rng.randint(1, 4))):
            return                                      # the reporter not told: overdue
        flows.notify_reporter(case.pk, officer, now=at)
    if age > 30 and (at := step(rng.randint(2, 10))):
        flows.close(case.pk, officer, outcome="other", text="已立案查处" if filed else "不予立案，已告知", now=at)


def counts() -> dict[str, int]:
    """Cases by status, for the command's report."""
    out: dict[str, int] = {}
    for status in Complaint.objects.values_list("status", flat=True):
        out[status] = out.get(status, 0) + 1
    return out
