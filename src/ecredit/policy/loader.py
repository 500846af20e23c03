"""Loads and validates `rules/*.yaml`; a bad file stops start-up with its file, key and reason."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Sequence, TypeVar

import fastjsonschema
import yaml
from pydantic import TypeAdapter, ValidationError

from ecredit.kit.crypto import sm3_hex
from ecredit.kit.masking import MaskPattern
from ecredit.kit.workdays import WorkingCalendar

from . import models as m
from .complaint_rules import ComplaintRules
from .category_rules import ComplaintCategoryRules
from .compensation_rules import CompensationRules
from .commitment_rules import CommitmentRules
from .safe_consumption_rules import SafeConsumptionRules
from .findings_rules import FindingRules
from .logistics_rules import LogisticsRules
from .trace_rules import TraceRules
from .security_rules import SecurityRules
from .list_rules import ListRules
from .plan_rules import PlanRules
from .plan_rules import problems as plan_problems

RULES_DIR = Path(__file__).resolve().parent / "rules"
# libyaml's safe loader when PyYAML was built with it: the same documents, read about ten times faster.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
D = TypeVar("D", bound=m.Dated)

# file name -> (attribute, type). Every file here must exist; each is validated whole.
FILES: dict[str, tuple[str, Any]] = {
    "catalog.yaml": ("catalog", m.Catalog),
    "publicity.yaml": ("publicity", dict[str, list[m.PublicityVersion]]),
    "deadlines.yaml": ("deadlines", m.Deadlines),
    "departments.yaml": ("departments", m.Departments),
    "calendar.yaml": ("calendar_rules", m.CalendarRules),
    "masking.yaml": ("masking", m.Masking),
    "regions.yaml": ("regions", m.Regions),
    "access.yaml": ("access", m.AccessRules),
    "subject_roles.yaml": ("subject_roles", m.SubjectRoles),
    "disclosure.yaml": ("disclosure", m.DisclosureRules),
    "evaluation.yaml": ("evaluation", m.EvaluationRules),
    "marketplace.yaml": ("marketplace", m.MarketplaceRules),
    "lists.yaml": ("lists", ListRules),
    "plan.yaml": ("plan", PlanRules),
    "complaints.yaml": ("complaints", ComplaintRules),
    "complaint_categories.yaml": ("complaint_categories", ComplaintCategoryRules),
    "compensation.yaml": ("compensation", CompensationRules),
    "commitments.yaml": ("commitments", CommitmentRules),
    "safe_consumption.yaml": ("safe_consumption", SafeConsumptionRules),
    "findings.yaml": ("findings", FindingRules),
    "logistics.yaml": ("logistics", LogisticsRules),
    "trace.yaml": ("trace", TraceRules),
    "security.yaml": ("security", SecurityRules),
}

# Rule files whose typed root checks its own references to other files (`problems(policy)`).
EXTENSIONS = ("complaints", "complaint_categories", "compensation", "commitments", "safe_consumption", "findings",
              "logistics", "trace", "security")


class PolicyError(Exception):
    """A rule file that cannot be used: names the file, the key and the reason."""

    def __init__(self, file: str, key: str, reason: str) -> None:
        super().__init__(f"{file}: {key or '(top level)'}: {reason}")
        self.file, self.key, self.reason = file, key, reason


class NoRuleInForce(LookupError):
    """No version of a rule is in force on the date asked for."""


def in_force(versions: Sequence[D], on: dt.date) -> D:
    """The version in force on `on`: the latest whose effective date is not after it.

    A date before every version takes the earliest one: the archive holds records older than the
    rules encoded here, and the earliest encoded rule is the closest statement of the law we have.
    """
    if not versions:
        raise NoRuleInForce("no versions")
    ordered = sorted(versions, key=lambda v: v.effective)
    chosen = ordered[0]
    for version in ordered:
        if version.effective <= on:
            chosen = version
    return chosen


@dataclass
class Policy:
    """All rule files, validated, with a version that names exactly these contents."""

    version: str
    directory: Path
    catalog: m.Catalog
    publicity: dict[str, list[m.PublicityVersion]]
    deadlines: m.Deadlines
    departments: m.Departments
    calendar_rules: m.CalendarRules
    masking: m.Masking
    regions: m.Regions
    access: m.AccessRules
    subject_roles: m.SubjectRoles
    disclosure: m.DisclosureRules
    evaluation: m.EvaluationRules
    marketplace: m.MarketplaceRules
    lists: ListRules
    plan: PlanRules
    complaints: ComplaintRules
    complaint_categories: ComplaintCategoryRules
    compensation: CompensationRules
    commitments: CommitmentRules
    safe_consumption: SafeConsumptionRules
    findings: FindingRules
    logistics: LogisticsRules
    trace: TraceRules
    security: SecurityRules
    _validators: dict[str, Any] = field(default_factory=dict, repr=False)

    @cached_property
    def record_types(self) -> dict[str, m.RecordTypeRule]:
        """Record types by code."""
        return {rule.code: rule for rule in self.catalog.record_types}

    @cached_property
    def calendar(self) -> WorkingCalendar:
        """The working-day calendar: chinese-calendar plus the years in calendar.yaml."""
        cal = WorkingCalendar()
        for year in self.calendar_rules.years:
            cal.extra_years.add(year.year)
            cal.extra_holidays.update(year.holidays)
            cal.extra_workdays.update(year.workdays)
        return cal

    def details_validator(self, code: str):
        """Compiled JSON-schema validator for the details of record type `code`."""
        return self._validators[code]

    def mask_pattern(self, kind: str, on: dt.date | None = None) -> MaskPattern:
        """The masking pattern in force for `kind` (resident_id, person_name, phone)."""
        rule = in_force(getattr(self.masking, kind), on or dt.date.today())
        return MaskPattern(rule.keep_head, rule.keep_tail, rule.fill)

    def mask(self, kind: str, value: str | None, on: dt.date | None = None) -> str:
        """`value` masked by the pattern for `kind` (resident_id, person_name, phone)."""
        return self.mask_pattern(kind, on).apply(value)

    def publicity_rule(self, name: str, on: dt.date) -> m.PublicityVersion:
        """The version of publicity rule `name` in force on `on`."""
        return in_force(self.publicity[name], on)

    def portal(self, on: dt.date | None = None) -> m.PortalRule:
        """The portal rule in force on `on` (default today)."""
        return in_force(self.disclosure.portal, on or dt.date.today())

    def publication_kind(self, code: str, on: dt.date | None = None) -> m.PublicationKind | None:
        """The version of notice kind `code` in force on `on`, or None for an unknown kind."""
        versions = self.disclosure.publication_kinds.get(code)
        return in_force(versions, on or dt.date.today()) if versions else None

    def list_type(self, code: str, on: dt.date | None = None):
        """The version of list type `code` in force on `on` (default today), or None for an unknown type."""
        versions = self.lists.list_types.get(code)
        return in_force(versions, on or dt.date.today()) if versions else None

    def measure(self, code: str, on: dt.date | None = None):
        """The version of measure `code` in force on `on` (default today)."""
        return in_force(self.lists.measures[code], on or dt.date.today())

    def department(self, code: str) -> m.Department | None:
        """The plan's department with this code."""
        return next((d for d in self.departments.departments if d.code == code), None)


def _key(loc: Sequence[Any], data: Any) -> str:
    """Turn a pydantic error location into a readable key, naming list items by their code."""
    parts, node = [], data
    for item in loc:
        if isinstance(item, int) and isinstance(node, list) and item < len(node):
            node = node[item]
            code = node.get("code") if isinstance(node, dict) else None
            parts.append(f"{item}" + (f"({code})" if code else ""))
        elif isinstance(node, dict) and item in node:
            node = node[item]
            parts.append(str(item))
        else:
            parts.append(str(item))
            node = None
    return ".".join(parts)


def _read(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except FileNotFoundError:
        raise PolicyError(path.name, "", "file is missing") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else ""
        raise PolicyError(path.name, where, f"not valid YAML: {getattr(exc, 'problem', exc)}") from None


def load(directory: Path | str | None = None) -> Policy:
    """Read and validate every rule file; raise PolicyError on the first problem."""
    directory = Path(directory or os.environ.get("ECREDIT_POLICY_DIR") or RULES_DIR)
    parsed: dict[str, Any] = {}
    digest = []
    for name, (attr, typ) in FILES.items():
        path = directory / name
        data = _read(path)
        digest.append(name.encode() + b"\0" + path.read_bytes())
        try:
            parsed[attr] = TypeAdapter(typ).validate_python(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise PolicyError(name, _key(first["loc"], data), first["msg"]) from None
    policy = Policy(version=sm3_hex(b"\0".join(digest))[:16], directory=directory, **parsed)
    _cross_check(policy)
    return policy


def _cross_check(policy: Policy) -> None:
    """Checks that span files: references between rules resolve, schemas compile."""
    kinds = set(policy.access.organisation_kinds)
    departments = {d.code for d in policy.departments.departments}
    for index, rule in enumerate(policy.catalog.record_types):
        key = f"record_types.{index}({rule.code})"
        if rule.publicity not in policy.publicity:
            raise PolicyError("catalog.yaml", f"{key}.publicity", f"no publicity rule {rule.publicity!r}")
        for source in rule.sources:
            if source not in kinds and source not in departments:
                raise PolicyError("catalog.yaml", f"{key}.sources",
                                  f"{source!r} is neither an organisation kind nor a department code")
        try:
            policy._validators[rule.code] = fastjsonschema.compile(rule.details_schema)
        except fastjsonschema.JsonSchemaDefinitionException as exc:
            raise PolicyError("catalog.yaml", f"{key}.details_schema", str(exc)) from None
    for rule in policy.disclosure.portal:
        for field_name in ("red_list_types", "black_list_types"):
            for code in getattr(rule, field_name):
                if code not in policy.record_types:
                    raise PolicyError("disclosure.yaml", f"portal.{field_name}", f"no record type {code!r}")
    for code, versions in policy.disclosure.publication_kinds.items():
        for version in versions:
            for publisher in version.publishers:
                if publisher != "self" and publisher not in kinds:
                    raise PolicyError("disclosure.yaml", f"publication_kinds.{code}.publishers",
                                      f"{publisher!r} is neither an organisation kind nor 'self'")
    _check_evaluation(policy)
    _check_marketplace(policy)
    _check_lists(policy)
    for file, key, reason in plan_problems(policy.plan, policy.departments, policy.catalog,
                                           policy.disclosure.publication_kinds):
        raise PolicyError(file, key, reason)
    for attr in EXTENSIONS:
        for file, key, reason in getattr(policy, attr).problems(policy):
            raise PolicyError(file, key, reason)
    for name, role in policy.access.roles.items():
        if not role.reads:
            raise PolicyError("access.yaml", f"roles.{name}.reads", "a role must read at least public data")


def _check_evaluation(policy: Policy) -> None:
    """Assignments name existing models and roles; indicators name existing record types and categories."""
    roles = set(policy.subject_roles.roles)
    for index, rule in enumerate(policy.evaluation.assignment):
        if rule.model not in policy.evaluation.models:
            raise PolicyError("evaluation.yaml", f"assignment.{index}.model", f"no model {rule.model!r}")
        for role in rule.roles:
            if role not in roles:
                raise PolicyError("evaluation.yaml", f"assignment.{index}.roles", f"unknown role {role!r}")
    for code, versions in policy.evaluation.models.items():
        for v, version in enumerate(versions):
            for indicator in version.indicators:
                key = f"models.{code}.{v}.indicators.{indicator.code}"
                for type_code in indicator.types:
                    if type_code not in policy.record_types:
                        raise PolicyError("evaluation.yaml", key, f"no record type {type_code!r}")
                for category in indicator.categories:
                    if category not in policy.catalog.categories:
                        raise PolicyError("evaluation.yaml", key, f"no category {category!r}")


def _check_marketplace(policy: Policy) -> None:
    """Senders and shielders are organisation kinds; complaint categories are catalog categories."""
    kinds = set(policy.access.organisation_kinds)
    for index, rule in enumerate(policy.marketplace.access):
        for name in ("senders", "shielders"):
            for kind in getattr(rule, name):
                if kind not in kinds:
                    raise PolicyError("marketplace.yaml", f"access.{index}.{name}",
                                      f"no organisation kind {kind!r}")
    for index, rule in enumerate(policy.marketplace.figures):
        for category in rule.complaint_categories:
            if category not in policy.catalog.categories:
                raise PolicyError("marketplace.yaml", f"figures.{index}.complaint_categories",
                                  f"no category {category!r}")


def _check_lists(policy: Policy) -> None:
    """List types write list records their department may submit, name known roles, grades, record types and
    measures of the matching kind; measures name a known department as implementer."""
    departments = {d.code: d for d in policy.departments.departments}
    roles = set(policy.subject_roles.roles)
    grades = {band.grade for versions in policy.evaluation.models.values() for v in versions for band in v.bands}
    for code, versions in policy.lists.measures.items():
        for v, version in enumerate(versions):
            department = version.implementer.department
            if department and department not in departments:
                raise PolicyError("lists.yaml", f"measures.{code}.{v}.implementer", f"no department {department!r}")
    for code, versions in policy.lists.list_types.items():
        for v, version in enumerate(versions):
            key = f"list_types.{code}.{v}"
            record_type = policy.record_types.get(version.record_type)
            if record_type is None or record_type.category != "list":
                raise PolicyError("lists.yaml", f"{key}.record_type", f"no list record type {version.record_type!r}")
            department = departments.get(version.department)
            if department is None:
                raise PolicyError("lists.yaml", f"{key}.department", f"no department {version.department!r}")
            if not ({version.department, department.kind} & set(record_type.sources)):
                raise PolicyError("lists.yaml", f"{key}.department",
                                  f"{version.department!r} may not submit {version.record_type!r} records (catalog sources)")
            for kind in version.subject_kinds:
                if kind not in record_type.subject_kinds:
                    raise PolicyError("lists.yaml", f"{key}.subject_kinds", f"{version.record_type!r} is not about a {kind}")
            for role in version.roles:
                if role not in roles:
                    raise PolicyError("lists.yaml", f"{key}.roles", f"unknown role {role!r}")
            for ground in version.grounds + version.exit_grounds:
                for condition in ground.conditions:
                    for grade in condition.grade or []:
                        if grade not in grades:
                            raise PolicyError("lists.yaml", f"{key}.grounds.{ground.code}", f"no grade {grade!r}")
                    for role in condition.roles or []:
                        if role not in roles:
                            raise PolicyError("lists.yaml", f"{key}.grounds.{ground.code}", f"unknown role {role!r}")
                    rule = condition.records or condition.no_records
                    for type_code in rule.types if rule else []:
                        if type_code not in policy.record_types:
                            raise PolicyError("lists.yaml", f"{key}.grounds.{ground.code}", f"no record type {type_code!r}")
                    for category in rule.categories if rule else []:
                        if category not in policy.catalog.categories:
                            raise PolicyError("lists.yaml", f"{key}.grounds.{ground.code}", f"no category {category!r}")
            for measure in version.measures:
                if measure not in policy.lists.measures:
                    raise PolicyError("lists.yaml", f"{key}.measures", f"no measure {measure!r}")
                for mv in policy.lists.measures[measure]:
                    if mv.kind != version.polarity:
                        raise PolicyError("lists.yaml", f"{key}.measures",
                                          f"{measure!r} is a {mv.kind} measure on a {version.polarity} list")


_current: Policy | None = None


def current() -> Policy:
    """The policy loaded at start-up (loaded on first use outside Django)."""
    global _current
    if _current is None:
        _current = load()
    return _current


def reset(policy: Policy | None = None) -> None:
    """Replace the loaded policy (tests, or a reload after rule files changed)."""
    global _current
    _current = policy
