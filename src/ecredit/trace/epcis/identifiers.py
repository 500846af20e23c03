"""GS1 identifiers in EPCIS events: EPC URNs (GS1 Tag Data Standard) and GS1 Digital Link URIs.

Every GS1 key an event names is brought to one canonical form, the constrained canonical Digital Link URI
(`https://id.gs1.org/01/09521234543213/21/1234`: GS1's resolver domain, no query string, only the finest level
of identification), so that an item named by a URN in one event and by a Digital Link in the next is the same
row in the store and hashes the same (CBV 2.0 event hash, rules 17-18). `parse()` also says which GTIN, lot
and serial a URI names, for the trace chains.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

ID_GS1 = "https://id.gs1.org"
# Primary keys of GS1 Digital Link and the qualifiers each may carry, in canonical order.
PRIMARY_KEYS = {"00": (), "01": ("22", "10", "21", "235"), "253": (), "255": (), "401": (), "402": (),
                "414": ("254", "7040"), "417": ("7040",), "8003": (), "8004": (), "8006": ("22", "10", "21"),
                "8010": ("8011",), "8017": ("8019",), "8018": ("8019",)}
# Qualifiers kept in the constrained form (the finest level only: a serial replaces the lot, CPV goes).
_FINEST = {"01": (("21",), ("235",), ("10",)), "414": (("254",),), "8006": (("21",), ("10",)), "8010": (("8011",),)}
_DL_RE = re.compile(r"^https?://[^/?#]+(?:/[^?#]*?)?/(00|01|253|255|401|402|414|417|8003|8004|8006|8010|8017|8018)"
                    r"/([^/?#]+)((?:/[^/?#]+/[^/?#]+)*)/?(?:\?[^#]*)?(?:#.*)?$")
_DL_SAFE = "-._~'$&;=@"  # kept as they are in a Digital Link path element; everything else is %-encoded
_EPC_RE = re.compile(r"^urn:epc:(id|class|idpat):([a-z]+):(.+)$")


@dataclass(frozen=True)
class Gs1Key:
    """What a GS1 identifier names: the canonical URI and, for trade items, GTIN-14, lot and serial."""

    canonical: str
    gtin: str = ""
    lot: str = ""
    serial: str = ""


def check_digit(digits: str) -> str:
    """GS1 mod-10 check digit of `digits` (the key without its check digit)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def _with_check(digits: str) -> str:
    return digits + check_digit(digits)


def _dl(value: str) -> str:
    return quote(value, safe=_DL_SAFE)


def _parts(body: str, count: int) -> list[str] | None:
    parts = body.split(".")
    return parts if len(parts) == count else None


def _gtin_from(company: str, item_ref: str) -> str | None:
    if not (company.isdigit() and item_ref.isdigit()) or len(company) + len(item_ref) != 13:
        return None
    return _with_check(item_ref[:1] + company + item_ref[1:])


def _gln_from(company: str, ref: str) -> str | None:
    if not (company.isdigit() and ref.isdigit()) or len(company) + len(ref) != 12:
        return None
    return _with_check(company + ref)


def _from_epc(uri: str) -> tuple[str, list[tuple[str, str]]] | None:
    """(primary AI + value, qualifiers) of an EPC URN, or None when it is no GS1 key (or malformed)."""
    m = _EPC_RE.match(uri)
    if not m:
        return None
    kind, scheme, body = m.groups()
    if kind == "idpat":
        parts = body.split(".")
        if scheme == "sgtin" and len(parts) == 3 and parts[2] == "*":
            gtin = _gtin_from(parts[0], parts[1])
            return (("01", gtin), []) if gtin else None
        return None
    if kind == "class":
        parts = body.split(".", 2)
        if scheme == "lgtin" and len(parts) == 3:
            gtin = _gtin_from(parts[0], parts[1])
            return (("01", gtin), [("10", unquote(parts[2]))]) if gtin else None
        return None
    if scheme in ("sgtin", "upui"):
        parts = body.split(".", 2)
        gtin = _gtin_from(parts[0], parts[1]) if len(parts) == 3 else None
        return (("01", gtin), [("21" if scheme == "sgtin" else "235", unquote(parts[2]))]) if gtin else None
    if scheme == "sscc":
        p = _parts(body, 2)
        if p and p[0].isdigit() and p[1].isdigit() and len(p[0]) + len(p[1]) == 17:
            return ("00", _with_check(p[1][:1] + p[0] + p[1][1:])), []
        return None
    if scheme in ("sgln", "pgln"):
        parts = body.split(".", 2)
        gln = _gln_from(parts[0], parts[1]) if len(parts) >= 2 else None
        if not gln:
            return None
        if scheme == "pgln":
            return (("417", gln), []) if len(parts) == 2 else None
        extension = unquote(parts[2]) if len(parts) == 3 else "0"
        return ("414", gln), ([] if extension == "0" else [("254", extension)])
    if scheme in ("grai", "gdti", "sgcn"):
        parts = body.split(".", 2)
        if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or \
                len(parts[0]) + len(parts[1]) != 12:
            return None
        base = _with_check(parts[0] + parts[1])
        ai = {"grai": "8003", "gdti": "253", "sgcn": "255"}[scheme]
        return (ai, ("0" + base if scheme == "grai" else base) + unquote(parts[2])), []
    if scheme in ("giai", "ginc"):
        parts = body.split(".", 1)
        if len(parts) == 2 and parts[0].isdigit():
            return ({"giai": "8004", "ginc": "401"}[scheme], parts[0] + unquote(parts[1])), []
        return None
    if scheme in ("gsrn", "gsrnp", "gsin"):
        p = _parts(body, 2)
        size = {"gsrn": 17, "gsrnp": 17, "gsin": 16}[scheme]
        if p and p[0].isdigit() and p[1].isdigit() and len(p[0]) + len(p[1]) == size:
            return ({"gsrn": "8018", "gsrnp": "8017", "gsin": "402"}[scheme], _with_check(p[0] + p[1])), []
        return None
    if scheme == "cpi":
        parts = body.split(".")
        if len(parts) == 3 and parts[0].isdigit() and parts[2].isdigit():
            return ("8010", parts[0] + unquote(parts[1])), [("8011", parts[2])]
        return None
    if scheme == "itip":
        parts = body.split(".", 4)
        gtin = _gtin_from(parts[0], parts[1]) if len(parts) == 5 else None
        if gtin and parts[2].isdigit() and parts[3].isdigit():
            return ("8006", gtin + parts[2] + parts[3]), [("21", unquote(parts[4]))]
        return None
    return None


def _from_dl(uri: str) -> tuple[tuple[str, str], list[tuple[str, str]]] | None:
    m = _DL_RE.match(uri)
    if not m:
        return None
    ai, value, rest = m.group(1), unquote(m.group(2)), m.group(3)
    elements = rest.strip("/").split("/") if rest else []
    qualifiers = [(elements[i], unquote(elements[i + 1])) for i in range(0, len(elements) - 1, 2)]
    allowed = PRIMARY_KEYS[ai]
    if any(q not in allowed for q, _ in qualifiers):
        return None
    if ai in ("01", "8006") and value.isdigit() and len(value) in (8, 12, 13, 14) and ai == "01":
        value = value.zfill(14)
    return (ai, value), qualifiers


@functools.lru_cache(maxsize=65536)
def _key(uri: str):
    if uri.startswith("urn:epc:"):
        return _from_epc(uri)
    if uri.startswith(("http://", "https://")):
        return _from_dl(uri)
    return None


def _canonical(primary: tuple[str, str], qualifiers: list[tuple[str, str]]) -> str:
    ai, value = primary
    given = dict(qualifiers)
    kept: list[tuple[str, str]] = []
    for choice in _FINEST.get(ai, ()):
        if all(q in given for q in choice):
            kept = [(q, given[q]) for q in choice]
            break
    return ID_GS1 + f"/{ai}/{_dl(value)}" + "".join(f"/{q}/{_dl(v)}" for q, v in kept)


@functools.lru_cache(maxsize=65536)
def parse(uri: str) -> Gs1Key | None:
    """The GS1 key a URI names (EPC URN, EPC class or pattern URN, or Digital Link), or None."""
    key = _key(uri)
    if key is None:
        return None
    primary, qualifiers = key
    given = dict(qualifiers)
    gtin = primary[1] if primary[0] == "01" else ""
    return Gs1Key(_canonical(primary, qualifiers), gtin=gtin, lot=given.get("10", "") if gtin else "",
                  serial=given.get("21", "") if gtin else "")


@functools.lru_cache(maxsize=65536)
def canonical(uri: str) -> str:
    """The constrained canonical Digital Link URI of a GS1 identifier; any other URI as it is (trimmed)."""
    key = _key(uri)
    return _canonical(*key) if key else uri


def digital_link(gtin: str, lot: str = "", serial: str = "") -> str:
    """The canonical Digital Link URI of a trade item (with lot and serial when given)."""
    out = f"{ID_GS1}/01/{gtin.zfill(14)}"
    if lot:
        out += f"/10/{_dl(lot)}"
    if serial:
        out += f"/21/{_dl(serial)}"
    return out
