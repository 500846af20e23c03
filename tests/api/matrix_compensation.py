"""The compensation rows of the API authorisation matrix, and what they act on in the shared world.

Platforms (compensation.pay) act on their own fund and claims; departments and the credit office
(compensation.view) read them, and forward complaints as claims (complaint.handle); agencies and subjects see
nothing of it.
"""

from __future__ import annotations

from tests.api.conftest import CALLERS

# Who reads funds, claims and figures: the platform (its own) and every department and the credit office.
VIEW = {"anon": 401, "badtoken": 401, "platform": 200, "agency": 403, "officer": 200, "investigator": 200,
        "other_officer": 200, "admin": 200, "subject": 403}
# Who acts on the fund and the claims: only the platform.
PAY = {"anon": 401, "badtoken": 401, "platform": 200, "agency": 403, "officer": 403, "investigator": 403,
       "other_officer": 403, "admin": 403, "subject": 403}
CREATED = {c: (201 if s == 200 else s) for c, s in PAY.items()}
# Who files a claim: the platform for the consumer, a department (or the credit office) forwarding a complaint.
FILE = {c: (201 if s == 200 else s) for c, s in VIEW.items()}


def _claim_body(w) -> dict:
    return {"claim_id": "M-NEW-1", "platform_uscc": w.platform_uscc, "complaint_ref": "12315-2026-999001",
            "shop_id": "S1", "consumer_name": "李四", "consumer_phone": "13900001111", "amount_fen": 5000,
            "basis": "platform_promise", "harms": ["quality_defect"], "facts": "商品质量问题，商家拒绝退货"}


def _terms() -> dict:
    return {"agreement_no": "保证金协议〔2026〕2号", "agreed_on": "2026-01-05", "agreed_minimum_fen": 10000,
            "contribution_terms": "每户商家缴存五千元", "management_terms": "专户存管", "use_terms": "先行赔付消费者",
            "refund_terms": "商家退出且无未结赔付的退还"}


# name: (method, path template, body or body factory, expected status per caller); see test_authorisation.py
ROWS: dict = {
    "compensation_rules": ("get", "/api/v1/compensation/rules", None, {c: 200 for c in CALLERS}),
    "compensation_fund": ("get", "/api/v1/compensation/fund?platform_id={compensation_platform}", None, VIEW),
    "compensation_agree_fund": ("post", "/api/v1/compensation/fund", _terms(), PAY),
    "compensation_ledger": ("get", "/api/v1/compensation/fund/ledger?platform_id={compensation_platform}", None,
                            VIEW),
    "compensation_deposit": ("post", "/api/v1/compensation/fund/deposits",
                             {"amount_fen": 20000, "reference": "DEP-MATRIX-2"}, CREATED),
    "compensation_withdraw": ("post", "/api/v1/compensation/fund/withdrawals",
                              {"amount_fen": 1000, "reference": "WD-MATRIX-1", "reason": "商家退出平台"}, CREATED),
    "compensation_file": ("post", "/api/v1/compensation/claims", _claim_body, FILE),
    "compensation_claims": ("get", "/api/v1/compensation/claims", None, VIEW),
    "compensation_claim": ("get", "/api/v1/compensation/claims/{compensation_filed}", None, VIEW),
    "compensation_consumer": ("get", "/api/v1/compensation/claims/{compensation_filed}/consumer?purpose=核实赔付",
                              None, VIEW),
    "compensation_accept": ("post", "/api/v1/compensation/claims/{compensation_filed}/acceptance", {}, PAY),
    "compensation_reject": ("post", "/api/v1/compensation/claims/{compensation_filed}/rejection",
                            {"reason": "not_covered", "note": "不属于平台承诺的赔付范围"}, PAY),
    "compensation_pay": ("post", "/api/v1/compensation/claims/{compensation_accepted}/payment", {"source": "auto"},
                         PAY),
    "compensation_demand": ("post", "/api/v1/compensation/claims/{compensation_paid}/recovery-demand",
                            {"note": "已书面通知"}, PAY),
    "compensation_recover": ("post", "/api/v1/compensation/claims/{compensation_paid}/recoveries",
                             {"amount_fen": 1000, "reference": "REC-MATRIX-1"}, PAY),
    "compensation_write_off": ("post", "/api/v1/compensation/claims/{compensation_demanded}/write-off",
                               {"note": "商家已注销"}, PAY),
    "compensation_figures": ("get", "/api/v1/compensation/figures", None, VIEW),
}


def build(w) -> None:
    """Add to the shared world (`w.ids`, `w.tokens`) what ROWS act on: platform_1's fund with money in it and
    claims at each step (filed, accepted, paid, recovery demanded)."""
    import datetime as dt

    from ecredit.access.models import Organisation
    from ecredit.compensation import flows, services
    from tests import factories as f

    platform = f.principal("platform_client", Organisation.objects.get(code="platform_1"))
    services.agree_fund(platform, **dict(_terms(), agreed_on=dt.date(2026, 1, 5)))
    services.deposit(platform, amount_fen=100000, reference_no="DEP-MATRIX-1")
    w.ids["compensation_platform"] = services.platform_of(platform).pk
    claims = {}
    for n, step in enumerate(("filed", "accepted", "paid", "demanded"), start=1):
        claim, _ = flows.file_claim(platform, claim_id=f"M-{n}", shop_id="S1", consumer_name="张三",
                                    consumer_phone="13800002222", amount_fen=3000 * n, basis="platform_promise",
                                    harms=["non_delivery"], facts="付款后迟迟未发货，商家不予回应")
        claims[step] = claim.pk
        if step != "filed":
            flows.accept(claim.pk, platform)
        if step in ("paid", "demanded"):
            flows.pay(claim.pk, platform)
        if step == "demanded":
            flows.demand_recovery(claim.pk, platform)
    w.ids.update({f"compensation_{step}": pk for step, pk in claims.items()})
