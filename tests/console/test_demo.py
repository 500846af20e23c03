"""`ecredit demo`: a small demo city (scale 0.05) is deterministic, valid and leaves the change log intact."""

from __future__ import annotations

import dataclasses
import hashlib
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

from ecredit import policy
from ecredit.access.models import ApiClient, Organisation
from ecredit.archive.models import CreditRecord, Objection, RepairApplication
from ecredit.audit.services import verify
from ecredit.console import demo, demo_accounts
from ecredit.console.demo import records as record_plan
from ecredit.console.demo.world import build_world
from ecredit.kit import crypto
from ecredit.kit.canonical import canonical_json
from ecredit.kit.identifiers import normalise_ric, normalise_uscc
from ecredit.registry import services as registry
from ecredit.registry.models import Subject

SCALE = 0.05


def _digest() -> str:
    """Everything that must repeat: organisations, users, subjects' keys, records' ids and contents."""
    h = hashlib.sha256()
    for query in (
        Organisation.objects.order_by("code").values_list("code", "name", "kind", "uscc"),
        get_user_model().objects.order_by("username").values_list("username", "is_staff", "is_superuser"),
        Subject.objects.order_by("id").values_list(
            "id", "kind", "name", "uscc", "ric_lookup", "ric_masked", "platform__uscc", "shop_id",
            "operator_id", "region", "address", "legal_representative", "verified"),
        CreditRecord.objects.order_by("id").values_list(
            "id", "source__code", "source_record_id", "record_type_id", "subject_id", "decided_on", "summary",
            "details", "content_hash", "status", "public_from", "public_until"),
        Objection.objects.order_by("id").values_list("record__source_record_id", "status", "reason"),
        RepairApplication.objects.order_by("id").values_list("record__source_record_id", "status"),
    ):
        h.update(canonical_json(list(query)))   # canonical: JSON key order differs between databases
    return h.hexdigest()


def test_the_same_seed_generates_the_same_city_in_memory():
    pol = policy.current()
    one, two = build_world(pol, 7, SCALE), build_world(pol, 7, SCALE)
    assert dataclasses.asdict(one) == dataclasses.asdict(two)
    assert record_plan.generate(pol, one).keys() == record_plan.generate(pol, two).keys()
    assert [r.item for rs in record_plan.generate(pol, one).values() for r in rs] == \
        [r.item for rs in record_plan.generate(pol, two).values() for r in rs]
    other = build_world(pol, 8, SCALE)
    assert [o.name for o in other.orgs] != [o.name for o in one.orgs]


@pytest.mark.django_db(transaction=True)
def test_two_runs_on_empty_databases_write_identical_data():
    call_command("flush", interactive=False, verbosity=0)  # PostgreSQL sequences start afresh, as in a new database
    demo.build(scale=SCALE)
    first = _digest()
    call_command("flush", interactive=False, verbosity=0)
    assert not Subject.objects.exists()
    demo.build(scale=SCALE)
    assert _digest() == first


@pytest.mark.django_db(transaction=True)
def test_command_builds_a_valid_city_and_keeps_the_change_log_intact():
    out = StringIO()
    call_command("demo", scale=SCALE, stdout=out)
    assert "demo city built" in out.getvalue() and "records: 1,000 of" in out.getvalue()

    # identifiers: every USCC and resident ID valid (resident IDs by python-stdnum's stricter check too)
    orgs = list(Subject.objects.filter(kind="organisation").values_list("uscc", flat=True))
    assert len(orgs) >= 100 and all(stdnum_uscc.is_valid(u) and normalise_uscc(u) == u for u in orgs)
    persons = list(Subject.objects.filter(kind="person"))
    assert len(persons) == 25
    for person in persons:
        ric = crypto.decrypt(settings.KEYS.data_key, person.ric_cipher, person.ric_lookup.encode())
        assert stdnum_ric.is_valid(ric) and normalise_ric(ric) == ric
        assert person.ric_lookup == registry.ric_lookup(ric) and person.verified

    # shops: all reported, a few unverified (operator name mismatch), a few stale
    shops = Subject.objects.filter(kind="shop")
    assert shops.count() == 150 and shops.filter(operator__isnull=True).count() == 0
    assert 0 < shops.filter(verified=False).count() < 30
    assert 0 < shops.filter(last_reported_at__lt=registry.shop_report_due()).count() < 40

    # records: many types, valid details, inside and past their publicity windows
    types = set(CreditRecord.objects.values_list("record_type_id", flat=True))
    assert len(types) >= 10
    pol = policy.current()
    for record in CreditRecord.objects.all():
        assert pol.details_validator(record.record_type_id)(record.details) == record.details
    public = CreditRecord.objects.filter(disclosure="public")
    assert public.filter(public_until__lt=demo.ANCHOR).exists()      # past its window
    assert public.filter(public_until__gt=demo.ANCHOR).exists()      # still shown

    # the workbench has something to show
    assert Objection.objects.count() >= 3 and Objection.objects.filter(decided_at__isnull=False).count() == 1
    assert RepairApplication.objects.exists()
    assert RepairApplication.objects.filter(status="approved").count() <= 1

    # logins and tokens of console/demo_accounts.py
    users = get_user_model().objects.all()
    assert {u.username for u in users} == set(demo_accounts.USERS) | set(demo_accounts.SUBJECT_USERS)
    assert all(u.check_password(demo_accounts.DEMO_PASSWORD) for u in users)
    assert all(u.is_staff for u in users if u.username in demo_accounts.USERS)
    assert not any(u.is_staff for u in users if u.username in demo_accounts.SUBJECT_USERS)   # portal only
    assert users.get(username="admin").is_superuser
    for org_code, (_name, role, token) in demo_accounts.TOKENS.items():
        client = ApiClient.objects.by_token(token)
        assert client is not None and client.organisation.code == org_code and client.role == role

    assert verify().ok
    log = StringIO()
    call_command("verify-log", stdout=log)
    assert "intact" in log.getvalue()

    # --if-empty leaves a populated database alone; without it the command refuses
    again = StringIO()
    call_command("demo", scale=SCALE, if_empty=True, stdout=again)
    assert "not generated" in again.getvalue() and Subject.objects.filter(kind="shop").count() == 150
    with pytest.raises(CommandError):
        call_command("demo", scale=SCALE, stdout=StringIO())
