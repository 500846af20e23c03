"""The demo city's logins and API tokens (printed by `make run`; for demonstration only)."""

from __future__ import annotations

DEMO_PASSWORD = "Nantong-demo-2026"

# username -> (organisation code, role, description)
USERS = {
    "admin": ("credit_office", "credit_office_admin", "市信用办管理员 / credit office administrator (superuser)"),
    "market": ("market_regulation", "department_officer", "市工商局经办人 / market regulation officer"),
    "market_inv": ("market_regulation", "department_investigator", "市工商局执法人员 / investigator (sees IDs)"),
    "post": ("postal", "department_officer", "市邮政管理局经办人 / postal administration officer"),
    "commerce": ("commerce", "department_officer", "市商务局经办人 / commerce bureau officer"),
    "platform": ("platform_1", "platform_client", "平台工作人员 / platform staff (joint-action tasks, reports)"),
    "bank": ("bank_1", "bank_client", "银行工作人员 / bank staff (red-list credit measures)"),
}

# Subject accounts for the portal's "本人查询" (own archive and own report): username -> (which subject, description).
# `person` is the demo person with the most records, `merchant` the organisation operating the most shops.
SUBJECT_USERS = {
    "resident": ("person", "自然人本人 / a resident looking at their own archive (portal)"),
    "merchant": ("merchant", "网店经营企业本人 / a merchant company looking at its own archive (portal)"),
}
SUBJECT_ORGANISATION = ("self_service", "信用主体本人（自助查询）")

# organisation code -> (client name, role, token)
TOKENS = {
    "platform_1": ("demo-platform-1", "platform_client", "ec_demo_platform_1_token"),
    "platform_2": ("demo-platform-2", "platform_client", "ec_demo_platform_2_token"),
    "agency_1": ("demo-agency", "agency_client", "ec_demo_agency_token"),
    "bank_1": ("demo-bank", "bank_client", "ec_demo_bank_token"),
    "market_regulation": ("market-regulation-system", "department_officer", "ec_demo_market_regulation_token"),
    "hotline_12315": ("hotline-12315-system", "hotline_client", "ec_demo_hotline_12315_token"),
    "logistics_1": ("demo-logistics-1", "logistics_client", "ec_demo_logistics_1_token"),
}


def banner(base: str) -> str:
    """What `make run` prints: the URLs and the demo logins."""
    lines = [
        "",
        "ecredit is running:",
        f"  public portal         {base}/",
        f"  report verification   {base}/verify",
        f"  query widget (embed)  {base}/widget/",
        f"  parcel tracking       {base}/parcels/",
        f"  product traceability  {base}/trace/   (GS1 Digital Link: {base}/01/<GTIN>/10/<lot>)",
        f"  console (workbench)   {base}/console/",
        f"  Django admin          {base}/console/admin/",
        f"  API                   {base}/api/v1/",
        f"  API docs (Swagger UI) {base}/api/v1/docs",
        f"  OpenAPI document      {base}/api/v1/openapi.json",
        f"  EPCIS 2.0 (GS1)       {base}/epcis/   (docs: {base}/epcis/docs)",
        "",
        f"Demo logins (password for all: {DEMO_PASSWORD}):",
        *[f"  {name:<12} {desc}" for name, (_, _, desc) in USERS.items()],
        *[f"  {name:<12} {desc}" for name, (_, desc) in SUBJECT_USERS.items()],
        "Officers and administrators also give a one-time code (second factor): the first login shows a QR code",
        "for an authenticator app; without a phone, `.venv/bin/ecredit otp-code <user>` prints the current code.",
        "",
        "Demo API tokens (Authorization: Bearer <token>):",
        *[f"  {token:<36} {org} ({role})" for org, (_, role, token) in TOKENS.items()],
        "",
    ]
    return "\n".join(lines)
