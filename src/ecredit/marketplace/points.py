"""A shop's credit points from its ratings: pure functions (no Django), the numbers from policy.

Rules (marketplace.yaml, each dated and cited; a rating is counted under the versions in force on the day it
was given):

- A buyer-to-seller rating is worth `good` / `neutral` / `bad` points (+1 / 0 / -1).
- **Repeats.** Ratings of the same item by the same buyer-shop pair are taken in time order (`clock` of the
  repeat rule: the order time); one that falls less than `repeat_days` after the last rating of that item
  that was *not* a repeat is a repeat and counts 0, whatever its value. So two ratings of one item that
  count are always at least `repeat_days` apart.
- **Monthly cap.** Per buyer-shop pair and calendar month (of the cap rule's `clock`), the points of
  non-repeat ratings are added in time order separately for each sign, Taobao-style "at most 6 good and 6
  bad count": once the pair's positive points reach `cap`, further good ratings count 0 (a rating that
  would pass it counts the rest), and likewise for negative points down to `-cap`. The pair therefore moves
  the shop by at most +cap and at most -cap in a month, and its net effect stays within [-cap, +cap].
- Ratings are taken in a total order (clock time, rating time, key), so the result depends only on the set
  of ratings, never on the order they are given in or arrived in.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Sequence

VALUES = ("good", "neutral", "bad")


@dataclass(frozen=True)
class PointRules:
    """The numbers of one set of rule versions."""

    good: int = 1
    neutral: int = 0
    bad: int = -1
    cap: int = 6
    cap_clock: str = "ordered_at"        # ordered_at | rated_at
    repeat_days: int = 14
    repeat_clock: str = "ordered_at"

    def value(self, rating_value: str) -> int:
        """Points of a rating value before repeats and the cap."""
        return {"good": self.good, "neutral": self.neutral, "bad": self.bad}[rating_value]


@dataclass(frozen=True)
class RuleBook:
    """Rule sets by the date they take effect; a date before all of them takes the earliest."""

    versions: tuple[tuple[dt.date, PointRules], ...]

    def __post_init__(self) -> None:
        if not self.versions:
            raise ValueError("a rule book needs at least one version")
        object.__setattr__(self, "versions", tuple(sorted(self.versions, key=lambda v: v[0])))
        object.__setattr__(self, "_days", [v[0] for v in self.versions])

    def at(self, day: dt.date) -> PointRules:
        """The rules in force on `day`."""
        index = bisect.bisect_right(self._days, day) - 1
        return self.versions[max(index, 0)][1]


@dataclass(frozen=True)
class RatingIn:
    """What counting needs of a buyer-to-seller rating. `key` is unique (the rating's id)."""

    key: int
    buyer: str
    shop: int
    item: str
    value: str
    rated_at: dt.datetime
    ordered_at: dt.datetime


@dataclass(frozen=True)
class Counted:
    """How one rating counted: its points, and why it counted 0 or less than its value."""

    key: int
    points: int
    repeat: bool = False
    capped: bool = False


def _clock(rating: RatingIn, name: str) -> dt.datetime:
    return rating.ordered_at if name == "ordered_at" else rating.rated_at


def count(ratings: Iterable[RatingIn], rules: PointRules | RuleBook) -> dict[int, Counted]:
    """How each rating counts (by key), under `rules` (one set, or versions by date)."""
    book = rules if isinstance(rules, RuleBook) else RuleBook(((dt.date.min, rules),))
    items = [(r, book.at(r.rated_at.date())) for r in ratings]

    # Repeats: per (buyer, shop, item), in time order of the repeat clock.
    items.sort(key=lambda pair: (_clock(pair[0], pair[1].repeat_clock), pair[0].rated_at, pair[0].key))
    anchor: dict[tuple[str, int, str], dt.datetime] = {}
    repeat: set[int] = set()
    for rating, rule in items:
        group = (rating.buyer, rating.shop, rating.item)
        at = _clock(rating, rule.repeat_clock)
        last = anchor.get(group)
        if last is not None and at - last < dt.timedelta(days=rule.repeat_days):
            repeat.add(rating.key)
        else:
            anchor[group] = at

    # Monthly cap: per (buyer, shop, month), positive and negative points added up separately.
    items.sort(key=lambda pair: (_clock(pair[0], pair[1].cap_clock), pair[0].rated_at, pair[0].key))
    used: dict[tuple[str, int, int, int, int], int] = {}
    out: dict[int, Counted] = {}
    for rating, rule in items:
        if rating.key in repeat:
            out[rating.key] = Counted(rating.key, 0, repeat=True)
            continue
        points = rule.value(rating.value)
        if points == 0:
            out[rating.key] = Counted(rating.key, 0)
            continue
        at = _clock(rating, rule.cap_clock)
        sign = 1 if points > 0 else -1
        group = (rating.buyer, rating.shop, at.year, at.month, sign)
        room = max(rule.cap - used.get(group, 0), 0)
        counted = min(abs(points), room)
        used[group] = used.get(group, 0) + counted
        out[rating.key] = Counted(rating.key, sign * counted, capped=counted < abs(points))
    return out


def shop_totals(ratings: Sequence[RatingIn], counted: dict[int, Counted]) -> dict[int, int]:
    """Points per shop."""
    totals: dict[int, int] = {}
    for rating in ratings:
        totals[rating.shop] = totals.get(rating.shop, 0) + counted[rating.key].points
    return totals
