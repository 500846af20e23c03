"""Masking of identifiers that sources put into free text."""

from __future__ import annotations

import re

from hypothesis import given, strategies as st

from ecredit.kit.identifiers import ric_with_check_digit
from ecredit.kit.masking import MaskPattern, scrub

RIC, PHONE = MaskPattern(4, 4), MaskPattern(3, 4)


def test_resident_ids_in_any_spelling_are_masked_and_other_codes_kept():
    ric = ric_with_check_digit("32060219850317001")
    for text in (f"身份证号{ric}", f"ID{ric}", f"{ric[:6]} {ric[6:14]} {ric[14:]}", f"{ric.lower()}。"):
        assert ric not in scrub(text, RIC, PHONE).replace(" ", "").upper()
    for kept in ("913206027134567898", "订单号123456789012345678"):
        assert scrub(kept, RIC, PHONE) == kept


def test_mobile_numbers_in_any_spelling_are_masked():
    for text in ("电话13812345678", "+8613812345678", "138-1234-5678", "138 1234 5678"):
        assert "1234" not in scrub(text, RIC, PHONE).replace("5678", "")


def test_nested_values_are_scrubbed():
    ric = ric_with_check_digit("32060219850317001")
    assert scrub({"a": [f"x{ric}", {"b": "13812345678"}]}, RIC, PHONE) == \
        {"a": ["x3206**********" + ric[-4:], {"b": "138****5678"}]}


@given(st.text(alphabet="0123456789abc ，。-", max_size=60))
def test_scrub_never_fails_and_keeps_text_without_identifiers(text):
    out = scrub(text, RIC, PHONE)
    assert isinstance(out, str)
    if not re.search(r"\d{11}", re.sub(r"[\s-]", "", text)):  # nothing long enough to be an ID or a mobile
        assert out == text
    assert len(out) <= len(text)
