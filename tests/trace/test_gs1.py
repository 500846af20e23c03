"""GS1 keys and Digital Link URIs as printed on packs and typed by people: a right code is always read the same
way, a wrong one is refused with the reason a person can act on."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pytest
from hypothesis import assume, given, strategies as st

from ecredit.kit import gs1

CSET82 = "".join(sorted(gs1.CSET82))
# China's GS1 prefixes 690–699 and some others, as bodies without the check digit.
bodies13 = st.builds(lambda prefix, rest: f"{prefix}{rest}", st.integers(690, 699).map(str),
                     st.text("0123456789", min_size=9, max_size=9))
any_bodies = st.sampled_from([7, 11, 12, 13]).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n))
gtins = any_bodies.map(lambda body: body + gs1.check_digit(body))
china_gtins = bodies13.map(lambda body: body + gs1.check_digit(body))
ai_values = st.text(CSET82, min_size=1, max_size=20)
dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2049, 12, 31))


def test_known_codes():
    assert gs1.validate_gtin("6901234567892") == "6901234567892"
    assert gs1.normalise_gtin("69012341") == "00000069012341"
    assert gs1.normalise_gtin("6901234567892") == "06901234567892"
    assert gs1.validate_sscc("106141412345678908") == "106141412345678908"
    assert gs1.validate_gln("0614141007776") == "0614141007776"
    assert gs1.gs1_prefix("06901234567892") == "690"
    assert gs1.gs1_prefix("0" * 6 + "69012341") == "690"     # a GTIN-8 keeps its own prefix


@given(gtins)
def test_a_valid_gtin_normalises_to_14_digits_and_back(gtin):
    full = gs1.normalise_gtin(gtin)
    assert len(full) == 14 and full.endswith(gtin) and set(full[: 14 - len(gtin)]) <= {"0"}
    assert gs1.normalise_gtin(full) == full
    assert gs1.normalise_gtin(f" {gtin[:4]} {gtin[4:]} ") == full      # spaces as people type them


@given(gtins, st.data())
def test_any_single_digit_error_is_caught_by_the_check_digit(gtin, data):
    position = data.draw(st.integers(0, len(gtin) - 1))
    replacement = data.draw(st.sampled_from("0123456789"))
    assume(replacement != gtin[position])
    changed = gtin[:position] + replacement + gtin[position + 1:]
    with pytest.raises(gs1.GS1Error) as exc:
        gs1.validate_gtin(changed)
    assert exc.value.reason == "bad_check_digit"
    assert exc.value.expected == gs1.check_digit(changed[:-1])
    assert f"should be {exc.value.expected}" in exc.value.message


@pytest.mark.parametrize("value, reason", [
    ("", "empty"), ("69012345678", "bad_length"), ("690123456789012", "bad_length"),
    ("69O1234567892", "bad_character"), ("6901234567891", "bad_check_digit"),
])
def test_bad_gtins_are_refused_with_their_reason(value, reason):
    with pytest.raises(gs1.GS1Error) as exc:
        gs1.validate_gtin(value)
    assert exc.value.reason == reason and exc.value.key == "gtin"


@given(china_gtins, st.integers(7, 9), ai_values)
def test_sgtin_urn_round_trips(gtin, company_length, serial):
    urn = gs1.sgtin_urn(gtin, serial, company_length)
    found = gs1.parse_epc(urn)
    assert (found.kind, found.gtin, found.serial) == ("sgtin", gs1.normalise_gtin(gtin), serial)
    assert found.company_prefix == gtin[:company_length]
    assert not set('"%&/<>?') & set(urn.split(":", 4)[-1].split(".", 2)[-1].replace("%", ""))


@given(china_gtins, st.integers(7, 9), ai_values)
def test_lgtin_urn_round_trips(gtin, company_length, lot):
    found = gs1.parse_epc(gs1.lgtin_urn(gtin, lot, company_length))
    assert (found.kind, found.gtin, found.lot, found.serial) == ("lgtin", gs1.normalise_gtin(gtin), lot, "")


@given(gtins, st.one_of(st.just(""), ai_values), st.one_of(st.just(""), ai_values),
       st.one_of(st.just(""), ai_values), st.one_of(st.none(), dates))
def test_digital_link_build_and_parse_round_trip(gtin, lot, serial, cpv, expiry):
    uri = gs1.build_digital_link(gtin, lot=lot, serial=serial, cpv=cpv, expiry=expiry, domain="trace.example.cn")
    link = gs1.parse_digital_link(uri, domains=["trace.example.cn"], today=dt.date(2025, 6, 1))
    assert link.gtin == gs1.normalise_gtin(gtin)
    assert (link.lot, link.serial, link.cpv) == (lot, serial, cpv)
    assert link.date("17", today=dt.date(2025, 6, 1)) == expiry
    assert link.uri() == uri                                   # canonical: building again gives the same text
    identity = link.identity()
    assert identity.kind == ("sgtin" if serial else "lgtin" if lot else "gtin")


@given(gtins, ai_values)
def test_short_gtins_in_a_link_are_read_as_their_14_digit_form(gtin, lot):
    link = gs1.parse_digital_link(f"https://id.gs1.org/01/{gtin}/10/{quote(lot, safe='')}")
    assert link.gtin == gs1.normalise_gtin(gtin) and link.lot == lot
    assert link.path.startswith(f"/01/{gs1.normalise_gtin(gtin)}/10/")


def test_digital_link_keeps_a_path_prefix_and_other_parameters():
    link = gs1.parse_digital_link("https://example.com/qr/v1/01/6901234567892/10/A%2F1?17=260500&linkType=gs1:pip")
    assert link.path_prefix == "/qr/v1" and link.lot == "A/1"
    assert link.expiry == dt.date(2026, 5, 31)                 # day 00: the month's last day
    assert link.params == {"linkType": "gs1:pip"}


@pytest.mark.parametrize("uri, reason, words", [
    ("https://id.gs1.org/01/6901234567891/10/L1", "bad_check_digit", "should be 2"),
    ("https://id.gs1.org/01/690123456789/10/L1", "bad_check_digit", "check digit"),
    ("https://id.gs1.org/01/69012345678/10/L1", "bad_length", "11 digits"),
    ("https://id.gs1.org/01/6901234567892/21/S1/10/L1", "bad_structure", "order 22, 10, 21"),
    ("https://id.gs1.org/01/6901234567892/99/X", "unknown_key", "not a qualifier"),
    ("https://id.gs1.org/01/6901234567892/10", "bad_structure", "needs a value"),
    ("https://id.gs1.org/01/6901234567892/10/" + "A" * 21, "bad_length", "at most 20"),
    ("https://id.gs1.org/01/6901234567892/10/L%201", "bad_character", "' '"),
    ("https://id.gs1.org/01/6901234567892?17=261301", "bad_date", "month 13"),
    ("https://id.gs1.org/01/6901234567892?17=250230", "bad_date", "no day 30"),
    ("https://id.gs1.org/01/6901234567892?10=L1", "bad_structure", "belongs in the path"),
    ("https://evil.example/01/6901234567892/10/L1", "bad_domain", "not a Digital Link resolver we accept"),
    ("https://id.gs1.org/about", "not_gs1", "no GS1 primary key"),
    ("ftp://id.gs1.org/01/6901234567892", "not_gs1", "not an http"),
    ("", "empty", "empty"),
])
def test_bad_digital_links_are_refused_with_a_clear_reason(uri, reason, words):
    with pytest.raises(gs1.GS1Error) as exc:
        gs1.parse_digital_link(uri, domains=["id.gs1.org"])
    assert exc.value.reason == reason
    assert words in exc.value.message


@given(st.text(max_size=60))
def test_arbitrary_text_never_crashes_the_parser(text):
    try:
        link = gs1.parse_digital_link(text)
    except gs1.GS1Error as exc:
        assert exc.reason in gs1.GS1Error.REASONS and exc.message
    else:
        assert gs1.is_valid_gtin(link.value) if link.primary == "01" else link.value


@given(gtins, st.data())
def test_a_link_with_a_mistyped_gtin_is_refused(gtin, data):
    position = data.draw(st.integers(0, len(gtin) - 1))
    digit = data.draw(st.sampled_from("0123456789"))
    assume(digit != gtin[position])
    changed = gtin[:position] + digit + gtin[position + 1:]
    with pytest.raises(gs1.GS1Error) as exc:
        gs1.parse_digital_link(f"/01/{changed}/10/LOT1")
    assert exc.value.reason == "bad_check_digit"


def test_urns_of_logistic_units_and_places():
    sscc = gs1.parse_epc("urn:epc:id:sscc:0614141.1234567890")
    assert (sscc.kind, sscc.sscc) == ("sscc", "106141412345678908")
    assert gs1.sscc_urn("106141412345678908", 7) == "urn:epc:id:sscc:0614141.1234567890"
    place = gs1.parse_epc("urn:epc:id:sgln:6901234.00001.0")
    assert place.kind == "sgln" and place.gln == "6901234000016" and place.company_prefix == "6901234"
    assert gs1.sgln_urn("6901234000016", 7) == "urn:epc:id:sgln:6901234.00001.0"
    assert gs1.parse_epc("urn:epc:id:pgln:6901234.00000").gln == "6901234000009"
    assert gs1.parse_epc("https://id.gs1.org/414/6901234000016/254/7").extension == "7"
    assert gs1.parse_epc("urn:example:thing").kind == "other"
    with pytest.raises(gs1.GS1Error):
        gs1.parse_epc("urn:epc:id:sgtin:6901234.12.1")          # company prefix + item reference ≠ 13 digits


@given(dates)
def test_gs1_dates_round_trip_inside_the_century_window(day):
    assert gs1.parse_yymmdd("17", gs1.format_yymmdd(day), today=dt.date(2025, 1, 1)) == day
