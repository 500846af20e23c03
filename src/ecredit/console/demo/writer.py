"""Writing the demo city: organisations and logins, subjects, shops, records and a few procedures.

Everything goes through the services a real deployment uses (registry.register, registry.shops.report_shops,
exchange.submit, archive.flows), except the ~2,500 plain subjects: registering them one transaction at
a time costs seconds, so `register_bulk` writes them in one go with the same rows and a change-log entry
per subject, which keeps `ecredit verify-log` intact.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from ecredit import policy as policy_module
from ecredit.access.models import ApiClient, Membership, Organisation, OrganisationKind
from ecredit.access import tokens
from ecredit.access.principal import Principal, for_client, system
from ecredit.archive import flows
from ecredit.archive.models import CreditRecord, RecordStatus
from ecredit.audit.services import Actor
from ecredit.console import demo_accounts
from ecredit.exchange import services as exchange
from ecredit.exchange.models import Channel
from ecredit.kit.errors import DomainError
from ecredit.kit.periods import Period
from ecredit.registry import services as registry
from ecredit.registry.models import Subject
from ecredit.registry.shops import report_shops

from .records import BATCH_SIZE, Record
from .world import ANCHOR, Org, Person, World

Say = Callable[[str], None]
ROLE_OF_KIND = {"credit_office": "credit_office_admin", "department": "department_officer",
                "platform": "platform_client", "agency": "agency_client", "logistics": "logistics_client",
                "bank": "bank_client"}


class DemoError(RuntimeError):
    """The demo data did not go in as generated (a service refused it): a bug to fix, not to hide."""


def organisations(pol, world: World) -> dict[str, Organisation]:
    """The credit office, the plan's departments, the platforms, the agency, the logistics firm, a bank and the
    complaint hotlines' operators."""
    rows = [Organisation(code=d.code, name=d.name.zh, kind=d.kind) for d in pol.departments.departments]
    rows += [Organisation(code=p.code, name=p.org.name, kind=OrganisationKind.PLATFORM, uscc=p.org.uscc)
             for p in world.platforms]
    rows.append(Organisation(code="agency_1", name=world.agency.name, kind=OrganisationKind.AGENCY,
                             uscc=world.agency.uscc))
    rows.append(Organisation(code="logistics_1", name=world.logistics.name, kind=OrganisationKind.LOGISTICS,
                             uscc=world.logistics.uscc))
    rows.append(Organisation(code="bank_1", name="南通示范农村商业银行", kind=OrganisationKind.BANK))
    hotlines = {versions[-1].organisation: versions[-1].operator.zh for versions in pol.complaints.hotlines.values()}
    rows += [Organisation(code=code, name=name, kind=OrganisationKind.HOTLINE) for code, name in hotlines.items()]
    Organisation.objects.bulk_create(rows)
    return {o.code: o for o in Organisation.objects.all()}


def register_named(world: World) -> None:
    """The platforms, the agency and the logistics firm, registered one by one like any subject."""
    actor = Actor("system:demo", "market_regulation")
    for org in [p.org for p in world.platforms] + [world.agency, world.logistics]:
        registry.register({"uscc": org.uscc, "name": org.name}, actor, roles=org.roles, region=org.region,
                          address=org.address, legal_representative=org.legal_rep)


def accounts(orgs: dict[str, Organisation]) -> None:
    """Console users (password DEMO_PASSWORD, all staff, `admin` superuser), API clients with fixed tokens."""
    users = get_user_model()
    password = make_password(demo_accounts.DEMO_PASSWORD)   # hashed once: the hasher is slow on purpose
    for username, (org_code, role, description) in demo_accounts.USERS.items():
        user = users.objects.create(username=username, password=password, is_staff=True,
                                    is_superuser=username == "admin",
                                    first_name=description.split(" / ")[0][:150])
        Membership.objects.create(user=user, organisation=orgs[org_code], role=role)
    # Issued as an administrator would (change-logged, expiring after the policy's lifetime), with fixed tokens.
    issuer = system("demo")
    for org_code, (name, role, token) in demo_accounts.TOKENS.items():
        tokens.issue(issuer, organisation=org_code, role=role, name=name, token=token)


def principal_of(org: Organisation) -> Principal:
    """How an organisation sends data: through its API client if it has one, else a labelled import."""
    client = ApiClient.objects.filter(organisation=org, active=True).order_by("id").first()
    if client is not None and client.role == ROLE_OF_KIND.get(org.kind):
        return for_client(client)
    return Principal.build(f"demo:{org.code}", ROLE_OF_KIND[org.kind], org)


def register_bulk(subjects: list[Org | Person], actor: Actor) -> int:
    """Register verified subjects in bulk through the registry (one change-log entry each)."""
    entries = [{"subject": {**_key(s), "name": s.name}, "roles": list(getattr(s, "roles", ())), "region": s.region,
                "address": s.address, "legal_representative": s.legal_rep if isinstance(s, Org) else ""}
               for s in subjects]
    return len(registry.register_many(entries, actor))


def shops(world: World, orgs: dict[str, Organisation]) -> tuple[int, int]:
    """Each platform reports its shops; some reports name the operator wrongly (the shop stays unverified);
    some shops were last reported long ago (last_reported_at is not part of the logged state)."""
    unverified = stale = 0
    for index, platform in enumerate(world.platforms):
        mine = [s for s in world.shops if s.platform == index]
        if not mine:
            continue
        rows = [{"shop_id": s.shop_id, "name": s.name, "url": s.url, "region": s.region,
                 "operator": {**_key(s.operator), "name": s.reported_name}} for s in mine]
        report = report_shops(rows, principal_of(orgs[platform.code]))
        if report.errors:
            raise DemoError(f"{platform.code}: shops refused: {report.errors[:3]}")
        unverified += report.received - report.verified
        ids = dict(Subject.objects.filter(platform__uscc=platform.org.uscc).values_list("shop_id", "id"))
        by_months: dict[int, list[int]] = {}
        for s in mine:
            if s.stale_months:
                by_months.setdefault(s.stale_months, []).append(ids[s.shop_id])
        for months, pks in sorted(by_months.items()):
            day = Period.parse(f"P{months}M").before(ANCHOR)
            when = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
            stale += Subject.objects.filter(pk__in=pks).update(last_reported_at=when)
    return unverified, stale


def records(by_source: dict[str, list[Record]], orgs: dict[str, Organisation], say: Say) -> int:
    """Every source sends its records in batches of up to BATCH_SIZE, oldest first."""
    sent = 0
    for code in sorted(by_source, key=lambda c: (orgs[c].kind, c)):
        org, items = orgs[code], [r.item for r in by_source[code]]
        principal = principal_of(org)
        by_api = org.kind == OrganisationKind.PLATFORM or principal.label.startswith("client:")
        channel = Channel.API if by_api else Channel.EXCEL
        for number, start in enumerate(range(0, len(items), BATCH_SIZE), start=1):
            batch = exchange.submit(items[start:start + BATCH_SIZE], principal, channel=channel,
                                    client_batch_id=f"demo-{code}-{number:03d}",
                                    filename="" if channel == Channel.API else f"{code}_{number:03d}.xlsx")
            if batch.rejected:
                raise DemoError(f"{code} batch {number}: {batch.rejected} refused, e.g. {batch.errors[:3]}")
            sent += batch.created
        say(f"  {code}: {len(items)}")
    return sent


def _key(subject: Org | Person) -> dict:
    return {"uscc": subject.uscc} if isinstance(subject, Org) else {"ric": subject.ric}


def _subject_account(record: CreditRecord) -> Principal:
    """The record's subject acting for itself (as through the portal)."""
    return Principal.build(f"subject:{record.subject.name}", "subject_account", None, record.subject_id)


OBJECTION_REASONS = (   # the first is the one decided: upheld, the fine corrected
    "罚款金额记载有误，决定书载明的罚款金额为记录金额的一半。",
    "处罚决定书已被上级机关撤销，记录应予删除。",
    "该违法行为系他人冒用本单位名义所为，已向公安机关报案。",
    "本单位已于决定作出前完成整改，事实认定有误。",
    "记录中的违法事实与处罚决定书不一致，请求更正。",
)


def procedures(orgs: dict[str, Organisation], seed: int, say: Say) -> tuple[int, int]:
    """A few objections (one decided, others open with deadlines) and repair applications (one approved)."""
    rng = random.Random(f"{seed}:procedures")
    admin = Principal.build("user:admin", "credit_office_admin", orgs["credit_office"])
    market = Principal.build("user:market", "department_officer", orgs["market_regulation"])
    # Chosen by the anchor date, not today, so that every run picks the same records.
    live = CreditRecord.objects.filter(polarity="negative", disclosure="public", status=RecordStatus.ACTIVE,
                                       subject__kind="organisation", record_type__category="penalty",
                                       public_until__gt=ANCHOR).order_by("id")
    objections = []
    for code in ("market_regulation", "market_regulation", "market_regulation", "postal", "food_drug"):
        pool = live.filter(source__code=code).exclude(pk__in=[o.record_id for o in objections])
        if not objections:    # the first objection disputes the fine: a record with one
            pool = pool.filter(details__fine_amount_wan__gt=0)
        ids = list(pool.values_list("id", flat=True)[:200])
        if not ids:
            continue
        record = CreditRecord.objects.select_related("subject").get(pk=rng.choice(ids))
        objections.append(flows.file_objection(record.pk, _subject_account(record),
                                               reason=OBJECTION_REASONS[len(objections)],
                                               contact=f"0513-8{rng.randrange(10**6, 10**7)}"))

    def handler(objection):   # the record's source handles it; the credit office for other sources
        return market if objection.record.source_id == orgs["market_regulation"].pk else admin

    if objections:   # the first is decided: upheld, the fine corrected to half
        first = objections[0]
        flows.check_objection(first.pk, handler(first), accept=True)
        details, summary = dict(first.record.details), first.record.summary
        if details.get("fine_amount_wan"):
            wrong, right = details["fine_amount_wan"], round(details["fine_amount_wan"] / 2, 2)
            details["fine_amount_wan"] = right
            details["content"] = details.get("content", "").replace(f"{wrong}万元", f"{right}万元")
            summary = summary.replace(f"{wrong}万元", f"{right}万元")
        flows.decide_objection(first.pk, handler(first), upheld=True,
                               decision="经核实，罚款金额记载有误，予以更正。",
                               correction={"details": details, "summary": summary})
    for objection in objections[1:3]:   # two accepted for review, the rest only filed
        flows.check_objection(objection.pk, handler(objection), accept=True)
    repairs = []
    attested = sorted({c.code for c in policy_module.current().deadlines.repair.conditions
                       if c.checked_by == "applicant_attests"})
    candidates = list(live.filter(repair_from__lte=ANCHOR, record_type="admin_penalty_general")
                      .exclude(pk__in=[o.record_id for o in objections]).values_list("id", flat=True)[:400])
    rng.shuffle(candidates)
    for pk in candidates:
        if len(repairs) == 3:
            break
        record = CreditRecord.objects.select_related("subject").get(pk=pk)
        try:
            repairs.append(flows.apply_for_repair(pk, _subject_account(record), attested=attested,
                                                  statement="已缴清罚款并完成整改，申请提前停止公示。"))
        except DomainError:
            continue   # another penalty or a list entry stands in the way: try the next one
    if repairs:
        flows.decide_repair(repairs[0].pk, admin, approve=True, decision="符合信用修复条件，准予修复。")
    say(f"  objections {len(objections)}, repairs {len(repairs)}")
    return len(objections), len(repairs)
