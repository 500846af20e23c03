"""The details and summary of one demo record, by record type, valid against the catalog's JSON schema.

A builder per known type writes coherent facts (a fine only when the penalty includes one, a removal
date after the listing, a tax grade for the year before its publication). `finish` then fits the result
to the schema in force: keys the schema does not have are dropped, missing required ones are filled
from the schema itself, so a type added to or changed in the catalog still gets valid details.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import fastjsonschema

from ecredit.policy.loader import Policy
from ecredit.policy.models import RecordTypeRule

from . import schema_fill, words
from .world import ANCHOR, Org, Person, Shop, World

MERGED_INTO_MARKET = {"market_regulation", "quality", "food_drug", "price"}   # since the 2019 reform
MARKET_SINCE = dt.date(2019, 1, 1)
# Abbreviations in document numbers (通市监罚〔2024〕12号), by department code.
DOC_PREFIX = {"market_regulation": "市监", "quality": "质监", "food_drug": "食药监", "price": "价检",
              "postal": "邮管", "transport": "交运", "public_security": "公", "tax": "税", "cyberspace": "网信",
              "admin_approval": "行审", "commerce": "商", "telecom": "通管", "agriculture": "农",
              "credit_office": "信用", "districts": "政", "pbc_nantong": "银", "ciq": "检", "court": "法"}
AREA_SHORT = {"崇川区": "崇", "通州区": "通州", "海门区": "海门", "如东县": "东", "启东市": "启", "如皋市": "皋", "海安市": "海安"}


@dataclass
class Ctx:
    """What a builder knows: the draw, the type, the subject, the source and the date."""

    rng: random.Random
    world: World
    policy: Policy
    rule: RecordTypeRule
    subject: Org | Person | Shop
    source: str                    # organisation code of the source
    decided_on: dt.date
    serial: int
    district: str = ""             # district name of a district-level decision, "" for the city

    def days(self, lo: int, hi: int, before: bool = True) -> dt.date:
        """A date `lo`..`hi` days before (or after) the decision."""
        delta = dt.timedelta(days=self.rng.randint(lo, hi))
        return self.decided_on - delta if before else self.decided_on + delta

    def fits(self, wanted: tuple[str, ...]) -> bool:
        """True when `wanted` (industries or roles) is empty or names the subject's industry or a role."""
        return not wanted or getattr(self.subject, "industry", "") in wanted or bool(
            set(getattr(self.subject, "roles", ())) & set(wanted))

    def district_of(self, code: str) -> str:
        """The name of the district with this code ("" if none)."""
        return next((d.name for d in self.policy.regions.districts if d.code == code), "")

    @property
    def year(self) -> int:
        return self.decided_on.year

    @property
    def product(self) -> str:
        industry = getattr(self.subject, "industry", "") or getattr(getattr(self.subject, "operator", None),
                                                                   "industry", "") or "日用品"
        return self.rng.choice(next((i[2] for i in words.INDUSTRIES if i[0] == industry), ("日用品",)))

    @property
    def legal_rep(self) -> str | None:
        return self.subject.legal_rep if isinstance(self.subject, Org) else None

    def authority(self, code: str | None = None) -> str:
        """The body that decided: the department's name at that date, city or district level."""
        code = code or self.source
        if code.startswith("platform_"):
            return next(p.org.name for p in self.world.platforms if p.code == code)
        if code == "districts":   # the subject's own district government
            dist = self.district or self.district_of(self.subject.region) or "崇川区"
            return (f"南通市{dist}" if dist.endswith("区") else dist) + "人民政府"
        if code in MERGED_INTO_MARKET and self.decided_on >= MARKET_SINCE:
            body = "市场监督管理局"
        elif code == "ciq" and self.decided_on >= dt.date(2018, 4, 20):
            return "南通海关"
        else:
            dept = self.policy.department(code)
            return dept.name.zh if dept else code
        if not self.district:
            return "南通市" + body
        return (f"南通市{self.district}" if self.district.endswith("区") else self.district) + body

    def doc_no(self, kind: str = "罚") -> str:
        prefix = "市监" if self.source in MERGED_INTO_MARKET and self.decided_on >= MARKET_SINCE \
            else DOC_PREFIX.get(self.source, "")
        area = AREA_SHORT.get(self.district, self.district[:2]) if self.district else "通"
        return f"{area}{prefix}{kind}〔{self.year}〕{self.rng.randint(1, 1999)}号"


def _wan(rng: random.Random, lo: float, hi: float) -> float:
    """An amount in 万元 between lo and hi, log-uniform, to two decimals."""
    return round(math.exp(rng.uniform(math.log(lo), math.log(hi))), 2)


def years_later(day: dt.date, years: int) -> dt.date:
    """The same day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _pick(rng: random.Random, pairs) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


# ------------------------------------------------------------------------------------------ builders


def licence(c: Ctx) -> tuple[dict, str]:
    options = [lic for lic in words.LICENCES if c.source in lic[3] and c.fits(lic[5])]
    if not options:   # nothing this department issues fits the subject: a registration instead
        c.source = "admin_approval"
        options = [lic for lic in words.LICENCES if c.source in lic[3] and not lic[5]]
    name, project, category, _, scope, _ = c.rng.choice(options)
    number = c.subject.uscc if name == "营业执照" and isinstance(c.subject, Org) else \
        f"{'JY' if '食品' in name else 'XK'}1{c.subject.region}{c.rng.randrange(10**7):07d}"
    industry = getattr(c.subject, "industry", "") or "日用百货"
    details = {"decision_no": c.doc_no("许"), "project_name": project, "licence_name": name,
               "licence_no": number, "category": category,
               "content": scope.format(industry=industry, product=c.product),
               "valid_from": c.decided_on.isoformat(), "authority": c.authority(),
               "authority_uscc": c.world.authority_uscc.get(c.source), "legal_representative": c.legal_rep}
    if name != "营业执照":  # business licences are open-ended
        details["valid_until"] = (years_later(c.decided_on, 5) - dt.timedelta(days=1)).isoformat()
    return details, f"准予{project}，颁发{name}（编号{number}）"


def penalty(c: Ctx, serious: bool = False) -> tuple[dict, str]:
    grave = [v for v in words.VIOLATIONS if v[3] >= 0.5 or not serious]
    options = [v for v in grave if c.source in v[4] and c.fits(v[5])]
    if not options:   # nothing this department punishes fits the subject: the market regulator's case
        c.source = "market_regulation"
        options = [v for v in grave if c.source in v[4] and not v[5]]
    violation, fact, basis, *_ = c.rng.choice(options)
    fact = fact.format(product=c.product, value=c.rng.randrange(800, 90000), count=c.rng.randrange(20, 900))
    fact += _planted_personal_data(c)
    if serious:
        ban = "practice_ban" if isinstance(c.subject, Person) else "business_restriction"
        kinds = _pick(c.rng, ((["fine", "confiscation", "licence_revocation"], 3), (["fine", ban], 3),
                              (["closure"], 1), (["fine", "confiscation"], 3)))
    else:
        kinds = _pick(c.rng, ((["fine"], 60), (["warning"], 12), (["fine", "confiscation"], 20),
                              (["warning", "fine"], 5), (["public_criticism"], 3)))
    details: dict[str, Any] = {"decision_no": c.doc_no("罚"), "violation_type": violation, "facts": fact,
                               "basis": basis, "penalty_kinds": kinds, "field": "general",
                               "authority": c.authority(),
                               "authority_uscc": c.world.authority_uscc.get(c.source),
                               "legal_representative": c.legal_rep}
    content = []
    if "warning" in kinds:
        content.append("警告")
    if "public_criticism" in kinds:
        content.append("通报批评")
    if "fine" in kinds:
        details["fine_amount_wan"] = _wan(c.rng, 5, 200) if serious else _wan(c.rng, 0.2, 20)
        content.append(f"罚款人民币{details['fine_amount_wan']}万元")
    if "confiscation" in kinds:
        details["confiscation_amount_wan"] = _wan(c.rng, 0.1, 30)
        content.append(f"没收违法所得{details['confiscation_amount_wan']}万元")
    if "licence_revocation" in kinds:
        if c.fits(("食品", "农产品")):
            licence_no = f"食品经营许可证 JY1{c.subject.region}{c.rng.randrange(10**7):07d}"
        else:
            licence_no = f"营业执照 {getattr(c.subject, 'uscc', '')}".strip()
        details["licence_affected"] = licence_no
        content.append("吊销" + licence_no.split()[0])
    if {"business_restriction", "practice_ban"} & set(kinds):
        details["ban_years"] = c.rng.choice((1, 2, 3, 5))
        content.append(f"限制从事网络销售经营活动{details['ban_years']}年")
    if "closure" in kinds:
        content.append("责令停业整顿")
    details["content"] = "；".join(content)
    return details, f"{violation}：{fact}，被处以{details['content']}"


def _planted_personal_data(c: Ctx) -> str:
    """Departments' texts sometimes carry a person's ID number and mobile: about one organisation penalty in
    thirty does here, so that masking on every public face is tested against the demo city. Chosen by the
    serial, not the draw, so the rest of the city stays as it was."""
    if c.serial % 29 or isinstance(c.subject, Person) or not c.world.persons:
        return ""
    person = c.world.persons[c.serial % len(c.world.persons)]
    mobile = f"1{3 + c.serial % 7}{(c.serial * 7919) % 10**9:09d}"
    return f"（经查，实际经营人{person.name}，公民身份号码{person.ric}，联系电话{mobile}）"


def abnormal_list(c: Ctx) -> tuple[dict, str]:
    reason_code = _pick(c.rng, (("annual_report_overdue", 75), ("unreachable", 15), ("disclosure_overdue", 5),
                                ("false_disclosure", 5)))
    reasons = {"annual_report_overdue": "未依照《企业信息公示暂行条例》第八条规定的期限公示年度报告",
               "unreachable": "通过登记的住所或者经营场所无法联系",
               "disclosure_overdue": "未在责令的期限内公示有关企业信息",
               "false_disclosure": "公示企业信息隐瞒真实情况、弄虚作假"}
    if reason_code == "annual_report_overdue":   # listed in July, after the 30 June deadline
        year = c.year if dt.date(c.year, 7, 20) <= ANCHOR else c.year - 1
        c.decided_on = dt.date(year, 7, c.rng.randint(1, 20))
    details = {"decision_no": c.doc_no("异列"), "reason_code": reason_code, "reason": reasons[reason_code],
               "listed_by": c.authority()}
    removed = c.days(30, 720, before=False)
    if c.rng.random() < 0.35 and removed <= ANCHOR:
        details.update(removal_date=removed.isoformat(), removal_by=details["listed_by"],
                       removal_reason="已补报未报年份的年度报告并公示" if reason_code == "annual_report_overdue"
                       else "依法履行公示义务，申请移出")
    return details, f"列入经营异常名录：{reasons[reason_code]}"


def serious_list(c: Ctx) -> tuple[dict, str]:
    reason = c.rng.choice(("被列入经营异常名录届满3年仍未履行相关义务",
                           "因销售假冒伪劣商品受到较重行政处罚，属于严重违法失信行为",
                           "实施虚构交易等不正当竞争行为，拒不履行行政处罚决定"))
    details = {"decision_no": c.doc_no("严列"), "reason": reason, "listed_by": c.authority(),
               "basis": "《市场监督管理严重违法失信名单管理办法》第二条、第十条"}
    if "处罚" in reason:
        details["penalty_decision_no"] = c.doc_no("罚")
    return details, f"列入严重违法失信名单：{reason}"


def honour(c: Ctx) -> tuple[dict, str]:
    name, level, by = c.rng.choice(words.HONOURS)
    if by.startswith("区"):   # a district's own award
        dist = c.district_of(c.subject.region) or "崇川区"
        by = (f"南通市{dist}" if dist.endswith("区") else dist) + by[1:]
    details = {"honour_name": name, "level": level, "awarded_by": by,
               "document_no": f"通{DOC_PREFIX.get(c.source, '')}〔{c.year}〕{c.rng.randint(1, 300)}号",
               "description": f"在{c.year}年度电子商务诚信建设中表现突出"}
    if c.rng.random() < 0.8:
        details["valid_until"] = dt.date(c.year + c.rng.choice((1, 2, 3)), 12, 31).isoformat()
    return details, f"获评“{name}”"


COURTS = {"崇川区": "南通市崇川区人民法院", "通州区": "南通市通州区人民法院", "海门区": "南通市海门区人民法院"}


def court_debtor(c: Ctx) -> tuple[dict, str]:
    dist = c.district_of(c.subject.region)
    if c.rng.random() < 0.2 or not dist:
        court, code = "南通市中级人民法院", "苏06"
    else:
        court, code = COURTS.get(dist, f"{dist}人民法院"), f"苏{c.subject.region[2:]}"
    filed = c.days(60, 400)
    amount = _wan(c.rng, 0.5, 300)
    details = {"case_no": f"（{filed.year}）{code}执{c.rng.randint(100, 9999)}号", "court": court,
               "filing_date": filed.isoformat(),
               "basis_doc_no": f"（{filed.year - 1}）{code}民初{c.rng.randint(100, 9999)}号",
               "basis_issuer": court, "obligation": f"支付货款人民币{amount}万元及逾期付款利息",
               "performance": c.rng.choice(("全部未履行", "全部未履行", "部分未履行")),
               "behaviour": c.rng.choice(("有履行能力而拒不履行生效法律文书确定义务", "违反财产报告制度",
                                          "违反限制消费令", "以虚假诉讼、虚假仲裁或者以隐匿、转移财产等方法规避执行")),
               "legal_representative": c.legal_rep, "publish_date": c.decided_on.isoformat()}
    return details, f"被{court}纳入失信被执行人名单（{details['case_no']}）"


def commitment(c: Ctx) -> tuple[dict, str]:
    kind, matter, content = c.rng.choice(words.COMMITMENT_MATTERS)
    industry = getattr(c.subject, "industry", "") or getattr(getattr(c.subject, "operator", None),
                                                            "industry", "")
    matter, content = (t.format(industry=industry or "电子商务") for t in (matter, content))
    until = years_later(c.decided_on, c.rng.choice((1, 2, 3)))
    status = "in_progress" if until >= ANCHOR else \
        "fulfilled" if c.rng.random() < 0.9 else "partially_fulfilled"
    # Commitments departments sent from their own systems carry no code: codes are issued only by the
    # commitments app, so a made-up one could collide with a real commitment's code.
    details = {"commitment_type": kind, "matter": matter,
               "content": content, "accepted_by": c.authority(), "valid_until": until.isoformat(),
               "performance_status": status, "visibility": "public"}
    return details, f"作出“{matter}”"


def commitment_breach(c: Ctx) -> tuple[dict, str]:
    kind, matter, _ = c.rng.choice(words.COMMITMENT_MATTERS)
    matter = matter.format(industry="电子商务")
    facts = {"tolerance_acceptance": "承诺30日内补齐食品经营许可材料，逾期未补齐",
             "certification": "承诺的经营场所使用证明经核查与事实不符",
             "credit_repair": "信用修复后再次发生同类违法行为"}.get(kind, "承诺诚信经营后被查实存在虚假宣传行为")
    details = {"commitment_type": kind, "breach_facts": facts,
               "performance_status": c.rng.choice(("partially_fulfilled", "not_fulfilled")),
               "decided_by": c.authority(), "decision_no": c.doc_no("信"),
               "measures": "终止办理相关事项，记入信用档案" if kind != "credit_repair" else "恢复公示原失信信息",
               "repair_commitment": kind == "credit_repair"}
    return details, f"违背“{matter}”：{facts}"


def complaint(c: Ctx) -> tuple[dict, str]:
    category, matter = c.rng.choice(words.COMPLAINTS)
    received = c.days(20, 60)
    result = _pick(c.rng, (("mediated", 45), ("compensated", 30), ("claim_supported", 20), ("other", 5)))
    details = {"complaint_no": f"{c.decided_on:%Y%m%d}{c.serial % 10**7:07d}",
               "channel": _pick(c.rng, (("12315", 60), ("platform", 20), ("12345", 15), ("letter", 3),
                                        ("visit", 2))),
               "received_date": received.isoformat(), "accepted_date": (received + dt.timedelta(
                   days=c.rng.randint(1, 7))).isoformat(), "category": category,
               "subject_matter": matter.format(product=c.product), "result": result,
               "handled_by": c.authority(), "handled_date": c.decided_on.isoformat()}
    if result in ("mediated", "compensated"):
        details["compensation_amount_wan"] = _wan(c.rng, 0.005, 0.8)
    return details, f"消费投诉成立（{category}）：{details['subject_matter']}"


def platform_report(c: Ctx) -> tuple[dict, str]:
    prefix = next(p.prefix for p in c.world.platforms if p.code == c.source)
    text, evidence, action = words.PLATFORM_REPORTS.get(c.rule.code, ("平台核查认定存在{type}行为", "平台核查记录", "警告"))
    orders = [f"{prefix}{c.decided_on:%y%m%d}{c.rng.randrange(10**9):09d}"
              for _ in range(c.rng.randint(1, 4))]
    details: dict[str, Any] = {
        "platform_case_no": f"{prefix}-{c.decided_on:%Y%m%d}-{c.serial:05d}", "order_ids": orders,
        "description": text.format(product=c.product, period=f"{c.rng.randint(2, 8)}周", type=c.rule.name.zh),
        "evidence_summary": evidence, "action_taken": action}
    code = c.rule.code
    if code == "malicious_review":
        details.update(review_count=len(orders), review_ids=[o.replace(prefix, "R") for o in orders],
                       pattern=_pick(c.rng, (("extortion", 40), ("false_negative", 30),
                                             ("competitor_attack", 20), ("paid_positive", 10))))
    elif code == "fake_order":
        count = c.rng.randint(30, 2000)
        details.update(order_count=count, amount_wan=round(count * c.rng.uniform(0.003, 0.02), 2),
                       empty_parcel=c.rng.random() < 0.4)
    elif code == "fake_traffic":
        details.update(traffic_type=c.rng.choice(("views", "clicks", "followers", "favourites",
                                                  "live_viewers")),
                       inflated_count=c.rng.randint(1000, 500000))
    elif code == "picture_unlike_goods":
        details.update(item_ids=[f"{prefix}I{c.rng.randrange(10**8)}"],
                       discrepancy=c.rng.choice(("面料材质与描述不符", "实物尺寸小于标注尺寸", "颜色与主图差异明显")))
    elif code == "counterfeit":
        details.update(kind=_pick(c.rng, (("counterfeit_trademark", 60), ("substandard", 25),
                                          ("fake_origin", 10), ("expired", 5))),
                       brand=c.rng.choice(("罗莱", "梦洁", "水星", "富安娜", "紫罗兰")) + "（注册商标）",
                       rights_holder_complaint=c.rng.random() < 0.6, amount_wan=_wan(c.rng, 0.1, 50))
    elif code == "price_fraud":
        details.update(fraud_type=c.rng.choice(("false_discount", "bait_pricing", "misleading_price",
                                                "homepage_detail_mismatch", "promotion_rule_mismatch")),
                       amount_wan=_wan(c.rng, 0.01, 5))
    platform = next(p.name for p in c.world.platforms if p.code == c.source)
    return details, f"{platform}认定{c.rule.name.zh}：{details['description']}"


SPECIFICATIONS = {"家纺": ("200×230cm", "150×200cm", "1.8m床"), "服饰": ("M", "L", "110cm"),
                  "食品": ("500g", "250g/袋"), "农产品": ("5kg", "500g"), "电子": ("220V 60W", "5000mAh")}


def quality(c: Ctx) -> tuple[dict, str]:
    industry = getattr(c.subject, "industry", "")
    if industry not in words.PRODUCTS_FAILED:
        industry = c.rng.choice(sorted(words.PRODUCTS_FAILED))
    product = c.rng.choice(next((i[2] for i in words.INDUSTRIES if i[0] == industry), ("日用品",)))
    failed = c.rng.sample(words.PRODUCTS_FAILED[industry], k=min(len(words.PRODUCTS_FAILED[industry]),
                                                                 c.rng.choice((1, 1, 2))))
    source = "import" if c.source == "ciq" else _pick(c.rng, (("online", 60), ("circulation", 25),
                                                               ("production", 15)))
    details = {"task_no": f"NT-{c.year}-CC-{c.rng.randint(1, 60):03d}",
               "notice_no": f"{c.authority()}公告{c.year}年第{c.rng.randint(1, 40)}号", "product_name": product,
               "brand": getattr(c.subject, "trade", "") or "无",
               "specification": c.rng.choice(SPECIFICATIONS.get(industry, ("标准型", "1件装"))),
               "batch": c.days(30, 200).isoformat(), "sample_source": source,
               "sampling_date": c.days(20, 90).isoformat(),
               "inspection_agency": c.rng.choice(words.INSPECTION_AGENCIES), "failed_items": failed,
               "organised_by": c.authority(),
               "rectification": "已责令停止销售并整改，复查合格" if c.rng.random() < 0.6 else "责令限期整改"}
    return details, f"{product}监督抽查不合格（{'、'.join(failed)}）"


def logistics_quality(c: Ctx) -> tuple[dict, str]:
    year = c.year - 1
    c.decided_on = dt.date(c.year, 3, c.rng.randint(1, 28))
    score = round(c.rng.triangular(60, 99, 88), 1)
    grade = "A" if score >= 90 else "B" if score >= 80 else "C" if score >= 70 else "D"
    details = {"evaluation_period": f"{year}年", "grade": grade, "score": score,
               "complaint_rate": round(c.rng.uniform(0.1, 12), 2),
               "on_time_rate": round(c.rng.uniform(70, 99), 1),
               "evaluated_by": c.authority("postal"), "valid_until": dt.date(c.year + 1, 3, 31).isoformat()}
    return details, f"{year}年度寄递服务质量评价{grade}级（{score}分）"


def payment(c: Ctx) -> tuple[dict, str]:
    modern = c.decided_on >= dt.date(2024, 5, 1)
    types = (["stored_value_account"] if c.rng.random() < 0.5 else ["payment_processing"]) if modern else \
        c.rng.sample(["online_payment", "mobile_payment", "prepaid_card_issuing", "bank_card_acquiring"], 2)
    number = f"Z20{c.rng.randint(0, 99):02d}32{c.rng.randrange(10**7):07d}"
    details = {"licence_no": number, "business_types": types, "coverage": "江苏省",
               "valid_from": c.decided_on.isoformat(),
               "valid_until": dt.date(c.year + 5, c.decided_on.month, 1).isoformat(),
               "authority": "中国人民银行", "legal_representative": c.legal_rep}
    return details, f"取得支付业务许可证（{number}）"


def contract(c: Ctx) -> tuple[dict, str]:
    signed = c.days(60, 500)
    status = _pick(c.rng, (("fulfilled", 65), ("partially_fulfilled", 10), ("breached", 20),
                           ("terminated", 5)))
    other, kind = c.rng.choice(c.world.orgs), c.rng.choice(words.CONTRACT_TYPES)
    counterparty = c.authority("districts") if kind == "政府采购合同" else \
        other.name if c.rng.random() < 0.85 or kind == "委托代运营合同" else "个人"
    details = {"contract_no": f"HT-{signed:%Y%m}-{c.rng.randint(1, 9999):04d}", "contract_type": kind,
               "counterparty": counterparty,
               "amount_wan": _wan(c.rng, 0.5, 500), "signed_date": signed.isoformat(),
               "due_date": (signed + dt.timedelta(days=c.rng.randint(30, 180))).isoformat(),
               "performance_status": status,
               "evidence_document": f"（{c.year}）苏06民终{c.rng.randint(100, 5000)}号" if status == "breached"
               else "验收报告"}
    if status == "breached":
        details["breach_description"] = c.rng.choice(words.BREACHES).format(
            days=c.rng.randint(5, 90), amount=_wan(c.rng, 0.5, 50))
    zh = {"fulfilled": "全部履行", "partially_fulfilled": "部分履行", "breached": "违约", "terminated": "依法解除"}
    return details, f"{details['contract_type']}（{details['contract_no']}）履约情况：{zh[status]}"


def tax_grade(c: Ctx) -> tuple[dict, str]:
    year = c.year - 1 if dt.date(c.year, 4, 28) <= ANCHOR else c.year - 2
    c.decided_on = dt.date(year + 1, 4, c.rng.randint(8, 28))
    risk = getattr(c.subject, "risk", 1.0)
    grade = _pick(c.rng, (("A", 25), ("B", 45), ("M", 20), ("C", 5 + risk), ("D", 2 + risk)))
    details = {"year": year, "grade": grade, "evaluated_by": "国家税务总局南通市税务局",
               "valid_until": dt.date(year + 2, 4, 30).isoformat()}
    return details, f"{year}年度纳税信用{grade}级"


BUILDERS: dict[str, Callable[[Ctx], tuple[dict, str]]] = {
    "admin_licence": licence,
    "admin_penalty_general": penalty,
    "admin_penalty_serious": lambda c: penalty(c, serious=True),
    "abnormal_operation_list": abnormal_list,
    "serious_violation_list": serious_list,
    "honour": honour,
    "court_dishonest_debtor": court_debtor,
    "credit_commitment": commitment,
    "commitment_breach": commitment_breach,
    "complaint_upheld": complaint,
    "malicious_review": platform_report,
    "fake_order": platform_report,
    "fake_traffic": platform_report,
    "picture_unlike_goods": platform_report,
    "counterfeit": platform_report,
    "price_fraud": platform_report,
    "product_quality_inspection": quality,
    "logistics_service_quality": logistics_quality,
    "payment_licence": payment,
    "contract_performance": contract,
    "tax_credit_grade": tax_grade,
}


def build(c: Ctx) -> tuple[dict, str]:
    """Details and summary for the context's type; unknown types are filled from their schema."""
    builder = BUILDERS.get(c.rule.code)
    details, summary = builder(c) if builder else ({}, c.rule.name.zh)
    c.decided_on = min(c.decided_on, ANCHOR)
    return finish(c, details), summary[:500]


def finish(c: Ctx, details: dict) -> dict:
    """Fit `details` to the type's schema: drop unknown keys and empty values, fill missing required ones,
    validate. A builder out of step with the catalog falls back to values made from the schema alone."""
    schema = c.rule.details_schema
    props = schema.get("properties", {})
    details = {k: v for k, v in details.items() if v not in (None, "", []) and (k in props or schema.get(
        "additionalProperties", True) is not False)}
    for key in schema.get("required", []):
        if key not in details and key in props:
            details[key] = schema_fill.value(props[key], c.rng, c.decided_on, c.rule.name.zh)
    validate = c.policy.details_validator(c.rule.code)
    try:
        return validate(details)
    except fastjsonschema.JsonSchemaValueException:  # start again from the schema alone
        return validate(schema_fill.minimal(schema, c.rng, c.decided_on, c.rule.name.zh))
