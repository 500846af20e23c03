"""Typed complaint_categories.yaml: complaint categories, their rules and keywords, and who handles each."""

from __future__ import annotations

import re
from typing import Any, Iterable, Literal

from pydantic import Field, field_validator, model_validator

from .models import Dated, Strict, Texts

CODE = r"^[a-z][a-z0-9_]{1,40}$"
RULE_ID = r"^[a-z][a-z0-9_]{1,40}\.[a-z0-9_]{1,40}$"

# The seven hotlines the plan names (task 10); complaints.yaml holds their field layouts.
Hotline = Literal["12345", "12312", "12315", "12318", "12331", "12358", "12365"]


class CategoryRule(Strict):
    """A high-precision regular expression: a text it matches belongs to the category."""

    id: str = Field(pattern=RULE_ID)        # "<category>.<name>", so a decision names its rule
    pattern: str = Field(min_length=2)
    note: str = ""                          # why the pattern is safe (what it deliberately does not match)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        return value


class CategoryVersion(Dated):
    """A version of a complaint category: what it covers, who handles it, how it is recognised."""

    name: Texts
    scope: str = Field(min_length=4)        # what the category covers, in the words of its source
    department: str                         # departments.yaml code that handles it
    hotlines: list[Hotline] = []            # the hotlines such complaints usually arrive through
    rules: list[CategoryRule] = []
    keywords: dict[str, float] = {}         # word -> weight (> 0); segmented by jieba

    @field_validator("keywords")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        for word, weight in value.items():
            if not word.strip() or word != word.strip():
                raise ValueError(f"keyword {word!r}: blank or padded with spaces")
            if not 0 < weight <= 10:
                raise ValueError(f"keyword {word!r}: weight must be in (0, 10]")
        return value


class ScoringVersion(Dated):
    """How keyword scores become a decision and a confidence.

    A category wins on keywords when its score reaches `min_score`; confidence is its share of all scores
    times a saturation `score / (score + saturation)`, so a single weak word is never confident."""

    min_score: float = Field(gt=0)
    saturation: float = Field(gt=0)
    rule_confidence: float = Field(gt=0, le=1)      # of a rule match (rules of several categories: keywords decide)


class ComplaintCategoryRules(Strict):
    """The whole of complaint_categories.yaml."""

    default: str = Field(pattern=CODE)              # the category when nothing matches ("other")
    scoring: list[ScoringVersion] = Field(min_length=1)
    categories: dict[str, list[CategoryVersion]]

    @model_validator(mode="after")
    def _consistent(self) -> "ComplaintCategoryRules":
        if self.default not in self.categories:
            raise ValueError(f"default: no category {self.default!r}")
        for code, versions in self.categories.items():
            if not re.match(CODE, code):
                raise ValueError(f"categories.{code}: not a valid code")
            if not versions:
                raise ValueError(f"categories.{code}: needs at least one version")
            for version in versions:
                for rule in version.rules:
                    if not rule.id.startswith(code + "."):
                        raise ValueError(f"categories.{code}: rule id {rule.id!r} "
                                         f"must start with {code + '.'!r}")
        # The same id may recur across versions of one category, never within one version.
        for code, versions in self.categories.items():
            for index, version in enumerate(versions):
                own = [rule.id for rule in version.rules]
                if len(own) != len(set(own)):
                    raise ValueError(f"categories.{code}.{index}.rules: duplicate rule id")
        return self

    def problems(self, policy: Any) -> Iterable[tuple[str, str, str]]:
        """(file, key, reason) for each reference to another rule file that does not resolve."""
        departments = {d.code for d in policy.departments.departments}
        for code, versions in self.categories.items():
            for index, version in enumerate(versions):
                if version.department not in departments:
                    yield ("complaint_categories.yaml", f"categories.{code}.{index}.department",
                           f"no department {version.department!r} in departments.yaml")
