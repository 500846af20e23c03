"""CSV files arrive in whatever encoding a department's spreadsheet saved: each one a user sends must read back."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ecredit.kit.text import decode_csv_bytes

# Text a department's CSV holds: Chinese names and addresses, digits, punctuation, commas and newlines.
cells = st.text(alphabet=st.sampled_from(list("南通市崇川区甲乙丙商贸有限公司投诉举报，。；：（）0123456789ABCX-_ ,\n\"·")),
                max_size=80)


@given(cells, st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"]))
def test_a_file_saved_in_any_usual_encoding_reads_back(text, encoding):
    assert decode_csv_bytes(text.encode(encoding)) == text


def test_bytes_in_no_usual_encoding_are_refused_not_garbled():
    assert decode_csv_bytes(b"\x81\x30\x81") is None    # an incomplete GB18030 four-byte sequence
