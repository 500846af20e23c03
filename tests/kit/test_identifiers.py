"""Identifiers as departments type them: the same subject must always be found by the same key."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from ecredit.kit.errors import IdentifierError
from ecredit.kit.identifiers import (normalise_ric, normalise_uscc, ric_with_check_digit, uscc_with_check_digit)

USCC_BODY = "0123456789ABCDEFGHJKLMNPQRTUWXY"
REGIONS = ["320602", "320612", "320613", "320623", "320681", "320682", "320685"]

usccs = st.builds(lambda kind, region, body: uscc_with_check_digit(f"9{kind}{region}{body}"),
                  st.sampled_from("123"), st.sampled_from(REGIONS),
                  st.text(alphabet=USCC_BODY, min_size=9, max_size=9))
rics = st.builds(lambda region, day, seq: ric_with_check_digit(f"{region}{day:%Y%m%d}{seq:03d}"),
                 st.sampled_from(REGIONS), st.dates(min_value=__import__("datetime").date(1990, 1, 1),
                                                    max_value=__import__("datetime").date(2005, 12, 31)),
                 st.integers(0, 999))


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@given(usccs)
def test_valid_uscc_survives_spreadsheet_noise(code):
    assert normalise_uscc(code) == code
    assert normalise_uscc(f"  {code.lower()} ") == code
    assert normalise_uscc(fullwidth(code)) == code
    assert normalise_uscc(f"{code[:8]} {code[8:]}") == code


@given(usccs, st.integers(0, 17), st.sampled_from(USCC_BODY))
def test_any_single_character_change_of_uscc_is_caught(code, position, replacement):
    changed = code[:position] + replacement + code[position + 1:]
    if changed == code:
        return
    with pytest.raises(IdentifierError) as exc:
        normalise_uscc(changed)
    assert exc.value.reason in ("bad_check_digit", "bad_character")


@given(rics)
def test_valid_resident_id_round_trips(code):
    assert normalise_ric(code.lower()) == code
    assert normalise_ric(fullwidth(code)) == code


@given(rics, st.integers(0, 16), st.integers(1, 9))
def test_a_mistyped_resident_id_digit_is_caught(code, position, delta):
    digit = (int(code[position]) + delta) % 10
    changed = code[:position] + str(digit) + code[position + 1:]
    with pytest.raises(IdentifierError):
        normalise_ric(changed)


@pytest.mark.parametrize("value, reason", [
    ("", "empty"),
    ("91320602MA1X", "bad_length"),
    ("91320602MA1X1234567", "bad_length"),
    ("9132060IMA1X12345O", "bad_character"),   # I and O are not in the GB 32100 alphabet
])
def test_uscc_reasons(value, reason):
    with pytest.raises(IdentifierError) as exc:
        normalise_uscc(value)
    assert exc.value.reason == reason


def test_uscc_bad_check_digit_reason():
    code = uscc_with_check_digit("91320602MA1X23456")
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(IdentifierError) as exc:
        normalise_uscc(wrong)
    assert exc.value.reason == "bad_check_digit"


@pytest.mark.parametrize("body, reason", [
    ("32060219850230123", "bad_birth_date"),   # 30 February
    ("99999919850317123", "bad_region"),
    ("32060221990317123", "bad_birth_date"),   # born in the future
])
def test_resident_id_component_reasons(body, reason):
    with pytest.raises(IdentifierError) as exc:
        normalise_ric(ric_with_check_digit(body))
    assert exc.value.reason == reason


def test_resident_id_with_letter_inside_is_bad_character():
    with pytest.raises(IdentifierError) as exc:
        normalise_ric("32060219850317A23X")
    assert exc.value.reason == "bad_character"
