"""Receiving tracking scans from courier firms, in our state codes or in a carrier's own vocabulary
(logistics.yaml vocabularies: the aggregators' numeric states, a carrier's action words).

A scan is unique per (waybill, time, state, station): a scan sent again — in a later batch, or twice in one, as
aggregators re-send a parcel's whole trace — is counted unchanged and not stored twice. A scan of a waybill the
carrier has not reported yet makes a bare waybill (filled in when its waybill row comes). After every batch the
waybills it touched have their derived fields recomputed from all their scans (`refresh_waybills`).

A scan's station type is taken as given (a code of logistics.yaml station_types, or its Chinese name), else
guessed from the station's name, else from a station named in 【】 in the text; couriers' names and phones are
kept masked only, and phone numbers or IDs in the text are masked on arrival.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Iterable

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit import db, policy
from ecredit.audit.services import ChainWriter
from ecredit.kit.errors import ValidationFailed

from ..models import ParcelBatch, ParcelChannel, ParcelKind, Waybill
from . import common as c
from .waybills import waybill_no

_BRACKETED = re.compile(r"【([^】]{2,40})】")
# "签收人：王小明", "派件员：李四" and the like: carriers' texts name people ("本人" is not a name). A name is
# taken as at most four characters after the colon: a longer name keeps its tail, shorter text after a short
# name is masked with it (the safe side).
_NAMED = re.compile(r"((?:签收人|收件人|取件人|代收人|收货人|派件员|快递员|收派员|业务员)\s*[:：]\s*)(?!本人)"
                    r"([\u4e00-\u9fa5·]{1,4}|[A-Za-z]{1,20})")
_COLUMNS = ("id", "waybill_id", "at", "state", "carrier_code", "station", "station_type", "region", "region_name",
            "next_station", "courier_name_masked", "courier_phone_masked", "text", "batch_id")
_BARE = ("id", "carrier_id", "organisation_id", "waybill_no", "platform_uscc", "order_no", "origin_region",
         "destination_region", "created_at", "consignee_name_masked", "consignee_phone_masked",
         "consignee_address_masked", "phone_tail_digest", "content_hash", "batch_id", "received_at", "state",
         "accepted_region", "signed_region", "scans_count")
_DERIVED = ("UPDATE logistics_waybill SET state = %s, state_at = %s, accepted_at = %s, accepted_region = %s,"
            " signed_at = %s, signed_region = %s, returned_at = %s, scans_count = %s WHERE id = %s")


def labels() -> dict[str, str]:
    """How the fields of a scan are named in messages."""
    return {"waybill_no": _("运单号"), "time": _("扫描时间"), "state": _("状态"), "station": _("站点"),
            "station_type": _("站点类型"), "region": _("地区编码"), "region_name": _("地区名称"),
            "next_station": _("下一站"), "courier_name": _("快递员"), "courier_phone": _("快递员电话"),
            "text": _("描述")}


@dataclass
class _Scan:
    index: int
    waybill_no: str
    at: dt.datetime
    state: str
    code: str
    station: str
    station_type: str
    region: str
    region_name: str
    next_station: str
    courier_name: str
    courier_phone: str
    text: str

    @property
    def key(self) -> tuple:
        return (self.waybill_no, self.at, self.state, self.station)


class _Reader:
    """Parses scan rows under one vocabulary and the station types in force."""

    def __init__(self, vocabulary: str, now: dt.datetime) -> None:
        rules = c.rules()
        try:
            self.vocabulary = rules.vocabulary(vocabulary)
        except KeyError:
            raise ValidationFailed(_("未知的状态代码体系“{code}”，可选：{values}").format(
                code=vocabulary, values="、".join(rules.vocabularies)), field="vocabulary",
                code="unknown_vocabulary") from None
        self.stations = rules.stations()
        self.station_codes = {code: code for code in self.stations.types}
        self.station_codes.update({t.name.zh: code for code, t in self.stations.types.items()})
        self.station_codes.update({t.name.en.lower(): code for code, t in self.stations.types.items()})
        current = policy.current()
        self.name_mask, self.phone_mask = current.mask_pattern("person_name"), current.mask_pattern("phone")
        self.masks = current.mask_pattern("resident_id"), self.phone_mask
        self.now, self.names = now, labels()

    def parse(self, index: int, raw: Any) -> _Scan:
        if not isinstance(raw, dict):
            raise ValidationFailed(_("应为JSON对象"), code="not_an_object")
        names = self.names
        number = waybill_no(raw)
        at = c.moment(raw, "time", names["time"], self.now)
        code = c.text(raw, "state", names["state"], 20, required=True)
        state = self.vocabulary.state_of(code)
        if state is None:
            shown = "、".join(list(self.vocabulary.codes)[:20])
            raise ValidationFailed(_("状态“{code}”不是“{vocabulary}”的代码，可选：{values}").format(
                code=code, vocabulary=self.vocabulary.name.zh, values=shown), field="state", code="bad_state")
        station = c.text(raw, "station", names["station"], 100)
        given = c.text(raw, "station_type", names["station_type"], 20)
        text = c.scrubbed(c.text(raw, "text", names["text"], 300), self.masks)
        if given:
            station_type = self.station_codes.get(given) or self.station_codes.get(given.lower())
            if station_type is None:
                raise ValidationFailed(_("站点类型应为：{values}").format(values="、".join(self.stations.types)),
                                       field="station_type", code="bad_station_type")
        else:
            station_type = self.stations.guess(station) if station else ""
            if not station_type:
                station_type = next((t for t in map(self.stations.guess, _BRACKETED.findall(text)) if t), "")
        courier = c.text(raw, "courier_name", names["courier_name"], 60)
        phone = c.text(raw, "courier_phone", names["courier_phone"], 20)
        if text:
            if len(courier) >= 2:
                text = text.replace(courier, self.name_mask.apply(courier))
            text = _NAMED.sub(lambda m: m.group(1) + self.name_mask.apply(m.group(2)), text)
        return _Scan(index, number, at, state, code[:20], station, station_type,
                     c.region(raw, "region", names["region"]),
                     c.text(raw, "region_name", names["region_name"], 60),
                     c.text(raw, "next_station", names["next_station"], 100),
                     self.name_mask.apply(courier)[:40], self.phone_mask.apply(phone)[:24], text)


def submit_scans(rows: list[Any], principal, *, vocabulary: str = "ecredit", channel: str = ParcelChannel.API,
                 client_batch_id: str | None = None, atomic: bool = False, filename: str = "") -> ParcelBatch:
    """Receive a batch of tracking scans (≤ 10,000) whose states are codes of `vocabulary`: row by row by
    default, all or nothing with `atomic`; a re-sent batch id with the same rows returns the first answer."""
    c.require_reporter(principal)
    carrier = c.carrier_of(principal)
    reader = _Reader(vocabulary, timezone.now())

    def write(rows_: list, batch: ParcelBatch, log: ChainWriter, outcome: c.Outcome) -> None:
        _write(rows_, batch, log, outcome, principal, carrier, reader)

    return c.run_batch(ParcelKind.SCANS, rows, principal, carrier, vocabulary=vocabulary, channel=channel,
                       client_batch_id=client_batch_id, atomic=atomic, filename=filename, write=write)


def _write(rows: list, batch: ParcelBatch, log: ChainWriter, outcome: c.Outcome, principal, carrier,
           reader: _Reader) -> None:
    outcome.ids = [None] * len(rows)
    parsed: list[_Scan] = []
    first_of: dict[tuple, int] = {}     # a scan's key -> the index of the row that first carried it
    repeats: list[tuple[int, tuple]] = []
    for index, raw in enumerate(rows):
        try:
            scan = reader.parse(index, raw)
        except ValidationFailed as exc:
            outcome.refuse(index, c.row_id(raw), exc)
            continue
        if scan.key in first_of:
            repeats.append((index, scan.key))
            continue
        first_of[scan.key] = index
        parsed.append(scan)
    waybills, scanned = _waybills(parsed, carrier, principal, batch, log)
    stored = c.time_writer()
    times = {s.key: stored(s.at) for s in parsed}
    # The database's own form of the time is the key, so stored scans compare without conversion.
    key = (lambda s: (waybills[s.waybill_no], times[s.key], s.state, s.station)) if connection.vendor == "sqlite" \
        else (lambda s: (waybills[s.waybill_no], s.at, s.state, s.station))
    known = _known_scans(scanned)
    new = [s for s in parsed if key(s) not in known]
    ids = db.reserve_ids("logistics_scan", len(new))
    db.insert_rows("logistics_scan", _COLUMNS, [
        (pk, waybills[s.waybill_no], times[s.key], s.state, s.code, s.station, s.station_type, s.region,
         s.region_name, s.next_station, s.courier_name, s.courier_phone, s.text, batch.pk)
        for s, pk in zip(new, ids)])
    made = {s.key: pk for s, pk in zip(new, ids)}
    by_key = {s.key: s for s in parsed}
    for s in parsed:
        if s.key in made:
            outcome.ids[s.index] = made[s.key]
            outcome.created += 1
        else:
            outcome.ids[s.index] = known[key(s)]
            outcome.unchanged += 1
    for index, scan_key in repeats:
        outcome.ids[index] = made.get(scan_key) or known.get(key(by_key[scan_key]))
        outcome.unchanged += 1
    refresh_waybills({waybills[s.waybill_no] for s in new})


def _waybills(scans: list[_Scan], carrier, principal, batch: ParcelBatch, log: ChainWriter
              ) -> tuple[dict[str, int], set[int]]:
    """Waybill number -> id for the scans' waybills (bare waybills made for numbers the carrier has not
    reported), and the ids of those that already have scans."""
    numbers = sorted({s.waybill_no for s in scans})
    found: dict[str, int] = {}
    scanned: set[int] = set()
    for start in range(0, len(numbers), 900):
        for no, pk, count in Waybill.objects.filter(carrier=carrier, waybill_no__in=numbers[start:start + 900]) \
                .values_list("waybill_no", "id", "scans_count"):
            found[no] = pk
            if count:
                scanned.add(pk)
    missing = [n for n in numbers if n not in found]
    if missing:
        earliest: dict[str, tuple[dt.datetime, str]] = {}
        for s in scans:
            if s.waybill_no in found:
                continue
            if s.waybill_no not in earliest or s.at < earliest[s.waybill_no][0]:
                earliest[s.waybill_no] = (s.at, s.region)
        stored = c.time_writer()
        ids = db.reserve_ids("logistics_waybill", len(missing))
        db.insert_rows("logistics_waybill", _BARE, [
            (pk, carrier.pk, principal.organisation_id, no, "", "", earliest[no][1], "", stored(earliest[no][0]),
             "", "", "", "", "", batch.pk, log.at_db, "created", "", "", 0) for no, pk in zip(missing, ids)])
        found.update(zip(missing, ids))
    return found, scanned


def _known_scans(waybill_ids: set[int]) -> dict[tuple, int]:
    """(waybill id, time as stored, state, station) -> scan id of the scans already stored for these waybills."""
    out: dict[tuple, int] = {}
    ids = sorted(waybill_ids)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 900):
            chunk = ids[start:start + 900]
            cursor.execute(f"SELECT id, waybill_id, {c.stored_time('at')}, state, station FROM logistics_scan"
                           f" WHERE waybill_id IN ({', '.join(['%s'] * len(chunk))})", chunk)
            for pk, waybill, at, state, station in cursor.fetchall():
                out[(waybill, at, state, station)] = pk
    return out


def refresh_waybills(waybill_ids: Iterable[int]) -> int:
    """Recompute the derived fields of these waybills from all their scans (state, pick-up, signature, return,
    count); returns how many were updated. Times go back as the database gave them."""
    ids = sorted(set(waybill_ids))
    values = []
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 900):
            chunk = ids[start:start + 900]
            cursor.execute(f"SELECT waybill_id, {c.stored_time('at')}, state, region FROM logistics_scan"
                           f" WHERE waybill_id IN ({', '.join(['%s'] * len(chunk))}) ORDER BY waybill_id, at, id",
                           chunk)
            current, scans = None, []
            for row in (*cursor.fetchall(), (None, None, None, None)):
                if row[0] != current:
                    if current is not None:
                        values.append((*_derived(scans), current))
                    current, scans = row[0], []
                scans.append(row)
        if values:
            cursor.executemany(_DERIVED, values)
    return len(values)


def _derived(scans: list[tuple]) -> tuple:
    """(state, state_at, accepted_at, accepted_region, signed_at, signed_region, returned_at, count) of one
    waybill's scans, ordered by time."""
    last = scans[-1]
    accepted = next((s for s in scans if s[2] == "accepted"), scans[0])
    signed = next((s for s in scans if s[2] == "signed"), None)
    returned = next((s for s in scans if s[2] == "returned"), None)
    return (last[2], last[1], accepted[1], accepted[3] or "", signed[1] if signed else None,
            signed[3] if signed else "", returned[1] if returned else None, len(scans))
