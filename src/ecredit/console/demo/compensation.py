"""Demo city: platforms' protection funds and advance-compensation claims at every step (R5.1).

Each platform but the last agrees a fund and pays into it (one platform keeps too little, so it is flagged);
consumers' claims are filed over the last four months, mostly by the platforms, a few forwarded by the market
regulator from 12315 complaints, and taken through acceptance or rejection, payment (from the fund, or own
money when it runs short), recovery demands, repayments and write-offs, some late. Steps happen at the times
they would have (`now=`), so the console shows deadlines met and missed. Seeded: the same claims every run.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from ecredit import policy
from ecredit.access.principal import Principal
from ecredit.compensation import flows, services
from ecredit.compensation.models import CompensationClaim
from ecredit.kit.errors import Conflict
from ecredit.registry.models import Subject, SubjectKind

from .writer import principal_of

SEED = 58  # 电子商务法第五十八条
CLAIMS_PER_PLATFORM = 16
SURNAMES = "王李张刘陈杨黄赵吴周徐孙朱马胡郭何高林罗"
GIVEN = ["晓明", "丽华", "建国", "秀英", "志强", "海燕", "俊杰", "婷婷", "国庆", "桂芳", "子涵", "雨轩"]
FACTS = {
    "quality_defect": "收到的商品存在质量问题，无法正常使用，商家拒绝退换",
    "personal_injury": "使用商品时受伤，已就医，要求赔偿医疗费用",
    "non_delivery": "付款后超过约定时间未发货，联系商家无回应",
    "counterfeit": "收到的商品经品牌方鉴定为假冒产品",
    "misdescription": "实物与商品页面描述严重不符",
    "after_sales_refused": "申请七日无理由退货被商家拒绝",
}


def _platforms(orgs: dict) -> list[tuple[object, Principal, Subject]]:
    out = []
    for code in sorted((c for c, o in orgs.items() if o.kind == "platform"), key=lambda c: (len(c), c)):
        org = orgs[code]
        subject = Subject.objects.filter(kind=SubjectKind.ORGANISATION, uscc=org.uscc).first() if org.uscc else None
        if subject is not None:
            out.append((org, principal_of(org), subject))
    return out


def build(orgs: dict) -> int:
    """Write this side of the demo city; returns how many claims it made."""
    rng = random.Random(SEED)
    now = timezone.now()
    start = now - dt.timedelta(days=120)
    rules = policy.current().compensation
    bases, harms = list(rules.bases), list(rules.harms)
    reasons = list(rules.rejection_reasons)
    regulator = orgs.get("market_regulation")
    officer = principal_of(regulator) if regulator is not None else None
    platforms = _platforms(orgs)
    made = 0
    for index, (org, platform, subject) in enumerate(platforms):
        if index < len(platforms) - 1:
            deposit = 30_000_00 if index == 1 else rng.randint(80, 300) * 1000_00
            services.agree_fund(platform, agreement_no=f"{org.code.upper()}-BZJ-2025-01",
                                agreed_on=(start - dt.timedelta(days=200)).date(), agreed_minimum_fen=20_000_00,
                                contribution_terms="平台内经营者按类目缴存一万元至五万元", custodian="南通某商业银行",
                                management_terms="专户存管，平台与存管银行按月对账并向商家公示",
                                use_terms="商家未履行赔偿责任时，用于先行赔付消费者",
                                refund_terms="商家退出平台且无未结赔付、投诉的，三十日内退还", now=start)
            services.deposit(platform, amount_fen=deposit, reference_no=f"{org.code}-DEP-1",
                             memo="首期缴存", now=start + dt.timedelta(hours=1))
        shops = list(Subject.objects.filter(kind=SubjectKind.SHOP, platform=subject, operator__isnull=False)
                     .order_by("id").values_list("shop_id", flat=True)[:60])
        if not shops:
            continue
        for n in range(CLAIMS_PER_PLATFORM):
            filed = start + dt.timedelta(days=rng.uniform(0, 118), hours=rng.randint(0, 8))
            harm = rng.choice(harms)
            forwarded = officer is not None and n % 8 == 7
            body = dict(shop_id=rng.choice(shops), consumer_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                        consumer_phone=f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}",
                        amount_fen=rng.choice([59_00, 128_00, 299_00, 458_00, 1_299_00, 3_680_00]),
                        basis=rng.choice(bases), harms=[harm], facts=FACTS.get(harm, "消费者权益受到损害"),
                        order_no=f"{org.code.upper()}{filed:%Y%m%d}{n:05d}", now=filed)
            if forwarded:
                claim, created = flows.file_claim(officer, platform_uscc=subject.uscc,
                                                  complaint_ref=f"12315-{filed:%Y%m%d}-{index}{n:04d}", **body)
            else:
                claim, created = flows.file_claim(platform, claim_id=f"{org.code}-PF-{n:05d}", **body)
            if created:      # a database that already has the demo keeps its claims as they are
                made += 1
                _drive(claim, platform, rng, filed, now, reasons)
    return made


def _drive(claim: CompensationClaim, platform: Principal, rng: random.Random, filed: dt.datetime,
           now: dt.datetime, reasons: list[str]) -> None:
    """Take a claim as far as its age and a roll of the dice allow; some steps are late."""
    def at(days: float) -> dt.datetime | None:
        when = filed + dt.timedelta(days=days)
        return when if when < now else None

    roll = rng.random()
    decided = at(rng.choice([1, 2, 3, 5, 8, 14]))
    if decided is None or roll < 0.08:
        return                                                   # still waiting for the platform's decision
    if roll < 0.22:
        flows.reject(claim.pk, platform, reason=rng.choice(reasons), note="经核实，不符合先行赔付条件", now=decided)
        return
    share = rng.choice([100, 100, 100, 80, 50])
    flows.accept(claim.pk, platform, amount_fen=claim.claimed_fen * share // 100, note="经核实同意赔付", now=decided)
    paid = at((decided - filed).days + rng.choice([0.2, 1, 2, 4, 9]))
    if paid is None or roll < 0.3:
        return
    flows.pay(claim.pk, platform, source="own" if roll > 0.95 else "auto", reference_no=f"PAY{claim.pk:08d}",
              now=paid)
    demanded = at((paid - filed).days + rng.choice([1, 2, 5]))
    if demanded is None or roll < 0.4:
        return
    try:
        flows.demand_recovery(claim.pk, platform, note="已向商家发出追偿通知", now=demanded)
    except Conflict:  # a merchant that cannot be identified: written off instead
        flows.write_off(claim.pk, platform, note="商家身份无法查明", now=demanded)
        return
    repaid = at((demanded - filed).days + rng.choice([3, 10, 25]))
    if repaid is None or roll < 0.5:
        return
    left = CompensationClaim.objects.get(pk=claim.pk).outstanding_fen
    part = left if roll < 0.8 else left // 2
    flows.record_recovery(claim.pk, platform, amount_fen=part, reference_no=f"REC{claim.pk:08d}", now=repaid)
    if part < left and roll > 0.9:
        flows.write_off(claim.pk, platform, note="商家已注销，余款无法追回", now=repaid + dt.timedelta(days=1))
