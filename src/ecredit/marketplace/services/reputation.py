"""Shops' reputation figures (ShopReputation), computed from columns: aggregate SQL for orders, categories
and complaints, one pass of the points rules over the ratings' columns, numpy for the windows and the
per-shop sums, and bulk writes. No ORM object is built per order or per rating.

Definitions (windows end on `as_of` inclusive; lengths in marketplace.yaml `figures`):
- points: all buyer-to-seller ratings up to `as_of`, counted by points.py;
- good-rating rate: good / ratings in the window that are not repeats; DSR: average of each score over the
  window's ratings that carry scores; `dsr_avg_*`: the mean of the three averages;
- refund rate: refunded / orders placed in the refund window and not cancelled;
- complaint rate: upheld complaints about the shop (archive records whose type is of a complaint category,
  live, decided in the window) per `complaint_per` orders placed in the window and not cancelled;
- main category: largest sales amount (price × quantity) in `main_category_days`, ties by code;
- category averages pool every shop of the same main category (their refunds / their orders, and so on);
  relative = shop rate / category rate.
Shielded ratings count unless `shielding.counts_in_points` says otherwise.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Iterable

import numpy as np
from django.db import connection
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.archive.models import LIVE_STATUSES, CreditRecord
from ecredit.kit.errors import NotFound
from ecredit.registry.models import Subject, SubjectKind

from .. import points as pts
from ..models import Direction, OrderStatus, Rating, ShopReputation
from . import batches as b

FIGURE_COLUMNS = ("points", "ratings_30d", "ratings_180d", "good_rate_30d", "good_rate_180d",
                  "dsr_description_30d", "dsr_service_30d", "dsr_delivery_30d", "dsr_avg_30d",
                  "dsr_description_180d", "dsr_service_180d", "dsr_delivery_180d", "dsr_avg_180d",
                  "orders_90d", "refunds_90d", "refund_rate_90d", "orders_180d", "complaints_180d",
                  "complaint_rate_180d", "main_category", "category_refund_rate_90d",
                  "category_complaint_rate_180d", "refund_rate_relative", "complaint_rate_relative")


def rule_book(on: dt.date | None = None) -> pts.RuleBook:
    """The points rules of marketplace.yaml as versions by date (each rating is counted under its day's)."""
    rules = policy.current().marketplace
    days = sorted({v.effective for name in ("rating_values", "pair_cap", "repeat_window")
                   for v in getattr(rules, name)})
    versions = []
    for day in days:
        values, cap = policy.in_force(rules.rating_values, day), policy.in_force(rules.pair_cap, day)
        repeat = policy.in_force(rules.repeat_window, day)
        versions.append((day, pts.PointRules(values.good, values.neutral, values.bad, cap.cap, cap.clock,
                                             repeat.days, repeat.clock)))
    return pts.RuleBook(tuple(versions))


def _start(as_of: dt.date, days: int) -> dt.datetime:
    """The first moment of a window of `days` days ending on `as_of` (inclusive), local time."""
    return timezone.make_aware(dt.datetime.combine(as_of - dt.timedelta(days=days - 1), dt.time.min))


def _rate(numerator: np.ndarray, denominator: np.ndarray, scale: float = 1.0) -> np.ndarray:
    out = np.full(len(numerator), np.nan)
    nonzero = denominator > 0
    out[nonzero] = numerator[nonzero] * scale / denominator[nonzero]
    return out


def _sql(query: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def _order_figures(as_of: dt.date, rule) -> dict[str, Any]:
    """Per shop with orders (every shop: the category averages need them all): orders, refunds, complaints and
    the main category, as aligned numpy arrays."""
    adapt = connection.ops.adapt_datetimefield_value
    end = adapt(_start(as_of + dt.timedelta(days=1), 1))
    refund_from = adapt(_start(as_of, rule.refund_days))
    complaint_from = adapt(_start(as_of, rule.complaint_days))
    earliest = min(refund_from, complaint_from)
    rows = _sql("SELECT shop_id,"
                " SUM(CASE WHEN ordered_at >= %s AND status <> %s THEN 1 ELSE 0 END),"
                " SUM(CASE WHEN ordered_at >= %s AND status = %s THEN 1 ELSE 0 END),"
                " SUM(CASE WHEN ordered_at >= %s AND status <> %s THEN 1 ELSE 0 END)"
                " FROM marketplace_order WHERE ordered_at >= %s AND ordered_at < %s GROUP BY shop_id",
                [refund_from, OrderStatus.CANCELLED.value, refund_from, OrderStatus.REFUNDED.value,
                 complaint_from, OrderStatus.CANCELLED.value, earliest, end])
    shops = np.array([r[0] for r in rows], dtype=np.int64)
    order = np.argsort(shops)
    shops = shops[order]
    counts = np.array([r[1:] for r in rows], dtype=np.float64).reshape(-1, 3)[order]
    sales = _sql("SELECT o.shop_id, i.category, SUM(i.price * i.quantity) FROM marketplace_orderitem i"
                 " JOIN marketplace_order o ON o.id = i.order_id"
                 " WHERE o.ordered_at >= %s AND o.ordered_at < %s AND o.status <> %s"
                 " GROUP BY o.shop_id, i.category",
                 [adapt(_start(as_of, rule.main_category_days)), end, OrderStatus.CANCELLED.value])
    complaints = dict(CreditRecord.objects.filter(
        record_type__category__in=rule.complaint_categories, status__in=LIVE_STATUSES,
        subject__kind=SubjectKind.SHOP,
        decided_on__gte=as_of - dt.timedelta(days=rule.complaint_days - 1), decided_on__lte=as_of,
    ).values("subject_id").annotate(n=Count("id")).values_list("subject_id", "n"))
    # every shop that has orders or complaints
    all_shops = np.union1d(shops, np.array(sorted(complaints), dtype=np.int64))
    where = np.searchsorted(all_shops, shops)
    out = {"shops": all_shops, "orders_refund": np.zeros(len(all_shops)), "refunds": np.zeros(len(all_shops)),
           "orders_complaint": np.zeros(len(all_shops)),
           "complaints": np.array([complaints.get(int(s), 0) for s in all_shops], dtype=np.float64)}
    out["orders_refund"][where], out["refunds"][where], out["orders_complaint"][where] = counts.T
    categories = sorted({r[1] for r in sales})
    main = np.full(len(all_shops), -1, dtype=np.int64)
    if sales:
        shop_of = np.searchsorted(all_shops, np.array([r[0] for r in sales], dtype=np.int64))
        category_of = np.array([categories.index(r[1]) for r in sales], dtype=np.int64)
        amount = np.array([float(r[2] or 0) for r in sales])
        ranked = np.lexsort((category_of, -amount, shop_of))          # per shop: largest amount, then code
        first = np.ones(len(ranked), dtype=bool)
        first[1:] = shop_of[ranked][1:] != shop_of[ranked][:-1]
        main[shop_of[ranked][first]] = category_of[ranked][first]
    out["main"], out["categories"] = main, categories
    has = main >= 0
    n = max(len(categories), 1)
    by_cat = {key: np.bincount(main[has], weights=out[key][has], minlength=n)
              for key in ("orders_refund", "refunds", "orders_complaint", "complaints")}
    out["category_refund_rate"] = _rate(by_cat["refunds"], by_cat["orders_refund"])
    out["category_complaint_rate"] = _rate(by_cat["complaints"], by_cat["orders_complaint"],
                                           rule.complaint_per)
    return out


def _rating_columns(as_of: dt.date, shop_ids: list[int] | None, counts_shielded: bool) -> list[tuple]:
    ratings = Rating.objects.filter(direction=Direction.BUYER_TO_SELLER,
                                    rated_at__lt=_start(as_of + dt.timedelta(days=1), 1))
    if shop_ids is not None:
        ratings = ratings.filter(shop_id__in=shop_ids)
    if not counts_shielded:
        ratings = ratings.filter(shield__isnull=True)
    columns = ratings.values_list("id", "shop_id", "buyer", "item_key", "value", "rated_at", "ordered_at",
                                  "dsr_description", "dsr_service", "dsr_delivery")
    return list(columns.iterator(chunk_size=20_000))


def _rating_figures(rows: list[tuple], shops: np.ndarray, as_of: dt.date, rule) -> dict[str, np.ndarray]:
    """Points, counts, good rates and DSR averages per shop of `shops` (sorted ids)."""
    n, tz = len(shops), timezone.get_current_timezone()
    out: dict[str, np.ndarray] = {"points": np.zeros(n)}
    if not rows:
        for days in (rule.short_days, rule.long_days):
            out[f"ratings_{days}"] = np.zeros(n)
            for key in ("good_rate", "dsr_description", "dsr_service", "dsr_delivery", "dsr_avg"):
                out[f"{key}_{days}"] = np.full(n, np.nan)
        return out
    ratings = [pts.RatingIn(r[0], r[2], r[1], r[3], r[4], r[5].astimezone(tz), r[6].astimezone(tz))
               for r in rows]
    counted = pts.count(ratings, rule_book())
    index = np.searchsorted(shops, np.array([r[1] for r in rows], dtype=np.int64))
    points = np.array([counted[r[0]].points for r in rows], dtype=np.float64)
    repeat = np.array([counted[r[0]].repeat for r in rows], dtype=bool)
    good = np.array([r[4] == "good" for r in rows], dtype=bool)
    at = np.array([r[5].timestamp() for r in rows])
    scores = np.array([[np.nan if v is None else v for v in r[7:10]] for r in rows], dtype=np.float64)
    out["points"] = np.bincount(index, weights=points, minlength=n)
    for days in (rule.short_days, rule.long_days):
        inside = at >= _start(as_of, days).timestamp()
        out[f"ratings_{days}"] = np.bincount(index[inside], minlength=n).astype(np.float64)
        counted_ = inside & ~repeat
        out[f"good_rate_{days}"] = _rate(np.bincount(index[counted_ & good], minlength=n).astype(np.float64),
                                         np.bincount(index[counted_], minlength=n).astype(np.float64))
        averages = []
        for column, name in enumerate(("dsr_description", "dsr_service", "dsr_delivery")):
            has = inside & ~np.isnan(scores[:, column])
            average = _rate(np.bincount(index[has], weights=scores[has, column], minlength=n),
                            np.bincount(index[has], minlength=n).astype(np.float64))
            out[f"{name}_{days}"] = average
            averages.append(average)
        out[f"dsr_avg_{days}"] = np.mean(np.vstack(averages), axis=0)
    return out


def compute(as_of: dt.date | None = None, shop_ids: Iterable[int] | None = None) -> dict[int, dict[str, Any]]:
    """Every figure of every shop (or of `shop_ids`) as of `as_of` (default today), by shop id."""
    as_of = as_of or timezone.localdate()
    rule = b.rule("figures", as_of)          # its windows are those the column names carry (policy/models.py)
    wanted = sorted(set(shop_ids)) if shop_ids is not None else \
        list(Subject.objects.filter(kind=SubjectKind.SHOP).order_by("id").values_list("id", flat=True))
    shops = np.array(wanted, dtype=np.int64)
    orders = _order_figures(as_of, rule)
    counts_shielded = b.rule("shielding", as_of).counts_in_points
    rated = _rating_figures(_rating_columns(as_of, wanted if shop_ids is not None else None, counts_shielded),
                            shops, as_of, rule)
    known = np.isin(shops, orders["shops"])
    at = np.searchsorted(orders["shops"], shops)
    at[~known] = 0

    def take(key: str, fill: float = 0.0) -> np.ndarray:
        values = np.full(len(shops), fill, dtype=np.float64)
        values[known] = orders[key][at[known]]
        return values

    orders_90, refunds_90 = take("orders_refund"), take("refunds")
    orders_180, complaints_180 = take("orders_complaint"), take("complaints")
    main = np.full(len(shops), -1, dtype=np.int64)
    main[known] = orders["main"][at[known]]
    refund_rate = _rate(refunds_90, orders_90)
    complaint_rate = _rate(complaints_180, orders_180, rule.complaint_per)
    category_refund = np.where(main >= 0, orders["category_refund_rate"][np.maximum(main, 0)]
                               if len(orders["categories"]) else np.nan, np.nan)
    category_complaint = np.where(main >= 0, orders["category_complaint_rate"][np.maximum(main, 0)]
                                  if len(orders["categories"]) else np.nan, np.nan)
    columns = {
        "points": rated["points"], "ratings_30d": rated["ratings_30"], "ratings_180d": rated["ratings_180"],
        "good_rate_30d": rated["good_rate_30"], "good_rate_180d": rated["good_rate_180"],
        **{f"dsr_{k}_{d}d": rated[f"dsr_{k}_{d}"] for d in (30, 180)
           for k in ("description", "service", "delivery", "avg")},
        "orders_90d": orders_90, "refunds_90d": refunds_90, "refund_rate_90d": refund_rate,
        "orders_180d": orders_180, "complaints_180d": complaints_180, "complaint_rate_180d": complaint_rate,
        "category_refund_rate_90d": category_refund, "category_complaint_rate_180d": category_complaint,
        "refund_rate_relative": _rate(refund_rate, np.nan_to_num(category_refund)),
        "complaint_rate_relative": _rate(complaint_rate, np.nan_to_num(category_complaint)),
    }
    integers = {"points", "ratings_30d", "ratings_180d", "orders_90d", "refunds_90d", "orders_180d",
                "complaints_180d"}
    out = {}
    for position, shop in enumerate(wanted):
        row: dict[str, Any] = {"as_of": as_of, "main_category": orders["categories"][main[position]]
                               if main[position] >= 0 else ""}
        for name, values in columns.items():
            value = float(values[position])
            if name in integers:
                row[name] = int(round(value))
            else:
                row[name] = None if math.isnan(value) else round(value, 6)
        out[shop] = row
    return out


def _save(figures: dict[int, dict[str, Any]]) -> int:
    now, version = timezone.now(), policy.current().version
    rows = [ShopReputation(shop_id=shop, policy_version=version, computed_at=now, **values)
            for shop, values in figures.items()]
    ShopReputation.objects.bulk_create(rows, batch_size=500, update_conflicts=True, unique_fields=["shop"],
                                       update_fields=["as_of", *FIGURE_COLUMNS, "policy_version",
                                                      "computed_at"])
    return len(rows)


def refresh_reputation(as_of: dt.date | None = None) -> int:
    """Recompute every shop's figures as of `as_of` (default today), written in bulk; returns the count."""
    return _save(compute(as_of))


def refresh_shop(shop_id: int, as_of: dt.date | None = None, save: bool = True) -> ShopReputation:
    """Recompute one shop's figures (the category averages still pool every shop)."""
    if not Subject.objects.filter(pk=shop_id, kind=SubjectKind.SHOP).exists():
        raise NotFound(_("未找到该网店"))
    figures = compute(as_of, [shop_id])
    if save:
        _save(figures)
        return ShopReputation.objects.get(shop_id=shop_id)
    return ShopReputation(shop_id=shop_id, policy_version=policy.current().version,
                          computed_at=timezone.now(), **figures[shop_id])


def reputation_of(subject_id: int) -> ShopReputation:
    """A shop's public figures: the stored ones, or computed now (not stored) for a shop not yet refreshed."""
    stored = ShopReputation.objects.filter(shop_id=subject_id).select_related("shop").first()
    if stored is not None:
        return stored
    return refresh_shop(subject_id, save=False)
