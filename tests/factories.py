"""Builders of valid test data: identifiers with correct check digits, organisations, principals, records."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from ecredit.access.models import ApiClient, Organisation
from ecredit.access.principal import Principal
from ecredit.kit.identifiers import ric_with_check_digit, uscc_with_check_digit

_counter = itertools.count(1)


def uscc(n: int | None = None, region: str = "320602") -> str:
    """A valid unified social credit code; distinct for distinct n."""
    n = next(_counter) if n is None else n
    return uscc_with_check_digit(f"91{region}{n:08d}X")


def ric(n: int | None = None, region: str = "320602", birth: str = "19850317") -> str:
    """A valid resident ID number; distinct for distinct n < 1000."""
    n = next(_counter) if n is None else n
    return ric_with_check_digit(f"{region}{birth}{n % 1000:03d}")


def organisation(kind: str = "department", code: str | None = None, **extra: Any) -> Organisation:
    code = code or f"{kind}_{next(_counter)}"
    return Organisation.objects.create(code=code, name=extra.pop("name", code), kind=kind, **extra)


def principal(role: str, org: Organisation | None = None, subject_id: int | None = None) -> Principal:
    return Principal.build(f"test:{role}", role, org, subject_id)


def client_token(org: Organisation, role: str, name: str | None = None) -> str:
    client = ApiClient(organisation=org, name=name or f"{org.code}-{role}", role=role)
    token = client.issue_token()
    client.save()
    return token


def penalty(rid: str, subject: dict | None = None, *, decided_on: str = "2025-03-05",
            kinds: list[str] | None = None, fine: float = 5.0, field: str = "general",
            type_code: str = "admin_penalty_general", **details: Any) -> dict:
    """An administrative penalty record as a department sends it."""
    return {
        "id": rid,
        "type": type_code,
        "subject": subject or {"uscc": uscc(), "name": "南通测试商贸有限公司"},
        "decided_on": decided_on,
        "summary": "销售不合格商品",
        "details": {"decision_no": f"通市监罚〔2025〕{rid}号", "penalty_kinds": kinds or ["fine"],
                    "fine_amount_wan": fine, "field": field, **details},
    }


def today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


def minimal_details(schema: dict) -> dict:
    """The smallest details object a schema accepts (required fields filled)."""
    out = {}
    for name in schema.get("required", []):
        prop = schema["properties"][name]
        if "enum" in prop:
            out[name] = prop["enum"][0]
        elif prop.get("type") == "array":
            item = prop.get("items", {})
            out[name] = [item["enum"][0]] if "enum" in item else ["x"]
        elif prop.get("type") in ("number", "integer"):
            out[name] = max(prop.get("minimum", 1), 1)
        elif prop.get("format") == "date":
            out[name] = "2024-01-01"
        else:
            out[name] = "测试"
    return out


def console_login(client, user) -> None:
    """Log `user` in on the test client as a person would: password step, and the second step where the policy
    asks for one (an authenticator is made for the user if it has none)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from ecredit.signin.models import Authenticator
    from ecredit.signin.rules import requires_second_factor

    client.force_login(user)
    if requires_second_factor(user):
        device = Authenticator.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = Authenticator.fresh(user, tolerance=1)
            device.confirmed = True
            device.save()
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
