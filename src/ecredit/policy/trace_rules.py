"""Typed trace.yaml: key-product categories (GB/T 38158-2019), GS1 prefix ranges, the Digital Link resolver
domains we accept, and our own e-commerce trail vocabulary (listing … complaint) with the party responsible at
each step. Each part is a list of dated versions; `*_on(day)` gives the one in force."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterable, Literal

from pydantic import Field, model_validator

from ecredit.kit import gs1

from .models import Dated, Strict, Texts

FILE = "trace.yaml"
CODE = r"^[a-z][a-z0-9_]{1,40}$"
PREFIX = r"^\d{3}$"
# CBV 2.0 namespaces (bare words, URN and web-vocabulary forms): our own values must lie outside them.
CBV_NAMESPACES = ("urn:epcglobal:cbv:", "http://ns.gs1.org/cbv/", "https://ns.gs1.org/cbv/",
                  "https://ref.gs1.org/cbv/", "http://ref.gs1.org/cbv/", "https://gs1.org/voc/",
                  "https://ref.gs1.org/voc/")
# CBV 2.0 §7.2 business steps (bare words).
CBV_BIZ_STEPS = frozenset((
    "accepting arriving assembling collecting commissioning consigning creating_class_instance cycle_counting "
    "decommissioning departing destroying disassembling dispensing encoding entering_exiting holding inspecting "
    "installing killing loading other packing picking receiving removing repackaging repairing replacing reserving "
    "retail_selling shipping staging_outbound stock_taking stocking storing transporting unloading unpacking "
    "void_shipping sensor_reporting sampling").split())
PartyRole = Literal["merchant", "platform", "courier", "consumer", "department", "producer"]
PartyKind = Literal["platform", "logistics", "merchant", "department"]


class Category(Strict):
    """A key-product category of the plan (task 8) and GB/T 38158-2019: what belongs to it, its laws, who
    supervises it, whether a lot or each item is traced, the steps a complete chain shows, and name keywords
    that suggest it for a product (a suggestion only: the registering party names the category)."""

    code: str = Field(pattern=CODE)
    name: Texts
    scope: Texts
    laws: list[str] = Field(min_length=1)
    supervisors: list[str] = Field(min_length=1)     # department codes (departments.yaml)
    unit: Literal["lot", "serial"]
    keywords: list[str] = Field(min_length=1)
    expected_steps: list[str] = Field(min_length=1)  # CBV bizStep words or trail step codes


class KeyProducts(Dated):
    """A version of the key-product categories."""

    standard: str = Field(min_length=4)
    record_standard: str = Field(min_length=4)
    categories: list[Category] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> "KeyProducts":
        codes = [c.code for c in self.categories]
        if len(codes) != len(set(codes)):
            raise ValueError("category codes must be unique")
        return self

    def category(self, code: str) -> Category | None:
        """The category with this code, or None."""
        return next((c for c in self.categories if c.code == code), None)

    def suggest(self, name: str) -> Category | None:
        """The category whose keyword occurs earliest in a product name (None when none does)."""
        best: tuple[int, int, Category] | None = None
        for order, category in enumerate(self.categories):
            for word in category.keywords:
                at = name.find(word)
                if at >= 0 and (best is None or (at, order) < best[:2]):
                    best = (at, order, category)
        return best[2] if best else None


class PrefixRange(Strict):
    """GS1 prefixes low..high (3 digits, inclusive) allocated by one member organisation."""

    low: str = Field(pattern=PREFIX)
    high: str = Field(pattern=PREFIX)
    code: str = Field(min_length=2, max_length=12)
    name: Texts

    @model_validator(mode="after")
    def _ordered(self) -> "PrefixRange":
        if self.low > self.high:
            raise ValueError(f"low {self.low} is after high {self.high}")
        return self


class CompanyPrefixLength(Strict):
    """Inside GS1 prefixes low..high, a company prefix (GS1 prefix included) has `length` digits."""

    low: str = Field(pattern=PREFIX)
    high: str = Field(pattern=PREFIX)
    length: int = Field(ge=6, le=12)
    proposal: bool = False


class Gs1Prefixes(Dated):
    """A version of the GS1 prefix table."""

    china: str
    ranges: list[PrefixRange] = Field(min_length=1)
    company_prefix_lengths: list[CompanyPrefixLength] = []

    @model_validator(mode="after")
    def _disjoint(self) -> "Gs1Prefixes":
        ordered = sorted(self.ranges, key=lambda r: r.low)
        for before, after in zip(ordered, ordered[1:]):
            if after.low <= before.high:
                raise ValueError(f"ranges {before.low}–{before.high} and {after.low}–{after.high} overlap")
        if not any(r.code == self.china for r in self.ranges):
            raise ValueError(f"no range has the code {self.china!r} named as china")
        return self

    def range_of(self, gtin: str) -> PrefixRange | None:
        """The range whose GS1 prefix allocated `gtin` (any length), or None when unlisted."""
        prefix = gs1.gs1_prefix(gtin)
        return next((r for r in self.ranges if r.low <= prefix <= r.high), None)

    def is_china(self, gtin: str) -> bool:
        """True for a GTIN allocated by GS1 China (prefixes 690–699)."""
        found = self.range_of(gtin)
        return found is not None and found.code == self.china

    def company_prefix_length(self, gtin_or_gln: str) -> int | None:
        """The length of the company prefix of a GTIN (any length) or a 13-digit GLN, where the table knows it."""
        prefix = gs1.gs1_prefix(gtin_or_gln)
        rule = next((r for r in self.company_prefix_lengths if r.low <= prefix <= r.high), None)
        return rule.length if rule else None

    def company_prefix(self, gtin_or_gln: str) -> str:
        """The GS1 company prefix of a GTIN or 13-digit GLN ("" where its length is unknown)."""
        length = self.company_prefix_length(gtin_or_gln)
        if length is None:
            return ""
        thirteen = gtin_or_gln if len(gtin_or_gln) == 13 else gtin_or_gln.zfill(14)[1:]
        return thirteen[:length]


class DigitalLinkRule(Dated):
    """Resolver domains whose GS1 Digital Link URIs we accept besides our own host."""

    resolver_domains: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _hosts(self) -> "DigitalLinkRule":
        for host in self.resolver_domains:
            if not re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+", host):
                raise ValueError(f"{host!r} is not a lower-case host name")
        return self


class TrailStep(Strict):
    """One step of the e-commerce trail (task 8: 上架、销售、配送、签收、评价、投诉) as our own bizStep URI."""

    code: str = Field(pattern=CODE)
    uri: str
    name: Texts
    responsible: PartyRole
    recorded_by: PartyKind
    public: bool


class Trail(Dated):
    """A version of our own EPCIS vocabulary: the trail's steps and the URIs of parties, orders and waybills."""

    proposal: bool = False
    base: str
    party_uris: dict[Literal["organisation", "shop"], str]
    order_uri: str
    waybill_uri: str
    steps: list[TrailStep] = Field(min_length=1)
    cbv_step_names: dict[str, Texts] = {}

    @model_validator(mode="after")
    def _own_namespace(self) -> "Trail":
        if not re.match(r"^https?://[^/]+/$", self.base):
            raise ValueError("base must be an http(s) URI ending in its host's slash")
        uris = [s.uri for s in self.steps] + list(self.party_uris.values()) + [self.order_uri, self.waybill_uri]
        for uri in uris:
            if uri.startswith(CBV_NAMESPACES) or "gs1.org" in uri:
                raise ValueError(f"{uri!r} lies in a GS1/CBV namespace: own values must be outside it")
            if not uri.startswith(self.base):
                raise ValueError(f"{uri!r} is not under the vocabulary base {self.base!r}")
        codes = [s.code for s in self.steps]
        if len(codes) != len(set(codes)) or len({s.uri for s in self.steps}) != len(codes):
            raise ValueError("trail step codes and URIs must be unique")
        for name, template in (("organisation", "{uscc}"), ("shop", "{shop_id}")):
            if template not in self.party_uris.get(name, ""):
                raise ValueError(f"party_uris.{name} must contain {template}")
        return self

    def step(self, code: str) -> TrailStep | None:
        """The trail step with this code, or None."""
        return next((s for s in self.steps if s.code == code), None)

    def step_for_uri(self, uri: str) -> TrailStep | None:
        """The trail step whose bizStep URI this is, or None."""
        return next((s for s in self.steps if s.uri == uri), None)

    def organisation_uri(self, uscc: str) -> str:
        """Our party URI for an organisation."""
        return self.party_uris["organisation"].format(uscc=uscc)

    def shop_uri(self, platform_uscc: str, shop_id: str) -> str:
        """Our party URI for a shop."""
        from urllib.parse import quote

        return self.party_uris["shop"].format(platform_uscc=platform_uscc, shop_id=quote(shop_id, safe=""))

    def party_of(self, uri: str) -> tuple[str, dict[str, str]] | None:
        """("organisation", {uscc}) or ("shop", {platform_uscc, shop_id}) for one of our party URIs, else None."""
        from urllib.parse import unquote

        for kind, template in self.party_uris.items():
            pattern = "^" + re.escape(template).replace(r"\{", "{").replace(r"\}", "}") + "$"
            pattern = re.sub(r"{(\w+)}", r"(?P<\1>[^/]+)", pattern)
            match = re.match(pattern, uri)
            if match:
                return kind, {k: unquote(v) for k, v in match.groupdict().items()}
        return None

    def order_uri_for(self, platform_uscc: str, order_no: str) -> str:
        """Our bizTransaction URI for an order (platform USCC / the platform's order number)."""
        from urllib.parse import quote

        return self.order_uri.format(platform_uscc=platform_uscc, order_no=quote(order_no, safe=""))

    def waybill_uri_for(self, waybill_no: str) -> str:
        """Our bizTransaction URI for a waybill."""
        from urllib.parse import quote

        return self.waybill_uri.format(waybill_no=quote(waybill_no, safe=""))


class TraceRules(Strict):
    """The root of trace.yaml."""

    key_products: list[KeyProducts] = Field(min_length=1)
    gs1_prefixes: list[Gs1Prefixes] = Field(min_length=1)
    digital_link: list[DigitalLinkRule] = Field(min_length=1)
    trail: list[Trail] = Field(min_length=1)

    def key_products_on(self, on: dt.date | None = None) -> KeyProducts:
        """The key-product categories in force on `on` (default today)."""
        from .loader import in_force

        return in_force(self.key_products, on or dt.date.today())

    def prefixes_on(self, on: dt.date | None = None) -> Gs1Prefixes:
        """The GS1 prefix table in force on `on` (default today)."""
        from .loader import in_force

        return in_force(self.gs1_prefixes, on or dt.date.today())

    def digital_link_on(self, on: dt.date | None = None) -> DigitalLinkRule:
        """The Digital Link rule in force on `on` (default today)."""
        from .loader import in_force

        return in_force(self.digital_link, on or dt.date.today())

    def trail_on(self, on: dt.date | None = None) -> Trail:
        """The trail vocabulary in force on `on` (default today)."""
        from .loader import in_force

        return in_force(self.trail, on or dt.date.today())

    def trail_step_for_uri(self, uri: str) -> TrailStep | None:
        """The trail step of any version whose bizStep URI this is (events keep the URIs of their day)."""
        for version in sorted(self.trail, key=lambda v: v.effective, reverse=True):
            found = version.step_for_uri(uri)
            if found is not None:
                return found
        return None

    def problems(self, policy: Any) -> Iterable[tuple[str, str, str]]:
        """(file, key, reason) for every reference to another rule file that does not resolve."""
        departments = {d.code for d in policy.departments.departments}
        trail_codes = {s.code for t in self.trail for s in t.steps}
        for index, version in enumerate(self.key_products):
            for category in version.categories:
                key = f"key_products.{index}.categories.{category.code}"
                unknown = [step for step in category.expected_steps if step not in CBV_BIZ_STEPS | trail_codes]
                for code in category.supervisors:
                    if code not in departments:
                        yield FILE, f"{key}.supervisors", f"no department {code!r}"
                for step in unknown:
                    yield FILE, f"{key}.expected_steps", f"{step!r} is neither a CBV bizStep word nor a trail step"
        for index, version in enumerate(self.gs1_prefixes):
            china = [r for r in version.ranges if r.code == version.china]
            for rule in version.company_prefix_lengths:
                if not any(r.low <= rule.low and rule.high <= r.high for r in version.ranges):
                    yield FILE, f"gs1_prefixes.{index}.company_prefix_lengths", \
                        f"{rule.low}–{rule.high} lies outside every listed range"
            if not any(r.low <= "690" and "699" <= r.high for r in china):
                yield FILE, f"gs1_prefixes.{index}.china", "China's ranges must cover 690–699"
