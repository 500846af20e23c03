"""Complaint categories from the complaint's own words: rules first, then jieba keywords, else the default.

The categories, their rules and weighted keywords live in `policy/rules/complaint_categories.yaml` (dated
versions). Compiled forms are cached per policy version and date, so classifying is pure and fast: no
database, no I/O after the first call (jieba's dictionary is loaded once per policy version).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.kit.errors import NotFound
from ecredit.policy import in_force

if TYPE_CHECKING:
    import jieba

# Only the opening of a very long text is read: what a complaint is about is said early, and a pasted
# contract must not make classification slow.
MAX_CHARS = 2000
# Tokens longer than this are not searched for keywords inside them (runs of Latin letters or digits).
_COMPOUND = 8


@dataclass(frozen=True)
class Classification:
    """The category a complaint text falls in, how sure we are, and what decided it."""

    category: str               # code from complaint_categories.yaml; "other" (the default) when nothing matches
    confidence: float           # 0..1
    method: str                 # "rule" | "keywords" | "default"
    matched: tuple[str, ...]    # the rule ids or the keywords that decided it


@dataclass(frozen=True)
class _Rules:
    """The categories in force on one day, compiled."""

    rank: dict[str, int]                                        # code -> place in the file (breaks ties)
    default: str
    rules: tuple[tuple[str, str, re.Pattern[str]], ...]         # (rule id, category, pattern)
    keywords: dict[str, tuple[tuple[str, float], ...]]          # word -> ((category, weight), ...)
    min_score: float
    saturation: float
    rule_confidence: float


_lock = threading.Lock()
_tokenizers: dict[str, "jieba.Tokenizer"] = {}


def _tokenizer(rules: Any, version: str) -> "jieba.Tokenizer":
    """A jieba tokenizer of its own (the global one is left alone) that knows every category keyword."""
    tokenizer = _tokenizers.get(version)
    if tokenizer is not None:
        return tokenizer
    with _lock:
        tokenizer = _tokenizers.get(version)
        if tokenizer is None:
            import logging

            import jieba

            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            words = {_normalise(word) for versions in rules.categories.values() for v in versions
                     for word in v.keywords}
            for word in sorted(words):
                tokenizer.add_word(word)
            _tokenizers.clear()             # only the policy in use is kept
            _tokenizers[version] = tokenizer
    return tokenizer


_compiled_cache: dict[tuple[str, dt.date], _Rules] = {}


def _compiled(current: Any, on: dt.date) -> _Rules:
    """The categories in force on `on` under policy `current`, compiled once per policy version and day."""
    key = (current.version, on)
    rules = _compiled_cache.get(key)
    if rules is None:
        if len(_compiled_cache) > 64:        # a long-running process sees a new day now and then
            _compiled_cache.clear()
        rules = _compiled_cache[key] = _compile(current.complaint_categories, on)
    return rules


def _compile(source: Any, on: dt.date) -> _Rules:
    """Compile the categories of complaint_categories.yaml in force on `on`."""
    scoring = in_force(source.scoring, on)
    order, rules = [], []
    keywords: dict[str, list[tuple[str, float]]] = {}
    for code, versions in source.categories.items():
        chosen = in_force(versions, on)
        order.append(code)
        for rule in chosen.rules:
            rules.append((rule.id, code, re.compile(rule.pattern)))
        for word, weight in chosen.keywords.items():
            keywords.setdefault(_normalise(word), []).append((code, weight))
    return _Rules(rank={code: index for index, code in enumerate(order)}, default=source.default,
                  rules=tuple(rules), keywords={word: tuple(pairs) for word, pairs in keywords.items()},
                  min_score=scoring.min_score, saturation=scoring.saturation,
                  rule_confidence=scoring.rule_confidence)


def _normalise(text: str) -> str:
    """Full-width letters and digits to half-width, lower case: 'ＡＰＰ' and 'app' are one word."""
    return unicodedata.normalize("NFKC", text).lower()


def _words_in(token: str, rules: _Rules) -> tuple[str, ...]:
    """The keywords a token stands for: itself, or the longer keywords inside a compound jieba keeps whole
    (网上药店 holds 药店, 电梯门 holds 电梯). One-character keywords count only as whole tokens."""
    if token in rules.keywords:
        return (token,)
    found = []
    for size in range(len(token) - 1, 1, -1):
        for start in range(len(token) - size + 1):
            piece = token[start:start + size]
            if piece in rules.keywords:
                found.append(piece)
    return tuple(found)


def _scores(tokens: set[str], rules: _Rules) -> dict[str, tuple[float, list[str]]]:
    """Per category, the sum of the weights of its distinct keywords among `tokens`, and those keywords."""
    words: set[str] = set()
    for token in tokens:
        if len(token) > 1 or token in rules.keywords:
            words.update(_words_in(token, rules) if len(token) <= _COMPOUND else ())
    scores: dict[str, tuple[float, list[str]]] = {}
    for word in sorted(words):              # a fixed order: the same float sums in every process
        for code, weight in rules.keywords[word]:
            total, found = scores.get(code, (0.0, []))
            found.append(word)
            scores[code] = (total + weight, found)
    return scores


def classify(text: str, *, on: dt.date | None = None) -> Classification:
    """The category of complaint `text` under the categories in force on `on` (default today)."""
    current = policy.current()
    rules = _compiled(current, on or dt.date.today())
    text = _normalise(text or "")[:MAX_CHARS]
    if not text.strip():
        return Classification(rules.default, 0.0, "default", ())
    rank = rules.rank

    hits: dict[str, list[str]] = {}
    for rule_id, code, pattern in rules.rules:
        if pattern.search(text):
            hits.setdefault(code, []).append(rule_id)

    tokens = set(_tokenizer(current.complaint_categories, current.version).lcut(text, HMM=False))
    scores = _scores(tokens, rules)

    if hits:
        # Several categories' rules: the one their keywords favour, then file order.
        winner = min(hits, key=lambda code: (-scores.get(code, (0.0, []))[0], rank[code]))
        return Classification(winner, rules.rule_confidence, "rule", tuple(hits[winner]))

    if scores:
        winner = min(scores, key=lambda code: (-scores[code][0], rank[code]))
        best, words = scores[winner]
        if best >= rules.min_score:
            share = best / sum(score for score, _ in scores.values())
            confidence = share * best / (best + rules.saturation)
            return Classification(winner, round(min(1.0, max(0.0, confidence)), 4), "keywords",
                                  tuple(sorted(words)))
    return Classification(rules.default, 0.0, "default", ())


def department_for(category: str, *, on: dt.date | None = None) -> str:
    """The department (departments.yaml code) handling complaints of `category` on `on` (default today)."""
    versions = policy.current().complaint_categories.categories.get(category)
    if not versions:
        raise NotFound(_("没有这个投诉类别：%(code)s") % {"code": category}, field="category")
    return in_force(versions, on or dt.date.today()).department


def categories(*, on: dt.date | None = None) -> dict[str, str]:
    """Category code -> Chinese name of every category in force on `on` (for forms and reports)."""
    day = on or dt.date.today()
    return {code: in_force(versions, day).name.zh
            for code, versions in policy.current().complaint_categories.categories.items()}
