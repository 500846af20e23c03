"""The commitments rows of the API authorisation matrix, and what they act on in the shared world.

The world's company (the `subject` caller's own) has a public commitment in force and a restricted one, both
accepted by market regulation (the `officer` and `investigator` callers), and one signed and waiting there."""

from __future__ import annotations

CALLERS = ["anon", "badtoken", "platform", "agency", "officer", "investigator", "other_officer", "admin", "subject"]
EVERYONE = {c: 200 for c in CALLERS}
SIGNED_IN = EVERYONE | {"badtoken": 401}

# name: (method, path template, body or body factory, expected status per caller); see test_authorisation.py
ROWS: dict = {
    "commitment_templates": ("get", "/api/v1/commitments/templates", None, EVERYONE),
    "commitments": ("get", "/api/v1/commitments", None, SIGNED_IN),
    # The company's own account and a platform sign for themselves; nobody else signs.
    "sign_commitment": ("post", "/api/v1/commitments", {"commitment_type": "voluntary", "matter": "七日无理由退货"},
                        {c: 403 for c in CALLERS} | {"anon": 401, "badtoken": 401, "platform": 201, "subject": 201}),
    "verify_commitment_copy": ("post", "/api/v1/commitments/verify",
                               lambda w: {"code": w.ids["commitment_restricted"], "text": "一份副本"}, EVERYONE),
    "commitment": ("get", "/api/v1/commitments/{commitment_public}", None, SIGNED_IN),
    # Restricted: authorised readers (platforms, agencies, departments), the credit office and the signer.
    "commitment_restricted": ("get", "/api/v1/commitments/{commitment_restricted}", None,
                              SIGNED_IN | {"anon": 404}),
    "commitment_verification": ("get", "/api/v1/commitments/{commitment_restricted}/verification", None, EVERYONE),
    # The accepting department (or the credit office); a waiting commitment is invisible to everyone else.
    "accept_commitment": ("post", "/api/v1/commitments/{commitment_pending}/acceptance", {"accept": True},
                          {"anon": 401, "badtoken": 401, "platform": 404, "agency": 403, "officer": 200,
                           "investigator": 200, "other_officer": 404, "admin": 200, "subject": 403}),
    "assess_commitment": ("post", "/api/v1/commitments/{commitment_public}/fulfilment",
                          {"fulfilment": "fulfilled", "text": "经核查，已按承诺履行"},
                          {"anon": 401, "badtoken": 401, "platform": 403, "agency": 403, "officer": 200,
                           "investigator": 200, "other_officer": 403, "admin": 200, "subject": 403}),
    "withdraw_commitment": ("post", "/api/v1/commitments/{commitment_pending}/withdrawal", {"reason": "改为一般程序办理"},
                            {c: 403 for c in CALLERS} | {"anon": 401, "badtoken": 401, "platform": 404,
                                                          "subject": 200}),
}


def build(w) -> None:
    """Add to the shared world (`w.ids`, `w.tokens`) what ROWS act on."""
    from ecredit.access.models import Organisation
    from ecredit.access.principal import Principal
    from ecredit.commitments import flows, services

    market = Organisation.objects.get(code="market_regulation")
    officer = Principal.build("test:officer", "department_officer", market)
    own = Principal.build("user:company_self", "subject_account", Organisation.objects.get(code="self_company"),
                          w.ids["company"])

    def signed(kind: str, matter: str) -> str:
        return services.sign(own, commitment_type=kind, matter=matter, accepted_by="market_regulation").code

    w.ids["commitment_public"] = flows.accept(signed("approval_substitute", "食品经营许可证核发"), officer).code
    w.ids["commitment_restricted"] = flows.accept(signed("certification", "经营场所使用证明"), officer).code
    w.ids["commitment_pending"] = signed("tolerance_acceptance", "食品经营许可证延续")
