"""Who a case is about and who handles it.

Resolution links the respondent as named to registered subjects: by USCC, by shop id on a known platform, by a
shop's exact name on that platform, or by an exact registered name (unique); how it was done is recorded.
Routing gives the case to the department of its category (complaint_categories.yaml) and records the area that
has jurisdiction under Order 20 art. 12: a platform operator's domicile; an in-platform merchant's place of
business (its operator's region), else the platform's domicile; any other respondent's own region.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.access.models import Organisation
from ecredit.kit.identifiers import is_valid_uscc
from ecredit.registry.models import Subject, SubjectKind, SubjectRole

from .. import rules
from ..models import Resolution

_NAME_NOISE = re.compile(r"[\s\u3000·・,，.。()（）\[\]【】\"'“”]+")


@dataclass
class Resolved:
    """The registered subjects a case names (any may be None) and how the link was made."""

    subject: Subject | None = None
    shop: Subject | None = None
    platform: Subject | None = None
    how: str = Resolution.NONE

    @property
    def key(self) -> str:
        """Who the case is about, for merging: the shop, else the subject (a resolved link wins over a name)."""
        if self.shop is not None:
            return f"shop:{self.shop.pk}"
        if self.subject is not None:
            return f"subject:{self.subject.pk}"
        return ""


def name_key(name: str) -> str:
    """A respondent's name as compared when it could not be resolved: folded, without spaces and punctuation."""
    return _NAME_NOISE.sub("", unicodedata.normalize("NFKC", name or "").casefold())[:200]


def _one(found: list[Subject]) -> Subject | None:
    return found[0] if len(found) == 1 else None


def _chunks(values: Iterable[Any], size: int = 900) -> Iterator[list[Any]]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


class Subjects:
    """The registered subjects a batch's items may name, read with a few queries (by USCC, by shop id, by exact
    name) and looked up in memory: `resolve` answers as one query per question would, without the queries."""

    def __init__(self) -> None:
        self._by_pk: dict[int, Subject] = {}
        self._by_uscc: dict[str, Subject] = {}
        self._shop_by_id: dict[tuple[int, str], Subject] = {}
        self._shops_by_name: dict[str, list[Subject]] = {}
        self._organisations_by_name: dict[str, list[Subject]] = {}
        self._platforms_by_name: dict[str, list[Subject]] = {}
        self._platform_ids: set[int] = set()
        self._roles_read: set[int] = set()

    @classmethod
    def preload(cls, wanted: Iterable[dict[str, str]]) -> "Subjects":
        """Read every subject the respondents in `wanted` (keyword arguments of `resolve`) may resolve to."""
        self = cls()
        wanted = list(wanted)
        usccs = {w.get(k) for w in wanted for k in ("uscc", "platform_uscc")} - {None, ""}
        platform_names = {w["platform_name"].strip() for w in wanted if w.get("platform_name")}
        shop_names = {w[k].strip() for w in wanted for k in ("shop_name", "name") if w.get(k)}
        names = {w["name"].strip() for w in wanted if w.get("name")}
        shop_ids = {w["shop_id"] for w in wanted if w.get("shop_id")}
        seen: dict[int, Subject] = {}
        for chunk in _chunks(usccs):
            seen.update((s.pk, s) for s in Subject.objects.filter(uscc__in=chunk))
        for chunk in _chunks(shop_names):
            seen.update((s.pk, s) for s in Subject.objects.filter(kind=SubjectKind.SHOP, name__in=chunk))
        for chunk in _chunks(names):
            seen.update((s.pk, s) for s in Subject.objects.filter(kind=SubjectKind.ORGANISATION, name__in=chunk))
        platforms = SubjectRole.objects.filter(role="platform").values("subject_id")
        for chunk in _chunks(platform_names):
            seen.update((s.pk, s) for s in Subject.objects.filter(pk__in=platforms, name__in=chunk))
        for chunk in _chunks(shop_ids):   # the platform is known only after the first look-ups: filter in memory
            seen.update((s.pk, s) for s in Subject.objects.filter(kind=SubjectKind.SHOP, shop_id__in=chunk))
        missing = {i for s in seen.values() if s.kind == SubjectKind.SHOP
                   for i in (s.platform_id, s.operator_id) if i is not None and i not in seen}
        for chunk in _chunks(missing):
            seen.update((s.pk, s) for s in Subject.objects.filter(pk__in=chunk))
        self._roles_read = set(seen)
        for chunk in _chunks(seen):
            self._platform_ids.update(SubjectRole.objects.filter(role="platform", subject_id__in=chunk)
                                      .values_list("subject_id", flat=True))
        for subject in seen.values():
            self._remember(subject, seen, usccs, platform_names, shop_names, names)
        return self

    def _remember(self, subject: Subject, seen: dict[int, Subject], usccs: set[str], platform_names: set[str],
                  shop_names: set[str], names: set[str]) -> None:
        self._by_pk[subject.pk] = subject
        if subject.uscc and subject.uscc in usccs:
            self._by_uscc[subject.uscc] = subject
        if subject.kind == SubjectKind.SHOP:
            # a shop's platform and operator are read with it, as the case's routing follows them
            for relation, related_id in ((Subject.platform, subject.platform_id),
                                         (Subject.operator, subject.operator_id)):
                if related_id is None or related_id in seen:
                    relation.field.set_cached_value(subject, seen.get(related_id))
            if subject.platform_id is not None and subject.shop_id is not None:
                self._shop_by_id[(subject.platform_id, subject.shop_id)] = subject
            if subject.name in shop_names:
                self._shops_by_name.setdefault(subject.name, []).append(subject)
        if subject.kind == SubjectKind.ORGANISATION and subject.name in names:
            self._organisations_by_name.setdefault(subject.name, []).append(subject)
        if subject.pk in self._platform_ids and subject.name in platform_names:
            self._platforms_by_name.setdefault(subject.name, []).append(subject)

    def _is_platform(self, subject: Subject) -> bool:
        if subject.pk in self._roles_read:
            return subject.pk in self._platform_ids
        return subject.roles.filter(role="platform").exists()

    def _platform(self, uscc: str, name: str) -> Subject | None:
        if uscc:
            found = self._by_uscc.get(uscc)
            if found is not None:
                return found
        if name:
            return _one(self._platforms_by_name.get(name.strip(), []))
        return None

    def resolve(self, *, name: str = "", uscc: str = "", shop_id: str = "", shop_name: str = "",
                platform_uscc: str = "", platform_name: str = "") -> Resolved:
        """The registered subjects a case names, as far as they can be told apart without guessing (the
        respondent must be among those `preload` was given)."""
        found = Resolved(platform=self._platform(platform_uscc, platform_name))
        if found.platform is not None and shop_id:
            found.shop = self._shop_by_id.get((found.platform.pk, shop_id))
            found.how = Resolution.SHOP_ID if found.shop else Resolution.NONE
        if found.shop is None and shop_name:
            shops = self._shops_by_name.get(shop_name.strip(), [])
            if found.platform is not None:
                shops = [s for s in shops if s.platform_id == found.platform.pk]
            found.shop = _one(shops)
            found.how = Resolution.SHOP_NAME if found.shop else Resolution.NONE
        if found.shop is not None:
            found.platform = found.shop.platform
            found.subject = found.shop.operator
        if uscc:
            by_code = self._by_uscc.get(uscc)
            if by_code is not None:
                found.subject = by_code
                if found.shop is None:
                    found.how = Resolution.USCC
        if found.subject is None and found.shop is None and name:
            found.subject = _one(self._organisations_by_name.get(name.strip(), []))
            if found.subject is None:
                found.shop = _one(self._shops_by_name.get(name.strip(), []))
                if found.shop is not None:
                    found.platform, found.subject, found.how = found.shop.platform, found.shop.operator, \
                        Resolution.SHOP_NAME
            else:
                found.how = Resolution.NAME
        if found.shop is None and found.subject is not None and found.platform is None and \
                self._is_platform(found.subject):
            found.platform = found.subject          # a complaint about the platform operator itself
        return found


def resolve(*, name: str = "", uscc: str = "", shop_id: str = "", shop_name: str = "", platform_uscc: str = "",
            platform_name: str = "") -> Resolved:
    """The registered subjects a case names, as far as they can be told apart without guessing."""
    wanted = dict(name=name, uscc=uscc, shop_id=shop_id, shop_name=shop_name, platform_uscc=platform_uscc,
                  platform_name=platform_name)
    return Subjects.preload([wanted]).resolve(**wanted)


@dataclass
class Route:
    """The handling department (code and organisation), the area with jurisdiction and why."""

    department: str
    organisation: Organisation | None
    region: str
    out_of_area: bool
    note: str
    notes: list[str] = field(default_factory=list)


class Organisations:
    """Active organisations by code, looked up once per batch."""

    def __init__(self) -> None:
        self._by_code: dict[str, Organisation | None] = {}

    def get(self, code: str) -> Organisation | None:
        """The active organisation with this code, or None."""
        if code not in self._by_code:
            self._by_code[code] = Organisation.objects.filter(code=code, active=True).first()
        return self._by_code[code]


def jurisdiction(found: Resolved, region_hint: str, uscc: str) -> tuple[str, str]:
    """The area whose department has jurisdiction (Order 20 art. 12) and the words that say why."""
    if found.shop is not None:
        operator = found.shop.operator
        if operator is not None and operator.region:
            return operator.region, _("平台内经营者，按其实际经营地（第十二条）")
        if found.platform is not None and found.platform.region:
            return found.platform.region, _("平台内经营者，按平台经营者住所地（第十二条）")
    if found.subject is not None and found.subject.region:
        if found.platform is not None and found.platform.pk == found.subject.pk:
            return found.subject.region, _("电子商务平台经营者，按其住所地（第十二条）")
        return found.subject.region, _("按被投诉人住所地（第十二条）")
    if region_hint:
        return region_hint, _("按来件所报地区")
    if uscc and is_valid_uscc(uscc):
        return uscc[2:8], _("按统一社会信用代码所含登记机关地区")
    return "", _("被投诉人所在地不明，由本市处理")


def route(category: str, found: Resolved, *, region_hint: str = "", uscc: str = "", on: dt.date,
          organisations: Organisations, fixed: Organisation | None = None) -> Route:
    """The department that handles a case of `category` about `found`; `fixed` (a department that recorded the
    case itself) keeps it (Order 20 art. 13: the department that first received it)."""
    from ..classify import department_for

    region, why = jurisdiction(found, region_hint, uscc)
    city = policy.current().regions.city.code
    out_of_area = bool(region) and region[:4] != city[:4]
    if fixed is not None:
        return Route(fixed.code, fixed, region, out_of_area, _("现场登记部门办理（第十三条）；") + why)
    department = department_for(category, on=on)
    organisation = organisations.get(department)
    note = why
    if organisation is None:
        fallback = rules.routing(on).fallback_department
        organisation = organisations.get(fallback) or organisations.get("credit_office")
        note = _("{department}未开通，由{fallback}承办；").format(
            department=department, fallback=organisation.name if organisation else fallback) + why
        department = organisation.code if organisation else department
    if out_of_area:
        note += _("；被投诉人不在本市，应移送有管辖权的部门（第三十七条）")
    return Route(department, organisation, region, out_of_area, note[:300])
