"""Carriers' vocabularies mapped to our states (logistics.yaml), and the state a waybill derives from its scans,
whatever order and batches the scans come in."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecredit import policy
from ecredit.logistics import services
from ecredit.logistics.models import Scan, ScanState, Waybill
from ecredit.policy.logistics_rules import STATES


RULES = policy.current().logistics
VOCABULARIES = {code: RULES.vocabulary(code) for code in RULES.vocabularies}
ALL_CODES = [(v, code) for v, version in VOCABULARIES.items() for code in version.codes]
_numbers = itertools.count(1)


def test_our_states_are_the_policy_states():
    assert tuple(ScanState.values) == STATES


@pytest.mark.parametrize("code, expected", [("0", "in_transit"), ("1", "accepted"), ("2", "problem"),
                                            ("3", "signed"), ("4", "returned"), ("5", "out_for_delivery"),
                                            ("6", "returned"), ("7", "in_transit"), ("14", "refused")])
def test_aggregator_codes(code, expected):
    assert VOCABULARIES["aggregator"].state_of(code) == expected


@pytest.mark.parametrize("code, expected", [
    ("ACCEPT", "accepted"), ("GOT", "accepted"), ("ARRIVAL", "arrived"), ("DEPARTURE", "departed"),
    ("SENT", "out_for_delivery"), ("INBOUND", "arrived"), ("SIGNED", "signed"), ("OUTBOUND", "departed"),
    ("SIGNFAIL", "problem"), ("RETURN", "returned"), ("ISSUE", "problem"), ("REJECTION", "refused")])
def test_carrier_action_words(code, expected):
    assert VOCABULARIES["carrier_action"].state_of(code) == expected


@given(st.sampled_from(ALL_CODES), st.sampled_from([str.lower, str.upper, str.strip, lambda s: f"  {s} "]))
def test_every_code_maps_whatever_its_case_and_spacing(pair, change):
    vocabulary, code = pair
    state = VOCABULARIES[vocabulary].state_of(change(code))
    assert state == VOCABULARIES[vocabulary].codes[code].state and state in STATES


@given(st.sampled_from(sorted(VOCABULARIES)), st.text(min_size=1, max_size=12))
def test_anything_else_is_not_a_code(vocabulary, text):
    version = VOCABULARIES[vocabulary]
    known = {c.strip().upper() for c in version.codes}
    if text.strip().upper() not in known:
        assert version.state_of(text) is None




def steps_in(vocabulary: str):
    """Up to 8 scans at distinct hours, in states the vocabulary can say."""
    said = sorted({code.state for code in VOCABULARIES[vocabulary].codes.values()})
    return st.lists(st.tuples(st.integers(0, 72), st.sampled_from(said)), min_size=1, max_size=8,
                    unique_by=lambda step: step[0])


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), order=st.randoms(use_true_random=False), split=st.integers(1, 4),
       vocabulary=st.sampled_from(sorted(VOCABULARIES)))
def test_the_waybill_state_is_its_latest_scans_in_any_order_and_batching(carrier, data, order, split,
                                                                          vocabulary):
    steps = data.draw(steps_in(vocabulary))
    # The fixture's carrier is shared by the examples (hypothesis runs them in one test): numbers differ.
    number = f"HY{next(_numbers):010d}"
    start = dt.datetime(2026, 3, 1, 8, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    codes = {}
    for c, code in VOCABULARIES[vocabulary].codes.items():
        codes.setdefault(code.state, c)
    rows = [{"waybill_no": number, "time": (start + dt.timedelta(hours=h)).isoformat(), "state": codes[state],
             "station": f"站{h}", "region": "320613" if h < 36 else "110101"} for h, state in steps]
    shuffled = rows + rows[: len(rows) // 2]          # some scans sent twice
    order.shuffle(shuffled)
    size = max(1, len(shuffled) // split)
    for begin in range(0, len(shuffled), size):
        batch = services.submit_scans(shuffled[begin:begin + size], carrier.principal, vocabulary=vocabulary)
        assert not batch.errors
    item = Waybill.objects.get(carrier=carrier.subject, waybill_no=number)
    ordered = sorted(steps)
    assert item.state == ordered[-1][1]
    assert item.scans_count == len(steps) == Scan.objects.filter(waybill=item).count()
    accepted = next((h for h, s in ordered if s == "accepted"), ordered[0][0])
    assert item.accepted_at == start + dt.timedelta(hours=accepted)
    signed = next((h for h, s in ordered if s == "signed"), None)
    assert item.signed_at == (start + dt.timedelta(hours=signed) if signed is not None else None)
    assert item.signed_region == ("" if signed is None else "320613" if signed < 36 else "110101")

