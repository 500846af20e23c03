"""Identifiers of market subjects: unified social credit code (GB 32100) and resident ID (GB 11643).

Input arrives from spreadsheets with full-width characters, stray spaces and lower case; `normalise_*`
folds those away before validating, so the same subject is always found by the same key.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

from .errors import IdentifierError

USCC = "uscc"
RIC = "ric"
_SEPARATORS = re.compile(r"[\s\-_\u3000]+")
_REGION = re.compile(r"^\d{6}$")


def _fold(value: object) -> str:
    """Full-width to half-width, separators removed, upper case."""
    text = unicodedata.normalize("NFKC", str(value if value is not None else ""))
    return _SEPARATORS.sub("", text).upper()


def _reason(exc: Exception, component_reason: str) -> str:
    if isinstance(exc, stdnum_errors.InvalidLength):
        return "bad_length"
    if isinstance(exc, stdnum_errors.InvalidFormat):
        return "bad_character"
    if isinstance(exc, stdnum_errors.InvalidChecksum):
        return "bad_check_digit"
    return component_reason


def normalise_uscc(value: object) -> str:
    """Return the canonical unified social credit code or raise IdentifierError."""
    code = _fold(value)
    if not code:
        raise IdentifierError(USCC, "empty", code)
    try:
        return stdnum_uscc.validate(code)
    except stdnum_errors.ValidationError as exc:
        raise IdentifierError(USCC, _reason(exc, "bad_character"), code) from None


def normalise_ric(value: object) -> str:
    """Return the canonical 18-digit resident ID or raise IdentifierError."""
    code = _fold(value)
    if not code:
        raise IdentifierError(RIC, "empty", code)
    if len(code) != 18:
        raise IdentifierError(RIC, "bad_length", code)
    if not code[:17].isdigit() or not (code[17].isdigit() or code[17] == "X"):
        raise IdentifierError(RIC, "bad_character", code)
    if code[-1] != stdnum_ric.calc_check_digit(code):
        raise IdentifierError(RIC, "bad_check_digit", code)
    try:
        birth = stdnum_ric.get_birth_date(code)
    except stdnum_errors.ValidationError:
        raise IdentifierError(RIC, "bad_birth_date", code) from None
    if not dt.date(1900, 1, 1) <= birth <= dt.date.today():
        raise IdentifierError(RIC, "bad_birth_date", code)
    if not _known_region(code[:6]):
        raise IdentifierError(RIC, "bad_region", code)
    return code


def _known_region(region: str) -> bool:
    """True when the division code has existed at any time. python-stdnum's own check also wants it to
    have existed in the birth year, but an ID is issued years after birth (Tongzhou became 320612 in
    2009; people born there in 2000 hold 320612 IDs), so that check would refuse genuine numbers."""
    from stdnum import numdb

    return any("county" in props for _, props in numdb.get("cn/loc").info(region))


def is_valid_uscc(value: object) -> bool:
    """True when `value` is a valid unified social credit code."""
    try:
        normalise_uscc(value)
        return True
    except IdentifierError:
        return False


def is_valid_ric(value: object) -> bool:
    """True when `value` is a valid resident ID."""
    try:
        normalise_ric(value)
        return True
    except IdentifierError:
        return False


def uscc_with_check_digit(first17: str) -> str:
    """Append the GB 32100 check digit to 17 characters."""
    return first17 + stdnum_uscc.calc_check_digit(first17 + "0")


def ric_with_check_digit(first17: str) -> str:
    """Append the GB 11643 check digit to 17 digits."""
    return first17 + stdnum_ric.calc_check_digit(first17 + "0")


def is_region_code(value: str) -> bool:
    """True for a 6-digit administrative division code (GB/T 2260)."""
    return bool(_REGION.match(value or ""))
