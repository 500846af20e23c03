"""Who an EPCIS event names, resolved to registry subjects where we can (GB/T 38156-2019 5.1, 交易主体信息).

An event names parties in four ways, resolved in this order of trust:
- our own party URIs (trace.yaml `trail.party_uris`): an organisation by its USCC, a shop by its platform's USCC
  and shop id — exact;
- a GLN (SGLN/PGLN URN or Digital Link /414/, /417/): its GS1 company prefix (written in the URN; for a GLN given
  whole, its length from trace.yaml inside China's ranges) is the company prefix of the registered products of
  one owner — that owner;
- the organisation that captured the event (access.Organisation) — by its USCC in the registry.
A party we cannot resolve keeps its identifier and no name. Persons are never named to the public.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from django.db.models import Q

from ecredit import policy
from ecredit.kit import gs1
from ecredit.registry.models import Subject, SubjectKind

from .models import Product


@dataclass
class Party:
    """A party as the chain shows it: what named it (`basis`), the identifier given, and the registry subject
    it resolved to (None when it did not). `name` is public-safe: persons come masked."""

    basis: str                    # party_uri, gln, capturer, platform, consumer
    identifier: str = ""
    subject_id: int | None = None
    kind: str = ""                # organisation, shop, person, "" (unresolved)
    name: str = ""
    region: str = ""
    gln: str = ""
    platform_name: str = ""

    @property
    def resolved(self) -> bool:
        """True when the party is a registry subject."""
        return self.subject_id is not None

    def as_dict(self) -> dict:
        """The party as the API gives it."""
        return {"basis": self.basis, "identifier": self.identifier, "subject_id": self.subject_id,
                "kind": self.kind, "name": self.name, "region": self.region, "gln": self.gln,
                "platform_name": self.platform_name}


@dataclass
class Resolver:
    """Resolves many identifiers in a few queries: call `want(...)` for each, then `load()`, then `party(...)`."""

    usccs: set[str] = field(default_factory=set)
    shops: set[tuple[str, str]] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)
    by_uscc: dict[str, Subject] = field(default_factory=dict)
    by_shop: dict[tuple[str, str], Subject] = field(default_factory=dict)
    by_prefix: dict[str, Subject] = field(default_factory=dict)
    platforms: dict[int, "Party | None"] = field(default_factory=dict)

    def __post_init__(self) -> None:
        rules = policy.current().trace
        self.trails = sorted(rules.trail, key=lambda v: v.effective, reverse=True)
        self.prefix_table = rules.prefixes_on()
        self.mask = policy.current().mask

    # ------------------------------------------------------------------------------------------ parsing

    def _ours(self, uri: str) -> tuple[str, dict[str, str]] | None:
        for trail in self.trails:
            found = trail.party_of(uri)
            if found:
                return found
        return None

    def gln_of(self, uri: str) -> tuple[str, str]:
        """(GLN, company prefix) named by a location or party URI ("" where it names none, or the prefix is
        unknown)."""
        if not uri:
            return "", ""
        try:
            ident = gs1.parse_epc(uri, strict_check_digit=False)
        except gs1.GS1Error:
            return "", ""
        if ident.kind not in ("sgln", "pgln") or not ident.gln:
            return "", ""
        return ident.gln, ident.company_prefix or self.prefix_table.company_prefix(ident.gln)

    def want(self, uri: str) -> None:
        """Note an identifier to resolve."""
        ours = self._ours(uri) if uri else None
        if ours:
            kind, values = ours
            if kind == "organisation":
                self.usccs.add(values["uscc"])
            else:
                self.shops.add((values["platform_uscc"], values["shop_id"]))
            return
        gln, prefix = self.gln_of(uri)
        if prefix:
            self.prefixes.add(prefix)

    def want_uscc(self, uscc: str) -> None:
        """Note an organisation by USCC (a capturing organisation)."""
        if uscc:
            self.usccs.add(uscc)

    def load(self) -> None:
        """Look every noted identifier up."""
        if self.usccs:
            for subject in Subject.objects.filter(uscc__in=self.usccs - set(self.by_uscc)):
                self.by_uscc[subject.uscc] = subject
        missing = self.shops - set(self.by_shop)
        if missing:
            platforms = {uscc for uscc, _ in missing}
            wanted = reduce(or_, (Q(platform__uscc=p, shop_id=s) for p, s in missing))
            for shop in Subject.objects.filter(wanted, kind=SubjectKind.SHOP, platform__uscc__in=platforms) \
                    .select_related("platform", "operator"):
                self.by_shop[(shop.platform.uscc, shop.shop_id)] = shop
        todo = self.prefixes - set(self.by_prefix)
        if todo:
            # GTIN-14 = indicator digit + company prefix + item reference + check digit: one index range per
            # indicator digit (":" sorts right after "9").
            wanted = reduce(or_, (Q(gtin__gte=f"{d}{p}", gtin__lt=f"{d}{p}:") for p in todo for d in "0123456789"))
            owners: dict[str, set[int]] = {}
            subjects: dict[int, Subject] = {}
            for product in Product.objects.filter(wanted, owner__isnull=False).select_related("owner").order_by():
                for prefix in todo:
                    if product.gtin[1:1 + len(prefix)] == prefix:
                        owners.setdefault(prefix, set()).add(product.owner_id)
                        subjects[product.owner_id] = product.owner
            for prefix, ids in owners.items():
                if len(ids) == 1:  # two owners under one company prefix: a registration error, name neither
                    self.by_prefix[prefix] = subjects[next(iter(ids))]
        self.usccs, self.shops, self.prefixes = set(), set(), set()

    # ------------------------------------------------------------------------------------------ answers

    def _from_subject(self, basis: str, identifier: str, subject: Subject | None, gln: str = "") -> Party:
        if subject is None:
            return Party(basis, identifier, gln=gln)
        name = subject.name
        if subject.kind == SubjectKind.PERSON:
            name = self.mask("person_name", name)
        platform = subject.platform.name if subject.kind == SubjectKind.SHOP and subject.platform_id else ""
        return Party(basis, identifier, subject.pk, subject.kind, name, subject.region, gln, platform)

    def party(self, uri: str) -> Party:
        """The party an identifier names (after `load()`)."""
        ours = self._ours(uri) if uri else None
        if ours:
            kind, values = ours
            subject = self.by_uscc.get(values["uscc"]) if kind == "organisation" else \
                self.by_shop.get((values["platform_uscc"], values["shop_id"]))
            return self._from_subject("party_uri", uri, subject)
        gln, prefix = self.gln_of(uri)
        return self._from_subject("gln", uri, self.by_prefix.get(prefix) if prefix else None, gln)

    def organisation(self, uscc: str, name: str) -> Party:
        """The capturing organisation as a party (its registry subject when its USCC is registered)."""
        subject = self.by_uscc.get(uscc) if uscc else None
        party = self._from_subject("capturer", uscc, subject)
        if subject is None:
            party.name, party.kind = name, "organisation"
        return party

    def platform_of(self, shop: Party) -> Party | None:
        """The platform a resolved shop trades on."""
        if shop.kind != SubjectKind.SHOP or not shop.subject_id:
            return None
        if shop.subject_id not in self.platforms:
            subject = Subject.objects.filter(pk=shop.subject_id).select_related("platform").first()
            platform = subject.platform if subject is not None else None
            self.platforms[shop.subject_id] = None if platform is None else \
                self._from_subject("platform", platform.uscc or "", platform)
        return self.platforms[shop.subject_id]

