"""Borrowed names and missing licences: rules over names, categories, licences and payment channels.

* ``borrowed_name`` (R1.7) – a shop or operator whose name closely matches a registered organisation it is
  not linked to. Names are first normalised (`normalise_name`): full width folded to half width (NFKC),
  lower case, punctuation and spaces dropped, bracketed regions and legal forms dropped, legal-form and
  shop suffixes (有限公司, 个体工商户, 旗舰店 …) and region prefixes (江苏, 南通市 …) stripped. A fast
  blocking step finds candidates: organisations sharing a character bigram or a pinyin-syllable bigram
  that is not common (held by at most `max_df` organisations), or the same normalised name. Each
  candidate is scored 1 − edit distance / length, on characters or on pinyin syllables (a homophone
  scores as the same name), and the score is the lowest of the whole name's, the trade name's (the
  name before its industry word: 华美 in 华美服饰) and, when both names end in different industry words,
  the industry words' similarity: 华美电子商务 and 华泰电子商务, which share five of six characters, score
  0.5, and so do 安大丽农业 and 安大丽鞋业 (a trade name is protected within its industry only). Pairs
  scoring at least `threshold` (0.8) hit, unless the subject is linked to that organisation, or to
  another organisation its name matches at least as well (a shop named after its own operator is
  explained by that link, whoever else shares the name).
* ``missing_licence`` (R1.3) – a shop sells a key-goods category (food, drugs, medical devices …) without
  a licence of the required type, valid on the check date, held by the shop or its operator.
* ``unlicensed_payment`` (R3.3) – a shop takes payment through a channel that is not a licensed payment
  institution (or whose licence is not valid on the check date).

Hits are `NameHit`s naming their rule, with a score, a reason in plain words and the evidence. The same
input gives the same hits in the same order.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import numpy as np

__all__ = ["INDUSTRY_WORDS", "LEGAL_FORMS", "Licence", "NameHit", "REGIONS", "borrowed_names",
           "missing_licences", "name_similarity", "normalise_name", "trade_name", "unlicensed_channels"]

# Legal forms and shop suffixes, stripped from the end of a name (longest first).
LEGAL_FORMS = ("股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "分公司", "总公司", "公司", "集团",
               "个体工商户", "个人独资企业", "合伙企业", "企业", "官方旗舰店", "旗舰店", "专营店", "专卖店",
               "官方店", "企业店", "直营店", "网店", "小店", "分店", "商行", "经营部", "门市部", "工作室",
               "合作社", "厂", "店", "co", "ltd", "limited", "inc", "company")

# Regions stripped from the front of a name (and dropped when bracketed), each also with 省/市/区/县.
REGIONS = ("中国", "江苏", "南通", "崇川", "港闸", "通州", "海门", "海安", "如皋", "如东", "启东", "苏州",
           "南京", "无锡", "常州", "扬州", "镇江", "泰州", "盐城", "淮安", "宿迁", "徐州", "连云港", "上海",
           "北京", "天津", "重庆", "浙江", "杭州", "宁波", "温州", "义乌", "金华", "安徽", "合肥", "山东",
           "济南", "青岛", "临沂", "广东", "广州", "深圳", "东莞", "佛山", "福建", "福州", "厦门", "泉州",
           "河北", "河南", "郑州", "湖北", "武汉", "湖南", "长沙", "四川", "成都", "陕西", "西安", "江西",
           "南昌", "辽宁", "沈阳", "大连", "吉林", "长春", "黑龙江", "哈尔滨", "山西", "太原", "云南",
           "昆明", "贵州", "贵阳", "广西", "南宁", "海南", "海口", "甘肃", "兰州", "青海", "宁夏", "新疆",
           "西藏", "内蒙古", "香港", "澳门", "台湾")
_REGION_SUFFIXES = ("特别行政区", "自治区", "省", "市", "区", "县")

# Industry words closing a name (before its legal form); what comes before is the trade name (字号).
INDUSTRY_WORDS = ("电子商务", "网络科技", "信息技术", "生物科技", "科技", "商贸", "贸易", "服饰", "服装", "女装",
                  "男装", "童装", "鞋业", "箱包", "食品", "农业", "农产品", "电子", "数码", "电器", "家居",
                  "家纺", "家具", "建材", "五金", "母婴", "母婴用品", "化妆品", "日用品", "百货", "超市",
                  "实业", "投资", "文化传媒", "传媒", "文化", "医药", "药业", "药房", "大药房", "珠宝",
                  "茶业", "茶叶", "酒业", "玩具", "物流", "供应链", "餐饮", "水产", "果业", "生鲜",
                  "工艺品", "纺织", "印染", "机械", "汽配", "宠物用品", "体育用品", "户外用品")

_LEGAL = tuple(sorted({f.lower() for f in LEGAL_FORMS}, key=len, reverse=True))
_INDUSTRY = tuple(sorted(INDUSTRY_WORDS, key=len, reverse=True))
_BRACKETS = re.compile(r"[(\[{【〔（](.*?)[)\]}】〕）]")


def _region_words(regions: Iterable[str]) -> tuple[str, ...]:
    words = {r for r in regions}
    words |= {r + s for r in regions for s in _REGION_SUFFIXES}
    return tuple(sorted(words, key=len, reverse=True))


_DEFAULT_REGION_WORDS = _region_words(REGIONS)


def _keep(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LN"


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).lower())


def _strip_once(text: str, region_words: tuple[str, ...]) -> str:
    def bracket(m: re.Match) -> str:
        inner = "".join(ch for ch in m.group(1) if _keep(ch))
        rest = inner
        while rest:  # 江苏省南通市: regions all the way
            word = next((r for r in region_words if rest.startswith(r)), None)
            if word is None:
                break
            rest = rest[len(word):]
        return "" if not rest or inner in _LEGAL else inner

    text = _BRACKETS.sub(bracket, text)
    text = "".join(ch for ch in text if _keep(ch))
    for form in _LEGAL:
        if text.endswith(form) and len(text) - len(form) >= 2:
            return text[: -len(form)]
    for region in region_words:
        if text.startswith(region) and len(text) - len(region) >= 2:
            return text[len(region):]
    return text


def normalise_name(name: object, regions: Iterable[str] | None = None) -> str:
    """A name reduced to what tells organisations apart: 江苏省南通市华美服饰有限公司, 华美服饰（南通）
    旗舰店, 南通华美服饰股份有限公司 and 华美服饰 · 官方旗舰店 all give 华美服饰. Folds width and case, drops
    punctuation and spaces, drops bracketed regions and legal forms, and strips legal forms and shop
    suffixes from the end and regions from the front while at least two characters remain. Idempotent:
    stripping is repeated until nothing changes."""
    if name is None:
        return ""
    words = _DEFAULT_REGION_WORDS if regions is None else _region_words(regions)
    text = _fold(str(name))
    while True:
        stripped = _fold(_strip_once(text, words))
        if stripped == text:
            return text
        text = stripped


def trade_name(normalised: str) -> str:
    """The trade name (字号) of a normalised name: the name before its closing industry word, when at
    least one character precedes it (华美服饰 -> 华美); else the whole name."""
    for word in _INDUSTRY:
        if normalised.endswith(word) and len(normalised) > len(word):
            return normalised[: -len(word)]
    return normalised


@lru_cache(maxsize=65_536)
def _syllable(ch: str) -> str:
    from pypinyin import Style, lazy_pinyin  # loads its dictionary on first use only

    return lazy_pinyin(ch, style=Style.NORMAL, errors="default")[0] if "\u3400" <= ch <= "\u9fff" else ch


def _syllables(text: str) -> tuple[str, ...]:
    return tuple(_syllable(ch) for ch in text)


def _distance(a: tuple | str, b: tuple | str) -> int:
    """Levenshtein distance between two short sequences."""
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        cur = [i]
        for j, y in enumerate(b, start=1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def _sim(a: tuple | str, b: tuple | str) -> float:
    longest = max(len(a), len(b))
    return 1.0 - _distance(a, b) / longest if longest else 0.0


def name_similarity(a: str, b: str) -> tuple[float, str]:
    """Score in [0, 1] of two normalised names, and the reason in words (see the module notes): the lower
    of the whole names' and the trade names' similarity, each the better of characters and sounds."""
    if not a or not b:
        return 0.0, "empty name"
    if a == b:
        return 1.0, "same name once region, legal form and punctuation are set aside"
    ta, tb = trade_name(a), trade_name(b)
    whole_c, whole_p = _sim(a, b), _sim(_syllables(a), _syllables(b))
    trade_c, trade_p = _sim(ta, tb), _sim(_syllables(ta), _syllables(tb))
    whole, trade = max(whole_c, whole_p), max(trade_c, trade_p)
    score = min(whole, trade)
    ia, ib = a[len(ta):], b[len(tb):]
    if ia and ib and ia != ib:  # another industry: a trade name is only protected within its industry
        industry = max(_sim(ia, ib), _sim(_syllables(ia), _syllables(ib)))
        if industry < score:
            return industry, f"same or similar trade name in another industry ({ia}, {ib})"
    by_sound = whole_p > whole_c or trade_p > trade_c
    if by_sound and _syllables(a) == _syllables(b):
        return score, "same name in sound (homophone characters)"
    d = _distance(a, b)
    words = f"{d} characters differ" if d != 1 else "1 character differs"
    return score, words + (" (some alike in sound)" if by_sound else "")


def _grams(text: str) -> set[str]:
    """Blocking keys of a normalised name: its character bigrams and pinyin-syllable bigrams (the name
    itself when it has one character)."""
    syl = _syllables(text)
    if len(text) < 2:
        return {text, f"{syl[0]}|"} if text else set()
    return ({text[i:i + 2] for i in range(len(text) - 1)}
            | {f"{syl[i]}|{syl[i + 1]}" for i in range(len(syl) - 1)})


@dataclass(frozen=True)
class NameHit:
    """One hit of a name or licence rule: `rule`, the `subject` (shop or operator id) it is about, a
    `score` in [0, 1] (1 for the plain rules), a `reason` in words and JSON-ready `evidence`."""

    rule: str
    subject: Any
    score: float
    reason: str
    evidence: dict = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "subject": self.subject, "score": self.score, "reason": self.reason,
                "evidence": self.evidence}


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def borrowed_names(subjects: Iterable, subject_names: Iterable[str], organisations: Iterable,
                   organisation_names: Iterable[str], *, links: Iterable[tuple[Any, Any]] = (),
                   threshold: float = 0.8, max_df: int | None = None, max_candidates: int = 200,
                   regions: Iterable[str] | None = None) -> list[NameHit]:
    """Subjects (shops or operators: ids and names, parallel) whose name matches a registered
    organisation (ids and names, parallel) they are not linked to. `links` are (subject, organisation)
    pairs: the shop's operator, an authorised brand owner. `max_df` (default: 0.5 % of organisations, at
    least 20) is how many organisations a bigram may belong to and still block; at most
    `max_candidates` candidates per subject (those sharing most bigrams) are scored. Hits come per
    subject in input order, best score first; evidence names the organisation and both normalised names."""
    sub_ids, sub_names = list(subjects), [str(n) for n in subject_names]
    org_ids, org_names = list(organisations), [str(n) for n in organisation_names]
    if len(sub_ids) != len(sub_names) or len(org_ids) != len(org_names):
        raise ValueError("ids and names must be parallel")
    norm = lru_cache(maxsize=None)(lambda n: normalise_name(n, regions))
    org_norm = [norm(n) for n in org_names]
    org_index = {o: i for i, o in enumerate(org_ids)}
    linked: dict[Any, set[int]] = defaultdict(set)
    for s, o in links:
        if o in org_index:
            linked[s].add(org_index[o])

    postings: dict[str, list[int]] = defaultdict(list)
    exact: dict[str, list[int]] = defaultdict(list)
    for i, n in enumerate(org_norm):
        if n:
            exact[n].append(i)
            for g in _grams(n):
                postings[g].append(i)
    cap = max_df if max_df is not None else max(20, len(org_ids) // 200)

    hits: list[NameHit] = []
    for s_id, s_name in zip(sub_ids, sub_names):
        n = norm(s_name)
        if not n:
            continue
        shared: dict[int, int] = defaultdict(int)
        for g in _grams(n):
            post = postings.get(g, ())
            if len(post) <= cap:
                for i in post:
                    shared[i] += 1
        for i in exact.get(n, ()):
            shared[i] += 1_000
        own = linked.get(s_id, set())
        for i in own:
            shared[i] += 1_000_000  # always scored: the link may explain the name
        ranked = sorted(shared.items(), key=lambda kv: (-kv[1], kv[0]))[:max_candidates]
        scored = [(i, *name_similarity(n, org_norm[i])) for i, _ in ranked]
        explained = max((sc for i, sc, _ in scored if i in own), default=-1.0)
        found = [(i, sc, why) for i, sc, why in scored
                 if sc >= threshold and i not in own and sc > explained]
        found.sort(key=lambda t: (-t[1], t[0]))
        for i, sc, why in found:
            hits.append(NameHit("borrowed_name", _plain(s_id), round(sc, 4), why, {
                "name": s_name, "organisation": _plain(org_ids[i]), "organisation_name": org_names[i],
                "normalised": n, "organisation_normalised": org_norm[i], "threshold": threshold,
                "linked_to": sorted((_plain(org_ids[j]) for j in own), key=str),
                "linked_score": round(explained, 4) if own else None}))
    return hits


# --- licences --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Licence:
    """A licence held by a shop or operator (`holder`): its type (`kind`, e.g. 食品经营许可证), number
    and validity (dates, datetimes, ISO text or datetime64; None is open-ended)."""

    holder: Any
    kind: str
    number: str = ""
    valid_from: Any = None
    valid_until: Any = None
    revoked: bool = False


def _day(value: Any) -> np.datetime64 | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return np.datetime64(value.isoformat(), "D")
    day = np.datetime64(value, "D")
    return None if np.isnat(day) else day


def _pairs(table: Mapping | Iterable) -> list[tuple[Any, Any]]:
    if isinstance(table, Mapping):
        out = []
        for key, values in table.items():
            if isinstance(values, str) or not isinstance(values, Iterable):
                values = [values]
            out.extend((key, v) for v in values)
        return out
    return [(a, b) for a, b in table]


def _licence_state(lic: Licence, on: np.datetime64) -> str | None:
    """Why a licence is not valid on `on`, or None when it is."""
    if lic.revoked:
        return "revoked"
    start, end = _day(lic.valid_from), _day(lic.valid_until)
    if start is not None and on < start:
        return f"not valid before {start}"
    if end is not None and on > end:
        return f"expired on {end}"
    return None


def missing_licences(categories: Mapping | Iterable[tuple[Any, Any]], required: Mapping[Any, Any],
                     licences: Iterable[Licence], *, on: Any,
                     operators: Mapping[Any, Any] | None = None) -> list[NameHit]:
    """Shops selling a key-goods category without a valid licence (R1.3).

    `categories`: shop -> categories sold (a mapping, or (shop, category) pairs); `required`: category ->
    the licence type it needs (or several types, any of which will do); categories not in `required`
    need none. `licences` are held by shops or operators; `operators` maps a shop to its operator, whose
    licences count for the shop. One hit per shop and category, in input order, with the licences of the
    required types that were found and why each is not valid on `on`."""
    day = _day(on)
    if day is None:
        raise ValueError("a check date is required")
    held: dict[Any, list[Licence]] = defaultdict(list)
    for lic in licences:
        held[lic.holder].append(lic)
    operators = operators or {}
    hits, seen = [], set()
    for shop, category in _pairs(categories):
        if (shop, category) in seen or category not in required:
            continue
        seen.add((shop, category))
        kinds = required[category]
        kinds = [kinds] if isinstance(kinds, str) or not isinstance(kinds, Iterable) else list(kinds)
        candidates = [lic for holder in (shop, operators.get(shop)) if holder is not None
                      for lic in held.get(holder, ()) if lic.kind in kinds]
        states = [(lic, _licence_state(lic, day)) for lic in candidates]
        if any(state is None for _, state in states):
            continue
        reason = ("no licence of the required type" if not states else
                  "licence " + "; ".join(sorted({s for _, s in states if s})))
        hits.append(NameHit("missing_licence", _plain(shop), 1.0, reason, {
            "category": _plain(category), "required": kinds, "on": str(day),
            "operator": _plain(operators.get(shop)),
            "licences": [{"holder": _plain(lic.holder), "kind": lic.kind, "number": lic.number,
                          "valid_from": None if _day(lic.valid_from) is None else str(_day(lic.valid_from)),
                          "valid_until": None if _day(lic.valid_until) is None
                          else str(_day(lic.valid_until)),
                          "revoked": lic.revoked, "problem": state} for lic, state in states]}))
    return hits


def unlicensed_channels(usage: Mapping | Iterable[tuple[Any, Any]], licensed: Mapping | Iterable[str], *,
                        on: Any = None, threshold: float = 0.8,
                        regions: Iterable[str] | None = None) -> list[NameHit]:
    """Payment channels used by shops that are not licensed payment institutions (R3.3).

    `usage`: shop -> channels (a mapping, or (shop, channel) pairs). `licensed`: names of licensed
    institutions, or a mapping name -> licence end (None: open-ended; checked against `on` when given).
    A channel is licensed when its normalised name equals, or is the start of, a licensed institution's
    normalised name (财付通 for 财付通支付科技有限公司), or the other way round. An unlicensed channel that
    resembles a licensed one, as a whole or its start (score ≥ `threshold`: 财富通 sounds like 财付通),
    says so: a look-alike is worse than an unknown."""
    ends = dict(licensed) if isinstance(licensed, Mapping) else {name: None for name in licensed}
    day = _day(on)
    table = [(name, normalise_name(name, regions), _day(end)) for name, end in ends.items()]

    def match(channel: str) -> tuple[str, np.datetime64 | None] | None:
        n = normalise_name(channel, regions)
        for name, ln, end in table:
            if n and ln and (n == ln or (len(n) >= 2 and ln.startswith(n))
                             or (len(ln) >= 2 and n.startswith(ln))):
                return name, end
        return None

    hits, seen = [], set()
    for shop, channel in _pairs(usage):
        if (shop, channel) in seen:
            continue
        seen.add((shop, channel))
        found = match(str(channel))
        if found is not None:
            name, end = found
            if day is None or end is None or day <= end:
                continue
            hits.append(NameHit("unlicensed_payment", _plain(shop), 1.0, f"licence expired on {end}",
                                {"channel": _plain(channel), "institution": name, "on": str(day)}))
            continue
        n = normalise_name(str(channel), regions)
        # Against the whole name and against its start as long as the channel (the brand: 财付通).
        near = max(((max(name_similarity(n, ln)[0], name_similarity(n, ln[:len(n)])[0]), name)
                    for name, ln, _ in table), default=(0.0, None))
        if near[0] >= threshold:
            reason, like = f"not licensed; resembles {near[1]}", near[1]
        else:
            reason, like = "not a licensed payment institution", None
        hits.append(NameHit("unlicensed_payment", _plain(shop), 1.0, reason, {
            "channel": _plain(channel), "resembles": like, "similarity": round(near[0], 4)}))
    return hits
