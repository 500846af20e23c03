"""The columns the detectors read, exported once per detector as numpy arrays (ARCHITECTURE §6).

Each export is one `values_list` query (or a few, by chunks of keys) turned into columns with `zip(*rows)`:
no ORM object per row. Times come out as `datetime64[s]` in UTC (NaT where missing), amounts and weights as
float64 (NaN where missing), ids as int64. Windows are calendar days in the deployment's time zone, both
ends included.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.utils import timezone

from ecredit.archive.models import CreditRecord, RecordStatus
from ecredit.marketplace.models import Direction, Order, OrderItem, Rating
from ecredit.registry.models import Subject, SubjectKind

LIVE = (RecordStatus.ACTIVE, RecordStatus.OBJECTED, RecordStatus.CORRECTED)
CHUNK = 900


def bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The aware datetimes [start of `since`, start of the day after `until`) in local time."""
    start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min))
    return start, end


def seconds(values: Iterable[dt.datetime | None]) -> np.ndarray:
    """Aware datetimes as datetime64[s] (UTC), NaT for None."""
    values = list(values)
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[s]")
    known = [i for i, v in enumerate(values) if v is not None]
    if known:
        out[known] = np.array([int(values[i].timestamp()) for i in known], dtype="int64").astype("datetime64[s]")
    return out


def floats(values: Iterable[Any]) -> np.ndarray:
    """Numbers (Decimal, float, int or None) as float64, NaN for None."""
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def _columns(rows: list[tuple], n: int) -> list[list]:
    return [list(c) for c in zip(*rows)] if rows else [[] for _ in range(n)]


# ---------------------------------------------------------------------------------------------- orders


@dataclass
class Orders:
    """Orders of a window, one entry per order."""

    id: np.ndarray            # int64 order pk
    platform: np.ndarray      # int64 platform subject id
    shop: np.ndarray          # int64 shop subject id
    buyer: np.ndarray         # str, the platform's pseudonym
    order_no: np.ndarray      # str
    ordered_at: np.ndarray    # datetime64[s]
    amount: np.ndarray        # float64 yuan
    channel: np.ndarray       # str payment channel ("" unknown)

    def __len__(self) -> int:
        return len(self.id)


def orders(since: dt.date, until: dt.date, statuses: Iterable[str] | None = None) -> Orders:
    """Orders placed in the window (of the given statuses), ordered by id."""
    start, end = bounds(since, until)
    qs = Order.objects.filter(ordered_at__gte=start, ordered_at__lt=end)
    if statuses is not None:
        qs = qs.filter(status__in=list(statuses))
    rows = list(qs.order_by("id").values_list("id", "platform_id", "shop_id", "buyer", "order_no", "ordered_at",
                                               "amount", "payment_channel"))
    c = _columns(rows, 8)
    return Orders(np.array(c[0], dtype=np.int64), np.array(c[1], dtype=np.int64), np.array(c[2], dtype=np.int64),
                  np.array(c[3], dtype=str), np.array(c[4], dtype=str), seconds(c[5]), floats(c[6]),
                  np.array(c[7], dtype=str))


@dataclass
class Categories:
    """Order items of a window grouped per (shop, category): how many orders, and their order numbers."""

    shop: np.ndarray          # int64
    platform: np.ndarray      # int64
    category: np.ndarray      # str
    orders: np.ndarray        # int64 distinct orders
    order_nos: list[list[str]]


def categories(since: dt.date, until: dt.date, statuses: Iterable[str], sample: int,
               only: Iterable[str] | None = None) -> Categories:
    """Per shop and category (`only` these, else all), the orders of the window holding such an item (up to
    `sample` numbers kept)."""
    start, end = bounds(since, until)
    items = OrderItem.objects.filter(order__ordered_at__gte=start, order__ordered_at__lt=end,
                                     order__status__in=list(statuses))
    if only is not None:
        items = items.filter(category__in=list(only))
    rows = list(items
                .values_list("order__shop_id", "order__platform_id", "category", "order_id", "order__order_no")
                .distinct().order_by("order__shop_id", "category", "order_id"))
    groups: dict[tuple[int, str], tuple[int, list[str], int]] = {}
    for shop, platform, category, _oid, order_no in rows:
        key = (shop, category)
        count, numbers, plat = groups.get(key, (0, [], platform))
        if len(numbers) < sample:
            numbers.append(order_no)
        groups[key] = (count + 1, numbers, plat)
    keys = list(groups)
    return Categories(np.array([k[0] for k in keys], dtype=np.int64),
                      np.array([groups[k][2] for k in keys], dtype=np.int64),
                      np.array([k[1] for k in keys], dtype=str),
                      np.array([groups[k][0] for k in keys], dtype=np.int64), [groups[k][1] for k in keys])


# --------------------------------------------------------------------------------------------- ratings


@dataclass
class Ratings:
    """Buyer-to-seller ratings of a window, one entry per rating."""

    id: np.ndarray            # int64 rating pk
    platform: np.ndarray      # int64
    shop: np.ndarray          # int64
    buyer: np.ndarray         # str
    value: np.ndarray         # str good / neutral / bad
    rated_at: np.ndarray      # datetime64[s]
    order_no: np.ndarray      # str

    def __len__(self) -> int:
        return len(self.id)


def ratings(since: dt.date, until: dt.date) -> Ratings:
    """Buyers' ratings of shops given in the window, ordered by id."""
    start, end = bounds(since, until)
    rows = list(Rating.objects.filter(direction=Direction.BUYER_TO_SELLER, rated_at__gte=start, rated_at__lt=end)
                .order_by("id").values_list("id", "platform_id", "shop_id", "buyer", "value", "rated_at",
                                            "order__order_no"))
    c = _columns(rows, 7)
    return Ratings(np.array(c[0], dtype=np.int64), np.array(c[1], dtype=np.int64), np.array(c[2], dtype=np.int64),
                   np.array(c[3], dtype=str), np.array(c[4], dtype=str), seconds(c[5]), np.array(c[6], dtype=str))


# -------------------------------------------------------------------------------------------- registry


@dataclass
class Names:
    """Names to compare: shops (with operator and platform), organisations (with USCC)."""

    shop: np.ndarray            # int64
    shop_name: list[str]
    shop_operator: np.ndarray   # int64, -1 none
    shop_platform: np.ndarray   # int64, -1 none
    org: np.ndarray             # int64
    org_name: list[str]
    org_uscc: list[str]


def names() -> Names:
    """Every shop and every organisation of the registry with its name."""
    shops = list(Subject.objects.filter(kind=SubjectKind.SHOP).order_by("id")
                 .values_list("id", "name", "operator_id", "platform_id"))
    orgs = list(Subject.objects.filter(kind=SubjectKind.ORGANISATION).order_by("id")
                .values_list("id", "name", "uscc"))
    s, o = _columns(shops, 4), _columns(orgs, 3)
    return Names(np.array(s[0], dtype=np.int64), [str(n or "") for n in s[1]],
                 np.array([-1 if v is None else v for v in s[2]], dtype=np.int64),
                 np.array([-1 if v is None else v for v in s[3]], dtype=np.int64),
                 np.array(o[0], dtype=np.int64), [str(n or "") for n in o[1]], [str(u or "") for u in o[2]])


@dataclass
class LicenceRows:
    """Licence records: holder, the licence's name, number, validity and whether it is revoked."""

    holder: list[int]
    name: list[str]
    number: list[str]
    valid_from: list[str | None]
    valid_until: list[str | None]
    revoked: list[bool]


def licences(record_types: list[str], holders: Iterable[int] | None = None) -> LicenceRows:
    """Live and revoked records of the licence types (holders: these subjects only, else all)."""
    qs = CreditRecord.objects.filter(record_type_id__in=record_types,
                                     status__in=[*LIVE, RecordStatus.REVOKED])
    ids = None if holders is None else sorted(set(int(h) for h in holders))
    rows: list[tuple] = []
    fields = ("subject_id", "details__licence_name", "details__licence_no", "details__valid_from",
              "details__valid_until", "status")
    if ids is None:
        rows = list(qs.order_by("id").values_list(*fields))
    else:
        for start in range(0, len(ids), CHUNK):
            rows.extend(qs.filter(subject_id__in=ids[start:start + CHUNK]).order_by("id").values_list(*fields))
    c = _columns(rows, 6)
    return LicenceRows([int(h) for h in c[0]], [str(v or "") for v in c[1]], [str(v or "") for v in c[2]],
                       [v or None for v in c[3]], [v or None for v in c[4]],
                       [s == RecordStatus.REVOKED for s in c[5]])


def payment_licences(record_types: list[str]) -> list[tuple[int, str, str | None, str | None]]:
    """(subject, subject name, valid_from, valid_until) of every live payment-licence record."""
    return [(int(s), str(n or ""), f or None, u or None) for s, n, f, u in
            CreditRecord.objects.filter(record_type_id__in=record_types, status__in=LIVE).order_by("id")
            .values_list("subject_id", "subject__name", "details__valid_from", "details__valid_until")]


def subject_names(ids: Iterable[int]) -> dict[int, tuple[str, str, str]]:
    """id -> (name, kind, shop id or USCC) for the subjects named in evidence."""
    ids = sorted(set(int(i) for i in ids))
    out: dict[int, tuple[str, str, str]] = {}
    for start in range(0, len(ids), CHUNK):
        for pk, name, kind, shop_id, uscc in Subject.objects.filter(pk__in=ids[start:start + CHUNK]) \
                .values_list("id", "name", "kind", "shop_id", "uscc"):
            out[pk] = (name, kind, shop_id or uscc or "")
    return out


# --------------------------------------------------------------------------------------------- parcels


ParcelTables = Callable[[dt.date, dt.date], tuple[dict, dict, dict]]


def parcel_tables() -> ParcelTables | None:
    """The logistics app's `detection_tables(since, until)`, or None while it does not exist."""
    try:
        from ecredit.logistics import services as logistics
    except ImportError:
        return None
    return getattr(logistics, "detection_tables", None)


@dataclass
class ParcelOrders:
    """The orders behind waybills, as `find_empty_parcels` takes them (order_id = "platform USCC/order no")."""

    order_id: np.ndarray      # str
    order_pk: np.ndarray      # int64
    platform: np.ndarray      # int64
    shop: np.ndarray          # int64
    buyer: np.ndarray         # str
    paid_at: np.ndarray       # datetime64[s]
    goods_weight: np.ndarray  # float64 kg, NaN unknown
    city: np.ndarray          # str prefecture code of the delivery address ("" unknown)
    amount: np.ndarray        # float64


def parcel_orders(order_ids: Iterable[str]) -> ParcelOrders:
    """The marketplace orders named by waybills (ids the marketplace does not hold are left out)."""
    by_platform: dict[str, list[str]] = {}
    for oid in sorted(set(str(o) for o in order_ids)):
        uscc, sep, number = oid.partition("/")
        if sep and number:
            by_platform.setdefault(uscc, []).append(number)
    platforms = dict(Subject.objects.filter(uscc__in=list(by_platform)).values_list("uscc", "id"))
    rows: list[tuple] = []
    for uscc, numbers in by_platform.items():
        pid = platforms.get(uscc)
        if pid is None:
            continue
        for start in range(0, len(numbers), CHUNK):
            rows.extend((uscc, *r) for r in Order.objects.filter(platform_id=pid,
                                                                 order_no__in=numbers[start:start + CHUNK])
                        .values_list("order_no", "id", "platform_id", "shop_id", "buyer", "paid_at",
                                     "goods_weight_kg", "ship_to_region", "amount"))
    rows.sort(key=lambda r: (r[0], r[1]))
    c = _columns(rows, 10)
    return ParcelOrders(np.array([f"{u}/{n}" for u, n in zip(c[0], c[1])], dtype=str),
                        np.array(c[2], dtype=np.int64), np.array(c[3], dtype=np.int64),
                        np.array(c[4], dtype=np.int64), np.array(c[5], dtype=str), seconds(c[6]), floats(c[7]),
                        np.array([r[:4] + "00" if r else "" for r in c[8]], dtype=str), floats(c[9]))
