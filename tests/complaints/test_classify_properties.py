"""Properties of the complaint classifier over arbitrary text: it never raises, always names a known category
with a confidence in [0, 1], answers the same twice, and says "other" when there is nothing to read."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from ecredit import policy
from ecredit.complaints.classify import classify, department_for

CATEGORIES = set(policy.current().complaint_categories.categories)
DEPARTMENTS = {d.code for d in policy.current().departments.departments}
KEYWORDS = sorted({word for versions in policy.current().complaint_categories.categories.values()
                   for version in versions for word in version.keywords})

# Arbitrary unicode, and text that mixes category keywords with noise (so that rules and scores are reached).
noisy = st.lists(st.one_of(st.sampled_from(KEYWORDS), st.text(max_size=6)), max_size=12).map("".join)
texts = st.one_of(st.text(max_size=300), noisy)
days = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31))


@settings(max_examples=300, deadline=None)
@given(text=texts, on=st.one_of(st.none(), days))
def test_any_text_gets_a_known_category_and_a_bounded_confidence_deterministically(text, on):
    first = classify(text, on=on)
    assert first.category in CATEGORIES
    assert 0.0 <= first.confidence <= 1.0
    assert first.method in {"rule", "keywords", "default"}
    assert (first.method == "default") == (first.matched == ())
    assert (first.method == "default") <= (first.category == "other" and first.confidence == 0.0)
    assert classify(text, on=on) == first
    assert department_for(first.category, on=on) in DEPARTMENTS


@given(space=st.text(alphabet=" \t\r\n\u3000\u00a0\u2003", max_size=40))
def test_empty_or_blank_text_is_other(space):
    result = classify(space)
    assert (result.category, result.method, result.confidence) == ("other", "default", 0.0)


@given(text=noisy)
def test_surrounding_blanks_do_not_change_the_category(text):
    assert classify(f"  {text}\n").category == classify(text).category
