"""Text helpers for search: normalising what people type, and pinyin initials of Chinese names."""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_SPACE = re.compile(r"\s+")
_LETTERS = re.compile(r"[^a-z0-9]")


def normalise_query(text: object, max_length: int = 60) -> str:
    """What a search box received, made safe to match: full-width folded (NFKC), control and
    invisible characters dropped, whitespace collapsed, cut to `max_length` characters."""
    if text is None:
        return ""
    value = unicodedata.normalize("NFKC", str(text))
    value = _CONTROL.sub("", value)
    return _SPACE.sub(" ", value).strip()[:max_length]


def pinyin_initials(name: str) -> str:
    """Lower-case pinyin initials of a name, letters and digits kept: 南通市某某商贸有限公司 -> ntsmmsmyxgs.
    Polyphonic characters take their most common reading (pypinyin's default), which is what users type."""
    from pypinyin import Style, lazy_pinyin   # loads its dictionary on first use only

    if not name:
        return ""
    letters = lazy_pinyin(unicodedata.normalize("NFKC", name), style=Style.FIRST_LETTER, errors="default")
    return _LETTERS.sub("", "".join(letters).lower())[:200]


def looks_like_initials(query: str) -> bool:
    """True when a query is plain Latin letters, which people type as pinyin initials (2 to 30 of them)."""
    return bool(re.fullmatch(r"[A-Za-z]{2,30}", query))


def decode_csv_bytes(data: bytes) -> str | None:
    """Text of a CSV file as departments save them: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030
    (which covers GBK and GB2312); None when it is none of these."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    try:
        utf8 = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        utf8 = None
    if utf8 is not None and not _MISREAD.search(utf8):
        return utf8
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        return utf8


# GBK bytes of Chinese text are sometimes valid UTF-8 as well, and then read as Latin, Greek, Cyrillic or
# combining letters (贸 -> ó, 通 -> U+0368), which a Chinese spreadsheet does not hold, apart from the few
# signs excepted here (the middle dot of transcribed names, ×, °, ± …).
_MISREAD = re.compile("(?![·×÷°±²³µ¼½¾])[\u0080-\u07ff]")
