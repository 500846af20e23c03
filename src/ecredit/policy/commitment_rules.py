"""Typed commitments.yaml: commitment types, their standard-format templates, visibility and fulfilment."""

from __future__ import annotations

import datetime as dt
import string
from typing import Any, Iterable, Literal

from pydantic import Field, model_validator

from .models import Dated, PeriodField, Strict, Texts

VISIBILITIES = ("public", "restricted", "not_public")
# What a template may say in braces; services.render fills exactly these.
PLACEHOLDERS = frozenset({"code", "type_name", "subject_name", "id_label", "uscc", "matter", "accepted_by",
                          "valid_until", "signed_on", "visibility_text"})


class Promise(Strict):
    """One of the standard promises (信息真实, 遵纪守法, 接受监督, 违诺担责, 同意公开) a template includes."""

    name: Texts
    text: str = Field(min_length=4)


class Template(Strict):
    """A commitment's standard format: a title, the opening paragraphs, the numbered promises, the closing."""

    title: str = Field(min_length=2)
    opening: list[str] = Field(min_length=1)
    promises: list[str] = Field(min_length=1)
    closing: list[str] = []


class Signers(Strict):
    """Who may make a commitment of a type: subject kinds and roles (empty: any role; a shop, or the operator of a
    shop, counts as a merchant), and whether a platform may collect it from its merchants (`platform_for_merchant`)."""

    kinds: list[Literal["organisation", "person", "shop"]] = Field(min_length=1)
    roles: list[str] = []
    by: list[Literal["self", "platform_for_merchant"]] = Field(default=["self"], min_length=1)


class CommitmentTypeVersion(Dated):
    """A version of a commitment type: its template, signers, visibility, acceptance and fulfilment deadline."""

    name: Texts
    template: Template
    signers: Signers
    visibility: Literal["public", "restricted", "not_public"]
    needs_acceptance: bool
    acceptors: list[str] = []             # organisation kinds that may accept (the signer names which one)
    assessors: list[str] = Field(min_length=1)  # organisation kinds that assess fulfilment and record a breach
    matter_required: bool
    default_matter: str = ""
    valid_for: PeriodField                # default and longest validity, from the signing date
    assess_within_working_days: int = Field(ge=1, le=120)   # fulfilment assessed this long after valid_until

    @model_validator(mode="after")
    def _consistent(self) -> "CommitmentTypeVersion":
        if self.needs_acceptance and not self.acceptors:
            raise ValueError("a type that needs acceptance names the organisation kinds that accept it")
        if not self.matter_required and not self.default_matter:
            raise ValueError("a type whose matter is optional needs a default_matter")
        return self


class CodeRule(Dated):
    """The commitment code: 6-digit region + 8-digit signing date + 6-digit serial per region and date."""

    region: Literal["subject_district_or_city"]
    serial_digits: Literal[6]


class PersonVisibility(Dated):
    """The widest visibility a natural person's commitment may have (its text names the person)."""

    at_most: Literal["restricted", "not_public"]


class CommitmentRules(Strict):
    """The whole of commitments.yaml."""

    code: list[CodeRule] = Field(min_length=1)
    persons: list[PersonVisibility] = Field(min_length=1)
    promises: dict[str, Promise] = Field(min_length=1)
    types: dict[str, list[CommitmentTypeVersion]] = Field(min_length=1)

    def type_rule(self, code: str, on: dt.date | None = None) -> CommitmentTypeVersion | None:
        """The version of commitment type `code` in force on `on` (default today), None for an unknown type."""
        from .loader import in_force

        versions = self.types.get(code)
        return in_force(versions, on or dt.date.today()) if versions else None

    def code_rule(self, on: dt.date | None = None) -> CodeRule:
        """The code rule in force."""
        from .loader import in_force

        return in_force(self.code, on or dt.date.today())

    def person_cap(self, on: dt.date | None = None) -> str:
        """The widest visibility of a person's commitment."""
        from .loader import in_force

        return in_force(self.persons, on or dt.date.today()).at_most

    def problems(self, policy: Any) -> Iterable[tuple[str, str, str]]:
        """(file, key, reason) for each reference to another rule file that does not resolve."""
        file = "commitments.yaml"
        kinds = set(policy.access.organisation_kinds)
        roles = set(policy.subject_roles.roles)
        commitment = policy.record_types.get("credit_commitment")
        breach = policy.record_types.get("commitment_breach")
        if commitment is None or breach is None:
            yield file, "types", "catalog.yaml has no credit_commitment or commitment_breach record type"
            return
        catalog_types = set(commitment.details_schema["properties"]["commitment_type"]["enum"])
        if set(self.types) != catalog_types:
            yield file, "types", (f"types must be the catalog's commitment types {sorted(catalog_types)}, "
                                  f"got {sorted(self.types)}")
        for code, versions in self.types.items():
            for v, version in enumerate(versions):
                key = f"types.{code}.{v}"
                for promise in version.template.promises:
                    if promise not in self.promises:
                        yield file, f"{key}.template.promises", f"no promise {promise!r}"
                texts = [version.template.title, *version.template.opening, *version.template.closing]
                texts += [self.promises[p].text for p in version.template.promises if p in self.promises]
                for text in texts:
                    unknown = _fields(text) - PLACEHOLDERS
                    if unknown:
                        yield file, f"{key}.template", f"unknown placeholder(s) {sorted(unknown)} in {text[:30]!r}"
                for role in version.signers.roles:
                    if role not in roles:
                        yield file, f"{key}.signers.roles", f"unknown role {role!r}"
                for kind in version.signers.kinds:
                    if kind not in commitment.subject_kinds:
                        yield file, f"{key}.signers.kinds", f"credit_commitment records are not about a {kind}"
                for name, allowed, rule in (("acceptors", version.acceptors, commitment),
                                            ("assessors", version.assessors, breach)):
                    for kind in allowed:
                        if kind not in kinds:
                            yield file, f"{key}.{name}", f"no organisation kind {kind!r}"
                        elif kind not in rule.sources:
                            yield file, f"{key}.{name}", (f"{kind!r} may not submit {rule.code} records "
                                                          "(catalog sources)")


def _fields(text: str) -> set[str]:
    """The placeholder names used in a template text."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        return {f"<{exc}>"}
