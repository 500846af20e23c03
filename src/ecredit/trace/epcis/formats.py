"""The two string formats the EPCIS JSON schema uses, checked the way JSON Schema's format checker does.

`uri`: an absolute URI by the grammar of RFC 3986 (scheme ":" hier-part ["?" query] ["#" fragment]), the rule
JSON Schema validators apply with an RFC 3987 parser ("rfc3987-like"). `date-time`: RFC 3339 §5.6 (upper-
or lower-case T and Z, offset hours 00–23, leap seconds refused, real calendar days). Both regular expressions
are written from the RFCs' ABNF; tests compare them with the reference implementations on generated strings.
"""

from __future__ import annotations

import calendar
import re

_HEX = "[0-9A-Fa-f]"
_PCT = f"%{_HEX}{_HEX}"
_UNRESERVED_SUB = r"A-Za-z0-9\-._~!$&'()*+,;="
_PCHAR = f"(?:[{_UNRESERVED_SUB}:@]|{_PCT})"
_H16 = f"{_HEX}{{1,4}}"
_DEC_OCTET = "(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)"
_IPV4 = rf"(?:{_DEC_OCTET}\.){{3}}{_DEC_OCTET}"
_LS32 = f"(?:{_H16}:{_H16}|{_IPV4})"
_IPV6 = "(?:" + "|".join([
    f"(?:{_H16}:){{6}}{_LS32}",
    f"::(?:{_H16}:){{5}}{_LS32}",
    f"(?:{_H16})?::(?:{_H16}:){{4}}{_LS32}",
    f"(?:(?:{_H16}:){{0,1}}{_H16})?::(?:{_H16}:){{3}}{_LS32}",
    f"(?:(?:{_H16}:){{0,2}}{_H16})?::(?:{_H16}:){{2}}{_LS32}",
    f"(?:(?:{_H16}:){{0,3}}{_H16})?::{_H16}:{_LS32}",
    f"(?:(?:{_H16}:){{0,4}}{_H16})?::{_LS32}",
    f"(?:(?:{_H16}:){{0,5}}{_H16})?::{_H16}",
    f"(?:(?:{_H16}:){{0,6}}{_H16})?::",
]) + ")"
_IPVFUTURE = rf"v{_HEX}+\.[{_UNRESERVED_SUB}:]+"
_HOST = rf"(?:\[(?:{_IPV6}|{_IPVFUTURE})\]|(?:[{_UNRESERVED_SUB}]|{_PCT})*)"
_AUTHORITY = f"(?:(?:[{_UNRESERVED_SUB}:]|{_PCT})*@)?{_HOST}(?::[0-9]*)?"
_SEGMENT = f"{_PCHAR}*"
_SEGMENT_NZ = f"{_PCHAR}+"
_HIER = (f"(?://{_AUTHORITY}(?:/{_SEGMENT})*"          # "//" authority path-abempty
         f"|/(?:{_SEGMENT_NZ}(?:/{_SEGMENT})*)?"       # path-absolute
         f"|{_SEGMENT_NZ}(?:/{_SEGMENT})*"             # path-rootless
         "|)")                                         # path-empty
_TAIL = f"(?:[{_UNRESERVED_SUB}:@/?]|{_PCT})*"
# `$` (not `\Z`) as in the reference: a single trailing newline is tolerated there, so it is here.
URI_RE = re.compile(rf"^[A-Za-z][A-Za-z0-9+.\-]*:{_HIER}(?:\?{_TAIL})?(?:#{_TAIL})?$")

DATE_TIME_RE = re.compile(
    r"^(\d{4})-(0[1-9]|1[0-2])-(\d{2})T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$",
    re.ASCII)

_uri_match = URI_RE.match
_dt_match = DATE_TIME_RE.match


def is_uri(value: str) -> bool:
    """True when `value` is an absolute URI (RFC 3986)."""
    return _uri_match(value) is not None


def is_date_time(value: str) -> bool:
    """True when `value` is an RFC 3339 date-time with a real calendar date."""
    m = _dt_match(value.upper())
    if m is None:
        return False
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not year:
        return False
    return 1 <= day <= calendar.monthrange(year, month)[1]
