"""The canonical event hash of CBV 2.0 (§8.9, "EPCIS Event Hash ID"): `ni:///sha-256;<hex>?ver=CBV2.0`.

The pre-hash string concatenates the event's fields in the canonical property order, `key=value` without
separators: timestamps in UTC with milliseconds, numbers without trailing zeros, bare CBV words and URNs as CBV
Web URIs, CURIEs expanded, GS1 keys as constrained canonical Digital Link URIs, list elements sorted, a type
after the value it qualifies, user extensions as `{namespace}name=value` sorted and appended last. eventID,
recordTime, certificationInfo and comments are not part of it, so the same event sent twice — with another
eventID, none, in XML or JSON-LD, with its lists in another order — hashes the same.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from decimal import Decimal, InvalidOperation

from . import identifiers, vocab

_TIME_RE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})\s*$")
_NUMBER_RE = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
EPC_LISTS = ("epcList", "parentID", "inputEPCList", "childEPCs")
QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList")
METADATA_ORDER = ("time", "startTime", "endTime", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod",
                  "bizRules")
REPORT_ORDER = ("type", "exception", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "time",
                "microorganism", "chemicalSubstance", "value", "component", "stringValue", "booleanValue",
                "hexBinaryValue", "uriValue", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue",
                "uom", "coordinateReferenceSystem")
REPORT_VOCAB = {"type": "measurementType", "exception": "sensorAlertType", "component": "component"}
TIME_KEYS = frozenset({"time", "startTime", "endTime", "declarationTime", "eventTime"})
# Event fields with a place in the canonical order (or deliberately left out); every other key is an extension.
STANDARD_FIELDS = frozenset({
    "@context", "type", "eventID", "recordTime", "certificationInfo", "eventTime", "eventTimeZoneOffset",
    "epcList", "parentID", "inputEPCList", "childEPCs", "quantityList", "childQuantityList", "inputQuantityList",
    "outputEPCList", "outputQuantityList", "action", "transformationID", "bizStep", "disposition",
    "persistentDisposition", "readPoint", "bizLocation", "bizTransactionList", "sourceList", "destinationList",
    "sensorElementList", "ilmd", "errorDeclaration"})
COMMENT_KEYS = frozenset({"rdfs:comment", "comment", "http://www.w3.org/2000/01/rdf-schema#comment"})


def parse_time(value: str) -> dt.datetime:
    """An RFC 3339 timestamp as an aware datetime in UTC (microseconds kept; more digits rounded)."""
    m = _TIME_RE.match(value)
    if not m:
        raise ValueError(f"not an RFC 3339 timestamp: {value!r}")
    year, month, day, hour, minute, second, fraction, zone = m.groups()
    micro = round(int(((fraction or "0") + "000000")[:7]) / 10) if fraction else 0
    base = dt.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=dt.timezone.utc)
    if zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        base -= sign * dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    return base + dt.timedelta(microseconds=micro)


def canonical_time(value: str) -> str:
    """UTC with millisecond precision and `Z` (the 4th decimal rounds half up)."""
    m = _TIME_RE.match(value)
    if not m:
        return value.strip()
    fraction = m.group(7) or ""
    millis = int((fraction + "000")[:3])
    if len(fraction) > 3 and fraction[3] >= "5":
        millis += 1
    whole = parse_time(value.replace("." + fraction, "") if fraction else value)
    whole += dt.timedelta(milliseconds=millis)
    return whole.strftime("%Y-%m-%dT%H:%M:%S.") + f"{whole.microsecond // 1000:03d}Z"


def canonical_number(value) -> str:
    """A number without trailing zeros or exponent (`1.0` -> `1`, `0.3400` -> `0.34`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return str(value).strip()
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return format(number.normalize(), "f")


class _Canon:
    """Canonical values within one event (the document's prefixes known)."""

    def __init__(self, extra_prefixes: dict[str, str]) -> None:
        self.extra = extra_prefixes

    def uri(self, value: str) -> str:
        value = value.strip()
        for urn, web in vocab.URN_PREFIXES.items():
            if value.startswith(urn):
                return web + value[len(urn):]
        return identifiers.canonical(vocab.expand_curie(value, self.extra))

    def vocab_value(self, field: str, value: str) -> str:
        return self.uri(vocab.full_uri(field, value.strip()))

    def value(self, value) -> str:
        """Any other value: booleans and numbers canonical, strings trimmed and as URIs where they are."""
        if isinstance(value, bool) or isinstance(value, (int, float)):
            return canonical_number(value)
        text = str(value).strip()
        if _NUMBER_RE.match(text):
            return canonical_number(text)
        return self.uri(text)

    def key(self, key: str) -> str:
        """An extension's name as `{namespace}local` (its prefix expanded by the document's context)."""
        prefix, sep, local = key.partition(":")
        if sep and not local.startswith("//"):
            iri = self.extra.get(prefix) or vocab.prefixes().get(prefix)
            if iri:
                return "{" + iri + "}" + local
        return key


def _extension(canon: _Canon, key: str, value) -> list[str]:
    """`{ns}name=value` (or `{ns}name` + its children, sorted) for an extension field; one per list item."""
    name = canon.key(key)
    if isinstance(value, list):
        return [s for item in value for s in _extension(canon, key, item)]
    if isinstance(value, dict):
        text = "=" + canon.value(value["#text"]) if "#text" in value and not isinstance(value["#text"], dict) \
            else ""
        children = sorted(s for k, v in value.items() if k not in COMMENT_KEYS and not k.startswith("@")
                          and k != "#text" for s in _extension(canon, k, v))
        return [name + text + "".join(children)]
    if value is None:
        return [name]
    return [name + "=" + canon.value(value)]


def _extensions(canon: _Canon, obj: dict, known) -> str:
    return "".join(sorted(s for k, v in obj.items() if k not in known and k not in COMMENT_KEYS
                          and not k.startswith("@") for s in _extension(canon, k, v)))


def _quantity(canon: _Canon, element: dict) -> str:
    out = "quantityElement"
    if "epcClass" in element:
        out += "epcClass=" + canon.uri(element["epcClass"])
    if "quantity" in element:
        out += "quantity=" + canonical_number(element["quantity"])
    if "uom" in element:
        out += "uom=" + str(element["uom"]).strip()
    return out


def _sensor_part(canon: _Canon, name: str, obj: dict, order: tuple[str, ...]) -> str:
    out = name
    for key in order:
        if key not in obj:
            continue
        value = obj[key]
        if key in TIME_KEYS:
            text = canonical_time(value)
        elif name == "sensorReport" and key in REPORT_VOCAB:
            text = canon.vocab_value(REPORT_VOCAB[key], value)
        else:
            text = canon.value(value)
        out += f"{key}={text}"
    return out + _extensions(canon, obj, order)


def _typed_list(canon: _Canon, name: str, items: list, value_key: str, vocab_field: str) -> str:
    entries = []
    for item in items:
        text = f"{value_key}=" + canon.uri(item[value_key]) if value_key in item else ""
        if item.get("type"):
            text += "type=" + canon.vocab_value(vocab_field, item["type"])
        entries.append(text)
    return name + "".join(sorted(entries)) if entries else ""


def prehash(event: dict, extra_prefixes: dict[str, str] | None = None) -> str:
    """The pre-hash string of one event (JSON-LD form); `extra_prefixes` are the document's own prefixes."""
    canon = _Canon(extra_prefixes or {})
    out = ["eventType=" + str(event.get("type", ""))]
    if "eventTime" in event:
        out.append("eventTime=" + canonical_time(event["eventTime"]))
    if "eventTimeZoneOffset" in event:
        out.append("eventTimeZoneOffset=" + str(event["eventTimeZoneOffset"]).strip())

    def epcs(name: str, element: str = "epc") -> None:
        if event.get(name):
            out.append(name + "".join(sorted(f"{element}=" + canon.uri(e) for e in event[name])))

    def quantities(name: str) -> None:
        if event.get(name):
            out.append(name + "".join(sorted(_quantity(canon, q) for q in event[name])))

    epcs("epcList")
    if event.get("parentID"):
        out.append("parentID=" + canon.uri(event["parentID"]))
    epcs("inputEPCList")
    epcs("childEPCs")
    for name in QUANTITY_LISTS:
        quantities(name)
    epcs("outputEPCList")
    quantities("outputQuantityList")
    if event.get("action"):
        out.append("action=" + event["action"].strip())
    if event.get("transformationID"):
        out.append("transformationID=" + canon.uri(event["transformationID"]))
    if event.get("bizStep"):
        out.append("bizStep=" + canon.vocab_value("bizStep", event["bizStep"]))
    if event.get("disposition"):
        out.append("disposition=" + canon.vocab_value("disposition", event["disposition"]))
    persistent = event.get("persistentDisposition")
    if persistent:
        parts = [f"{kind}=" + canon.vocab_value("disposition", d) for kind in ("set", "unset")
                 for d in sorted(persistent.get(kind, []), key=lambda d: canon.vocab_value("disposition", d))]
        out.append("persistentDisposition" + "".join(parts))
    for name in ("readPoint", "bizLocation"):
        place = event.get(name)
        if place:
            out.append(name + "id=" + canon.uri(place.get("id", "")) + _extensions(canon, place, {"id"}))
    for name, key, field in (("bizTransactionList", "bizTransaction", "bizTransactionType"),
                             ("sourceList", "source", "sourceDestType"),
                             ("destinationList", "destination", "sourceDestType")):
        if event.get(name):
            out.append(_typed_list(canon, name, event[name], key, field))
    if event.get("sensorElementList"):
        elements = []
        for element in event["sensorElementList"]:
            text = "sensorElement"
            if "sensorMetadata" in element:
                text += _sensor_part(canon, "sensorMetadata", element["sensorMetadata"], METADATA_ORDER)
            text += "".join(sorted(_sensor_part(canon, "sensorReport", r, REPORT_ORDER)
                                   for r in element.get("sensorReport", [])))
            text += _extensions(canon, element, {"sensorMetadata", "sensorReport"})
            elements.append(text)
        out.append("sensorElementList" + "".join(sorted(elements)))
    if event.get("ilmd"):
        out.append("ilmd" + _extensions(canon, event["ilmd"], ()))
    declaration = event.get("errorDeclaration")
    trailing = [_extensions(canon, event, STANDARD_FIELDS)]
    if declaration:
        parts = []
        if "declarationTime" in declaration:
            parts.append("declarationTime=" + canonical_time(declaration["declarationTime"]))
        if declaration.get("reason"):
            parts.append("reason=" + canon.vocab_value("errorReason", declaration["reason"]))
        if declaration.get("correctiveEventIDs"):
            parts.append("correctiveEventIDs" + "".join(sorted(
                "correctiveEventID=" + str(i).strip() for i in declaration["correctiveEventIDs"])))
        for key, value in declaration.items():
            if key not in ("declarationTime", "reason", "correctiveEventIDs") and key not in COMMENT_KEYS \
                    and not key.startswith("@"):
                parts.extend(_extension(canon, key, value))
        trailing.insert(0, "errorDeclaration" + "".join(sorted(parts)))
    return "".join(out) + "".join(trailing)


def event_hash(event: dict, extra_prefixes: dict[str, str] | None = None) -> str:
    """The event's hash ID: `ni:///sha-256;<hex>?ver=CBV2.0`."""
    digest = hashlib.sha256(prehash(event, extra_prefixes).encode("utf-8")).hexdigest()
    return f"ni:///sha-256;{digest}?ver=CBV2.0"
