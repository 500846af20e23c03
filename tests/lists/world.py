"""The people and things a list procedure involves in tests, and the steps they take.

`World` sets up a small city: the departments that decide lists, the credit office, two e-commerce platforms
and a bank (the implementers of measures), the subjects a scenario follows and their records. Steps call the
same services the console and the API call (lists.services, lists.flows, lists.joint, lists.tasks, the
archive's intake and repair procedure), with the principal of whoever acts.
"""

from __future__ import annotations

import datetime as dt
import itertools
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.test import TestCase

from ecredit import policy
from ecredit.access.principal import Principal, anonymous, system
from ecredit.archive import flows as archive_flows
from ecredit.archive import services as archive
from ecredit.archive.models import CreditRecord
from ecredit.audit.services import Actor
from ecredit.lists import flows, joint, services
from ecredit.lists import tasks as list_tasks
from ecredit.lists.models import ListEntry, MeasureTask
from ecredit.registry import services as registry
from ecredit.registry import shops as registry_shops
from ecredit.registry.models import Subject, SubjectKind
from tests import factories as f

TZ = ZoneInfo("Asia/Shanghai")

# name in scenarios -> (organisation kind, code, display name, role of its user, registry USCC seed or None)
CAST: dict[str, tuple[str, str, str, str, int | None]] = {
    "department": ("department", "market_regulation", "南通市市场监督管理局", "department_officer", None),
    "postal": ("department", "postal", "南通市邮政管理局", "department_officer", None),
    "credit_office": ("credit_office", "credit_office", "南通市社会信用体系建设领导小组办公室", "credit_office_admin",
                      None),
    "platform": ("platform", "platform_a", "甲电商平台", "platform_client", 880001),
    "other_platform": ("platform", "platform_b", "乙电商平台", "platform_client", 880002),
    "bank": ("bank", "bank_a", "南通测试农村商业银行", "bank_client", None),
}
ATTESTED = ["penalty_fulfilled", "harm_removed"]  # what an applicant for repair attests (deadlines.yaml)

_seed = itertools.count(700001)


@contextmanager
def on_day(day: dt.date, hour: int = 10):
    """Travel to `day`, 10:00 in Nantong; the clock stands still."""
    with time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=TZ), tick=False):
        yield


def set_grade(subject: Subject, grade: str, in_force: bool = True, on: dt.date | None = None) -> None:
    """Give a subject a current grade directly (a Score and its CurrentScore), without records behind it."""
    from decimal import Decimal

    from django.utils import timezone

    from ecredit.evaluation.models import CurrentScore, Score

    on = on or timezone.localdate()
    score = Score.objects.create(subject=subject, model_code="enterprise", model_version="enterprise@test",
                                 as_of=on, score=Decimal("50"), grade=grade, base=Decimal("75"),
                                 contributions={}, digest="test", policy_version="test",
                                 computed_at=timezone.now())
    CurrentScore.objects.update_or_create(
        subject=subject, model_version="enterprise@test",
        defaults=dict(model_code="enterprise", score_row=score, score=score.score, grade=grade, as_of=on,
                      digest="test", in_force=in_force))


def background_tasks():
    """Run what the archive's `records_written` signal enqueues (rescoring, lists following their records) as
    production does once a transaction commits: tests run inside one transaction that never commits."""
    return TestCase.captureOnCommitCallbacks(using="default", execute=True)


class World:
    """The cast, the subjects, their records, and who acts for whom."""

    def __init__(self) -> None:
        self.orgs = {}
        for name, (kind, code, label, _role, seed) in CAST.items():
            uscc = f.uscc(seed) if seed else None
            if kind == "platform":
                registry.register({"uscc": uscc, "name": label}, Actor("test:registry"), roles=["platform"])
            self.orgs[name] = f.organisation(kind, code, name=label, **({"uscc": uscc} if uscc else {}))
        self.subjects: dict[str, Subject] = {}
        self.records: list[int] = []
        self._accounts: dict[int, Principal] = {}
        self._counter = itertools.count(1)

    # ------------------------------------------------------------------------------------------ who acts

    def principal(self, who: str, subject: Subject | None = None) -> Principal:
        """The principal of a cast member, of a subject's own account (`subject`), or the system."""
        if who == "subject":
            return self.account(subject)
        if who == "system":
            return system("test")
        if who == "public":
            return anonymous()
        kind, code, _label, role, _seed = CAST[who]
        return f.principal(role, self.orgs[who])

    def account(self, subject: Subject) -> Principal:
        """The subject's own account (an organisation of kind `subject` standing for it)."""
        if subject.pk not in self._accounts:
            org = f.organisation("subject", f"self_{subject.pk}", name=subject.name)
            self._accounts[subject.pk] = f.principal("subject_account", org, subject_id=subject.pk)
        return self._accounts[subject.pk]

    def decider(self, list_type: str) -> str:
        """The cast member that decides entries of this list type."""
        code = services.list_type_rule(list_type).department
        return next(name for name, (_k, c, *_rest) in CAST.items() if c == code)

    # ------------------------------------------------------------------------------------------ subjects

    def add_subject(self, name: str, spec: dict[str, Any] | None = None) -> Subject:
        """Register an organisation from the business registry (verified unless said otherwise), its roles
        and the shops it runs on the platforms (reported by each platform, as platforms do)."""
        spec = spec or {}
        uscc = f.uscc(spec.get("uscc") or next(_seed))
        subject = registry.register({"uscc": uscc, "name": name}, Actor("test:registry", "market_regulation"),
                                    roles=spec.get("roles", []), verified=spec.get("verified", True))
        self.subjects[name] = subject
        for shop in spec.get("shops", []):
            platform = shop.get("platform", "platform")
            report = registry_shops.report_shops(
                [{"shop_id": shop["shop_id"], "name": shop["name"],
                  "operator": {"uscc": uscc, "name": name}}],
                self.principal(platform))
            assert not report.errors, report.errors
            self.subjects[shop["name"]] = Subject.objects.get(platform__uscc=self.orgs[platform].uscc,
                                                              shop_id=shop["shop_id"])
        return subject

    def subject(self, name: str) -> Subject:
        return self.subjects[name]

    # ------------------------------------------------------------------------------------------ records

    def record(self, spec: dict[str, Any], subject: Subject) -> int:
        """Write a credit record through the archive's intake, as its source would send it."""
        return self.records_of([(spec, subject)])[0]

    def records_of(self, pairs: list[tuple[dict[str, Any], Subject]]) -> list[int]:
        """Write several records, one batch per source; their ids in the order given."""
        batches: dict[str, list[tuple[int, dict]]] = {}
        for index, (spec, subject) in enumerate(pairs):
            by, item = self._item(spec, subject)
            batches.setdefault(by, []).append((index, item))
        ids: list[int] = [0] * len(pairs)
        for by, batch in batches.items():
            report = archive.ingest([item for _i, item in batch], self.principal(by))
            assert not report.errors and len(report.record_ids) == len(batch), report.errors
            for (index, _item), record_id in zip(batch, report.record_ids):
                ids[index] = record_id
        self.records.extend(ids)
        return ids

    def source_of(self, type_code: str) -> str:
        """Who sends records of this type by default: a platform, a department, else the credit office."""
        sources = set(policy.current().record_types[type_code].sources)
        return ("platform" if "platform" in sources else
                "department" if {"department", "market_regulation"} & sources else "credit_office")

    def _item(self, spec: dict[str, Any], subject: Subject) -> tuple[str, dict[str, Any]]:
        type_code = spec["type"]
        rule = policy.current().record_types[type_code]
        decided_on = spec["date"]
        n = next(self._counter)
        if rule.category == "penalty":
            details = {"decision_no": f"通罚〔{decided_on.year}〕{n}号",
                       "penalty_kinds": spec.get("kinds", ["fine"]),
                       "fine_amount_wan": spec.get("fine", 5.0), "field": "general"}
        else:
            details = f.minimal_details(rule.details_schema)
        details.update(spec.get("details", {}))
        if subject.kind == SubjectKind.SHOP:
            ref = {"platform_uscc": subject.platform.uscc, "shop_id": subject.shop_id, "name": subject.name}
        else:
            ref = {"uscc": subject.uscc, "name": subject.name}
        item = {"id": f"rec-{n}", "type": type_code, "subject": ref, "decided_on": decided_on.isoformat(),
                "summary": spec.get("summary", rule.name.zh), "details": details}
        return spec.get("by") or self.source_of(type_code), item

    # ------------------------------------------------------------------------------------------ reading

    def entry(self, list_type: str, subject: Subject) -> ListEntry | None:
        """The subject's latest entry on a list."""
        return ListEntry.objects.filter(list_type=list_type, subject=subject).order_by("-id").first()

    def task(self, entry: ListEntry, implementer: str, measure: str | None = None) -> MeasureTask:
        tasks = MeasureTask.objects.filter(entry=entry, implementer=self.orgs[implementer])
        if measure:
            tasks = tasks.filter(measure=measure)
        return tasks.get()

    def shown_publicly(self, list_type: str, subject: Subject, today: dt.date) -> bool:
        """Whether the public sees the subject's list record today: in the archive's public records and in the
        list section of the portal profile (both must agree)."""
        from ecredit.portal import services as portal

        record_type = services.list_type_rule(list_type, today).record_type
        in_archive = CreditRecord.objects.public(today).filter(subject=subject,
                                                               record_type_id=record_type).exists()
        profile = portal.profile(subject.pk, anonymous(), today=today)
        on_profile = any(r.type_code == record_type for r in profile.lists)
        assert in_archive == on_profile, f"archive says {in_archive}, portal profile says {on_profile}"
        return in_archive

    # ------------------------------------------------------------------------------------------ steps

    def scan(self, **_):
        return services.scan()

    def propose(self, *, subject: Subject, list_type: str, by: str = "department", reason: str = "",
                evidence: list | None = None, **_):
        return services.propose(self.principal(by, subject), list_type=list_type, subject_id=subject.pk,
                                reason=reason, evidence=evidence or [])

    def notify(self, entry: ListEntry, *, by: str, channel: str = "written", reference: str = "",
               text: str = "", **_):
        return flows.notify(entry.pk, self.principal(by, entry.subject), channel=channel, reference=reference,
                            text=text)

    def object(self, entry: ListEntry, *, by: str = "subject", text: str = "", **_):
        return flows.file_objection(entry.pk, self.principal(by, entry.subject), text=text)

    def decide_objection(self, entry: ListEntry, *, by: str, upheld: bool, text: str = "", **_):
        return flows.decide_objection(entry.pk, self.principal(by, entry.subject), upheld=upheld,
                                      decision=text)

    def decide(self, entry: ListEntry, *, by: str, list: bool, decision_no: str = "", text: str = "", **_):
        return flows.decide(entry.pk, self.principal(by, entry.subject), list_subject=list,
                            decision_no=decision_no, text=text)

    def publish(self, entry: ListEntry, *, by: str, **_):
        return flows.publish(entry.pk, self.principal(by, entry.subject))

    def remove(self, entry: ListEntry, *, by: str, how: str, reason: str = "", **_):
        return flows.remove(entry.pk, self.principal(by, entry.subject), how=how, reason=reason)

    def daily(self, **_):
        return list_tasks.daily()

    def respond(self, entry: ListEntry, *, implementer: str, action: str, text: str = "",
                by: str | None = None, measure: str | None = None, **_):
        task = self.task(entry, implementer, measure)
        return joint.respond(task.pk, self.principal(by or implementer), action=action, text=text)

    def archive_repair(self, entry: ListEntry, *, statement: str = "已整改完毕，申请信用修复", by: str | None = None,
                       decision: str = "符合修复条件，准予修复", **_):
        """The subject applies for repair of the list record through the archive; the record's source (the
        department that published it) approves."""
        application = archive_flows.apply_for_repair(entry.record_id, self.account(entry.subject),
                                                     statement=statement, attested=ATTESTED)
        source = next(name for name, org in self.orgs.items() if org.pk == entry.record.source_id)
        return archive_flows.decide_repair(application.pk, self.principal(by or source), approve=True,
                                           decision=decision)

    def revoke_record(self, *, record: int, by: str = "department", reason: str = "", **_):
        """The source revokes one of the records the scenario started with (by its position)."""
        return archive.revoke(self.records[record], self.principal(by), reason=reason)
