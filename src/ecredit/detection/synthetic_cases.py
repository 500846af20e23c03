"""Generated, labelled cases for the rule detectors: parcels (genuine deliveries and each kind of empty
parcel) and names (genuine names, borrowed look-alikes and legitimately different companies with similar
words), plus small licence and payment-channel cases. Seeded, so tests and `bench/detection.py` measure
precision and recall on the same cases every run.

Genuine data is not spotless on purpose: a few genuine parcels lose a scan or their scanned weight, some
orders of one buyer at one shop share a waybill (a merged shipment), and some goods are too light to
judge by weight; the names include companies that share a trade name across industries or an industry
word and one character of a trade name. These are what a rule must not flag.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["CITIES", "FAKE_KINDS", "KEY_CATEGORIES", "LICENSED_PAYMENT", "LicenceCases", "NameCases",
           "ParcelCases", "PaymentCases", "licence_cases", "name_cases", "parcel_cases", "payment_cases"]

_HOUR = 3600.0
_DAY = 86_400.0
_EPOCH = 1_704_067_200  # 2024-01-01T00:00:00Z

CITIES = ("南通", "上海", "苏州", "南京", "杭州", "无锡", "常州", "扬州", "合肥", "北京", "广州", "深圳",
          "成都", "武汉", "西安", "郑州", "义乌", "泉州", "临沂", "金华")

FAKE_KINDS = ("no_hub_scan", "too_fast", "light_weight", "reused_waybill", "created_before_payment",
              "origin_mismatch")


@dataclass(frozen=True, eq=False)
class ParcelCases:
    """Tables in the shape `find_empty_parcels` takes, and a label per waybill row: "genuine" or the kind
    of empty parcel planted there (named after the rule meant to catch it). Times are seconds."""

    orders: dict[str, np.ndarray]
    waybills: dict[str, np.ndarray]
    scans: dict[str, np.ndarray]
    warehouses: dict[Any, str]
    labels: np.ndarray

    @property
    def fake(self) -> np.ndarray:
        return self.labels != "genuine"


def parcel_cases(n_orders: int = 20_000, *, fake_rate: float = 0.06, n_cities: int = 12,
                 n_shops: int | None = None, days: int = 60, noise: float = 0.01, merged: float = 0.02,
                 known_warehouses: float = 0.5, seed: int = 0) -> ParcelCases:
    """`n_orders` orders (about 6 scans each: 170 000 orders make 10**6 scans), a `fake_rate` share of
    them empty parcels, their kinds drawn evenly from the six rules. `noise` is the share of genuine
    parcels losing one in-between scan and, separately, their scanned weight; `merged` the share of
    orders that ship on the waybill of the same buyer's earlier order at the same shop. Warehouses are
    given for a `known_warehouses` share of shops (the rule learns the others)."""
    rng = np.random.default_rng(seed)
    n_cities = min(n_cities, len(CITIES))
    cities = np.array(CITIES[:n_cities])
    xy = rng.random((n_cities, 2)) * 3.0
    # Typical days from city a to b: half a day in town, more with distance.
    base = 0.5 + np.linalg.norm(xy[:, None, :] - xy[None, :, :], axis=2)
    n_shops = n_shops or max(n_orders // 100, 5)
    shop_city = np.where(rng.random(n_shops) < 0.4, 0, rng.integers(0, n_cities, n_shops))
    n = n_orders

    shop = rng.integers(0, n_shops, n)
    buyer = rng.integers(0, max(n // 3, 1), n)
    paid = _EPOCH + np.sort(rng.random(n)) * days * _DAY
    goods = np.round(np.exp(rng.normal(np.log(0.8), 0.9, n)), 3)
    dest = rng.integers(0, n_cities, n)
    origin = shop_city[shop].copy()

    kind = np.full(n, "genuine", dtype=object)
    n_fake = int(round(fake_rate * n))
    fake_idx = rng.choice(np.arange(n // 10, n), size=n_fake, replace=False)  # reuse needs earlier orders
    kind[fake_idx] = np.array(FAKE_KINDS, dtype=object)[rng.integers(0, len(FAKE_KINDS), n_fake)]

    def pick(name: str) -> np.ndarray:
        return np.flatnonzero(kind == name)

    # Merged shipments: an order following the same buyer's order at the same shop within a day.
    genuine = np.flatnonzero(kind == "genuine")
    follow = rng.choice(genuine[genuine > 0], size=int(merged * n), replace=False)
    follow.sort()
    lead = follow - 1
    ok = kind[lead] == "genuine"
    follow, lead = follow[ok], lead[ok]
    follow = follow[~np.isin(follow, lead)]  # a lead is not itself following
    lead = follow - 1
    buyer[follow], shop[follow], dest[follow] = buyer[lead], shop[lead], dest[lead]
    origin[follow] = origin[lead]
    paid[follow] = paid[lead] + rng.random(len(follow)) * 12 * _HOUR

    # Fakes of a route kind go between two cities; wrong origins come from another city.
    inter = np.concatenate([pick("no_hub_scan"), pick("too_fast")])
    clash = dest[inter] == origin[inter]
    dest[inter[clash]] = (origin[inter[clash]] + 1 + rng.integers(0, n_cities - 1, clash.sum())) % n_cities
    wrong = pick("origin_mismatch")
    origin[wrong] = (shop_city[shop[wrong]] + 1 + rng.integers(0, n_cities - 1, len(wrong))) % n_cities
    light = pick("light_weight")
    goods[light] = np.maximum(goods[light], np.round(0.5 + rng.random(len(light)), 3))

    # Waybills: created after payment, weighing the goods and their packing.
    created = paid + (0.2 + rng.random(n) * 36) * _HOUR
    early = pick("created_before_payment")
    created[early] = paid[early] - (1 + rng.random(len(early)) * 47) * _HOUR
    created[lead] = np.maximum(created[lead], paid[follow] + 0.5 * _HOUR)  # merged: after both payments
    pickup = np.maximum(created, paid) + (1 + rng.random(n) * 11) * _HOUR
    weight = np.round(goods * (1.0 + 0.3 * rng.random(n)) + 0.05, 3)
    weight[light] = np.round(0.01 + 0.07 * rng.random(len(light)), 3)
    scanned = weight.copy()
    scanned[rng.random(n) < noise] = np.nan
    transit = base[origin, dest] * np.exp(rng.normal(0, 0.2, n)) * _DAY
    fast = pick("too_fast")
    transit[fast] = base[origin[fast], dest[fast]] * (0.05 + 0.2 * rng.random(len(fast))) * _DAY
    waybill = np.char.add("YT", np.char.zfill((rng.permutation(10 * n)[:n] + 10 ** 9).astype(str), 12))
    waybill = waybill.astype(object)
    waybill[follow] = waybill[lead]
    weight[lead] = np.round(weight[lead] + goods[follow] * (1.0 + 0.3 * rng.random(len(follow))), 3)
    scanned[lead] = np.where(np.isfinite(scanned[lead]), weight[lead], np.nan)
    created[follow], weight[follow], scanned[follow] = created[lead], weight[lead], scanned[lead]

    # Reused waybills: a fake order takes the number of an earlier genuine order's waybill at another shop.
    reused = pick("reused_waybill")
    donors = np.flatnonzero(kind == "genuine")
    donor = donors[np.minimum(np.searchsorted(donors, reused) - 1 - rng.integers(0, 50, len(reused)),
                              len(donors) - 1).clip(0)]
    waybill[reused] = waybill[donor]
    created[reused], weight[reused], scanned[reused] = created[donor], weight[donor], scanned[donor]
    same_shop = shop[reused] == shop[donor]
    shop[reused[same_shop]] = (shop[reused[same_shop]] + 1) % n_shops

    # Scans: one set per waybill (not per row), from the row that owns the waybill.
    owns = np.ones(n, dtype=bool)
    owns[follow] = False
    owns[reused] = False
    w = np.flatnonzero(owns)
    no_hub = kind[w] == "no_hub_scan"
    same = origin[w] == dest[w]
    t0, T = pickup[w], transit[w]
    o_c, d_c = origin[w], dest[w]
    # Template: (fraction of transit, at origin?, kind).
    full = [(0.0, True, "accepted"), (0.15, True, "hub"), (0.3, True, "in_transit"), (0.7, False, "hub"),
            (0.9, False, "out_for_delivery"), (1.0, False, "signed")]
    town = [(0.0, True, "accepted"), (0.3, True, "hub"), (0.8, False, "out_for_delivery"),
            (1.0, False, "signed")]
    bare = [(0.0, True, "accepted"), (1.0, False, "signed")]
    parts = []
    for template, sel in ((full, ~no_hub & ~same), (town, ~no_hub & same), (bare, no_hub)):
        idx = np.flatnonzero(sel)
        frac = np.array([f for f, _, _ in template])
        at_o = np.array([a for _, a, _ in template])
        kinds = np.array([k for _, _, k in template], dtype=object)
        k = len(template)
        times = t0[idx, None] + frac[None, :] * T[idx, None] + rng.random((len(idx), k)) * 600
        times[:, -1] = t0[idx] + T[idx] + 600  # signature last
        city = np.where(at_o[None, :], o_c[idx, None], d_c[idx, None])
        keep = np.ones((len(idx), k), dtype=bool)
        if k > 2:  # noise: a genuine parcel loses one in-between scan
            lose = (rng.random(len(idx)) < noise) & (kind[w[idx]] == "genuine")
            keep[np.flatnonzero(lose), rng.integers(1, k - 1, lose.sum())] = False
        parts.append((np.repeat(waybill[w[idx]], k).reshape(-1, k)[keep], times[keep], city[keep],
                      np.broadcast_to(kinds, (len(idx), k))[keep]))
    perm = rng.permutation(sum(len(p[0]) for p in parts))
    scans = {"waybill_no": np.concatenate([p[0] for p in parts]).astype(str)[perm],
             "time": np.round(np.concatenate([p[1] for p in parts]))[perm].astype(np.int64),
             "city": cities[np.concatenate([p[2] for p in parts])][perm],
             "kind": np.concatenate([p[3] for p in parts]).astype(str)[perm]}
    order_ids = np.char.add("O", np.arange(1, n + 1).astype(str))
    orders = {"order_id": order_ids, "shop": np.char.add("S", shop.astype(str)),
              "buyer": np.char.add("B", buyer.astype(str)), "paid_at": np.round(paid).astype(np.int64),
              "goods_weight": goods, "city": cities[dest]}
    waybills = {"waybill_no": waybill.astype(str), "order_id": order_ids,
                "created_at": np.round(created).astype(np.int64), "weight": weight,
                "scanned_weight": scanned, "origin": cities[origin]}
    given = np.flatnonzero(rng.random(n_shops) < known_warehouses)
    warehouses = {f"S{s}": str(cities[shop_city[s]]) for s in given.tolist()}
    return ParcelCases(orders, waybills, scans, warehouses, kind.astype(str))


# --- names -----------------------------------------------------------------------------------------

# Characters common in trade names (字号), many with same-sounding neighbours in the pool.
_TRADE_CHARS = ("华花化美每媚鑫新欣心馨达大通同童盛胜圣晟源元园远荣容融蓉佳家嘉利力立丽兴星宏红鸿弘丰风峰锋"
                "隆龙泰太昌常恒衡祥翔瑞锐睿德得福富顺舜康安金锦博泽天海润豪凯汇惠慧诚成城信宇雨晨辰阳扬洋"
                "明鸣光辉腾飞云雅悦越林琳东冬方芳品优尚百万永勇中正和合乐壹禾田青")
_SURNAMES = "张王李赵刘陈杨黄周吴徐孙朱马胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英玉兰萍建华红梅文斌国庆志兵"
_INDUSTRIES = ("服饰", "商贸", "科技", "食品", "电子", "家居", "母婴用品", "农业", "电子商务", "网络科技", "化妆品",
               "日用品", "茶业", "鞋业", "箱包", "家纺", "五金", "建材", "数码", "玩具")
_ORG_REGIONS = ("南通", "南通市", "江苏", "江苏省南通市", "如皋", "海门", "启东", "苏州", "上海", "杭州", "义乌",
                "", "")
_ORG_FORMS = ("有限公司", "有限责任公司", "股份有限公司", "商行", "（个体工商户）")
_SHOP_SUFFIXES = ("旗舰店", "官方旗舰店", "专营店", "店", "", "专卖店")


@dataclass(frozen=True, eq=False)
class NameCases:
    """Registered organisations, subjects (shops and operators) with links to organisations, and the
    truth: the (subject, organisation) pairs whose name is borrowed. `kinds` says what each subject is:
    genuine (named after its own linked organisation), copy, homophone or altered (borrowed), similar (a
    legitimately different name sharing words with an organisation) or independent."""

    organisations: list[str]
    organisation_names: list[str]
    subjects: list[str]
    subject_names: list[str]
    links: list[tuple[str, str]]
    borrowed: set[tuple[str, str]]
    kinds: dict[str, str] = field(default_factory=dict)


def _syl(text: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return " ".join(lazy_pinyin(text, style=Style.NORMAL))


def name_cases(n_orgs: int = 2000, *, n_genuine: int = 800, n_borrowed: int = 300, n_similar: int = 300,
               n_independent: int = 300, altered: float = 0.1, seed: int = 0) -> NameCases:
    """Organisations named region + trade name + industry + legal form, distinct in sound; subjects:
    `n_genuine` shops linked to their own organisation and named after it; `n_borrowed` look-alikes of an
    organisation they are not linked to (half copy its name under another region, legal form, shop
    suffix or width; half swap one trade-name character for a same-sounding one; of all, an `altered`
    share instead replaces one character by a different-sounding one, a knock-off the similarity is not
    meant to catch on a two-character trade name), half of them linked to a real operator of another
    name; `n_similar` legitimately different names (the same industry and one trade-name character of
    an organisation, the other character differing in sound, or its trade name in another industry),
    half with their own linked organisation; `n_independent` individuals' shops."""
    rng = np.random.default_rng(seed)
    chars = list(dict.fromkeys(_TRADE_CHARS))
    by_sound: dict[str, list[str]] = {}
    for ch in chars:
        by_sound.setdefault(_syl(ch), []).append(ch)

    taken: set[str] = set()  # sounds of (trade name + industry) in use

    def fresh(trade: str, industry: str) -> bool:
        key = _syl(trade + industry)
        if key in taken:
            return False
        taken.add(key)
        return True

    def pick(seq):
        return seq[int(rng.integers(0, len(seq)))]

    def org_name(trade: str, industry: str) -> str:
        return f"{pick(_ORG_REGIONS)}{trade}{industry}{pick(_ORG_FORMS)}"

    def shop_name(trade: str, industry: str) -> str:
        style = int(rng.integers(0, 4))
        if style == 0:
            return f"{trade}{industry}{pick(_SHOP_SUFFIXES)}"
        if style == 1:
            return f"{trade}{industry}（{pick(_ORG_REGIONS[:10])}）{pick(_SHOP_SUFFIXES)}"
        if style == 2:
            return f"{pick(_ORG_REGIONS)}{trade} {industry}·{pick(_SHOP_SUFFIXES)}"
        return org_name(trade, industry)

    orgs: list[tuple[str, str]] = []  # (trade, industry)
    while len(orgs) < n_orgs:
        trade = "".join(pick(chars) for _ in range(2 if rng.random() < 0.8 else 3))
        industry = pick(_INDUSTRIES)
        if fresh(trade, industry):
            orgs.append((trade, industry))
    org_ids = [f"ORG{i}" for i in range(n_orgs)]
    org_names = [org_name(t, ind) for t, ind in orgs]

    subjects, names, links, kinds = [], [], [], {}
    borrowed: set[tuple[str, str]] = set()

    def add(kind: str, name: str, link: str | None = None) -> str:
        sid = f"SUB{len(subjects)}"
        subjects.append(sid)
        names.append(name)
        kinds[sid] = kind
        if link is not None:
            links.append((sid, link))
        return sid

    def new_org(trade: str, industry: str) -> str:
        org_ids.append(f"ORG{len(org_ids)}")
        org_names.append(org_name(trade, industry))
        orgs.append((trade, industry))
        return org_ids[-1]

    for i in rng.choice(n_orgs, size=min(n_genuine, n_orgs), replace=False).tolist():
        add("genuine", shop_name(*orgs[i]), org_ids[i])

    for k, i in enumerate(rng.choice(n_orgs, size=n_borrowed, replace=False).tolist()):
        trade, industry = orgs[i]
        if rng.random() < altered:  # a knock-off: one trade-name character replaced, not by sound
            j = int(rng.integers(0, len(trade)))
            other = pick([c for c in chars if _syl(c) != _syl(trade[j])])
            kind, name = "altered", shop_name(trade[:j] + other + trade[j + 1:], industry)
        elif k % 2 == 0:
            kind, name = "copy", shop_name(trade, industry)
        else:
            spots = [j for j, ch in enumerate(trade) if len(by_sound[_syl(ch)]) > 1]
            if not spots:
                kind, name = "copy", shop_name(trade, industry)
            else:
                j = pick(spots)
                twin = pick([c for c in by_sound[_syl(trade[j])] if c != trade[j]])
                kind, name = "homophone", shop_name(trade[:j] + twin + trade[j + 1:], industry)
        link = None
        if k % 4 in (2, 3):  # a real operator under another name
            while True:
                other = ("".join(pick(chars) for _ in range(2)), pick(_INDUSTRIES))
                if fresh(*other):
                    break
            link = new_org(*other)
        borrowed.add((add(kind, name, link), org_ids[i]))

    made = 0
    while made < n_similar:
        trade, industry = orgs[int(rng.integers(0, n_orgs))]
        if rng.random() < 0.5:  # same industry, one trade character changed, differing in sound
            j = int(rng.integers(0, len(trade)))
            ch = pick(chars)
            if _syl(ch) == _syl(trade[j]):
                continue
            trade = trade[:j] + ch + trade[j + 1:]
        else:  # same trade name, another industry
            industry = pick([x for x in _INDUSTRIES if x != industry and x not in industry
                             and industry not in x])
        if not fresh(trade, industry):
            continue
        link = new_org(trade, industry) if made % 2 == 0 else None
        add("similar", shop_name(trade, industry), link)
        made += 1

    for _ in range(n_independent):
        person = pick(_SURNAMES) + "".join(pick(_GIVEN) for _ in range(int(rng.integers(1, 3))))
        add("independent", f"{person}{pick(_INDUSTRIES)}{pick(('店', '小店', '（个体工商户）', '经营部'))}")
    return NameCases(org_ids, org_names, subjects, names, links, borrowed, kinds)


# --- licences and payment channels ------------------------------------------------------------------

KEY_CATEGORIES = {"食品": "食品经营许可证", "保健食品": "食品经营许可证", "药品": "药品经营许可证",
                  "医疗器械": ("医疗器械经营许可证", "第二类医疗器械经营备案凭证"), "出版物": "出版物经营许可证"}
_PLAIN_CATEGORIES = ("服装", "数码", "家居", "玩具", "箱包")


@dataclass(frozen=True, eq=False)
class LicenceCases:
    """Input of `missing_licences` and the truth: the (shop, category) pairs lacking a valid licence."""

    categories: list[tuple[str, str]]
    required: dict[str, Any]
    licences: list[Any]
    operators: dict[str, str]
    on: str
    missing: set[tuple[str, str]]


def licence_cases(n_shops: int = 500, *, missing_rate: float = 0.15, seed: int = 0) -> LicenceCases:
    """Shops selling one to three categories; for a key category the licence is (with `missing_rate`
    shared evenly) absent, expired, not yet valid, revoked, of the wrong type, or otherwise valid and held
    by the shop or, for a third of shops, by its operator."""
    from ecredit.detection.names import Licence

    rng = np.random.default_rng(seed)
    on = np.datetime64("2025-06-30")
    keys = list(KEY_CATEGORIES)
    cats, lics, ops, missing = [], [], {}, set()
    for s in range(n_shops):
        shop, op = f"S{s}", f"OP{s}"
        ops[shop] = op
        sold = rng.choice(keys + list(_PLAIN_CATEGORIES), size=int(rng.integers(1, 4)), replace=False)
        for c in sold.tolist():
            cats.append((shop, c))
            if c not in KEY_CATEGORIES:
                continue
            need = KEY_CATEGORIES[c]
            kind = need if isinstance(need, str) else need[int(rng.integers(0, len(need)))]
            holder = op if rng.random() < 1 / 3 else shop
            start = on - np.timedelta64(int(rng.integers(30, 1500)), "D")
            end = on + np.timedelta64(int(rng.integers(1, 1500)), "D")
            fault = int(rng.integers(0, 5)) if rng.random() < missing_rate else -1
            number = f"L{s}{c}"
            if fault == 0:  # none at all
                pass
            elif fault == 1:
                lics.append(Licence(holder, kind, number, str(start), str(on - np.timedelta64(
                    int(rng.integers(1, 300)), "D"))))
            elif fault == 2:
                lics.append(Licence(holder, kind, number, str(on + np.timedelta64(
                    int(rng.integers(1, 60)), "D")), str(end)))
            elif fault == 3:
                lics.append(Licence(holder, kind, number, str(start), str(end), revoked=True))
            elif fault == 4:
                lics.append(Licence(holder, "营业执照", number, str(start), None))
            else:
                lics.append(Licence(holder, kind, number, str(start), str(end)))
            if fault >= 0 and (shop, c) not in missing:
                # Another category needing the same type may still be covered by a valid licence.
                missing.add((shop, c))
    # A valid licence for one category covers another needing the same type: fix the truth accordingly.
    valid = {(lic.holder, lic.kind) for lic in lics
             if not lic.revoked and np.datetime64(lic.valid_from) <= on
             and (lic.valid_until is None or np.datetime64(lic.valid_until) >= on)}
    truth = set()
    for shop, c in missing:
        need = KEY_CATEGORIES[c]
        need = (need,) if isinstance(need, str) else need
        if not any((h, k) in valid for h in (shop, ops[shop]) for k in need):
            truth.add((shop, c))
    return LicenceCases(cats, dict(KEY_CATEGORIES), lics, ops, str(on), truth)


LICENSED_PAYMENT = ("支付宝（中国）网络技术有限公司", "财付通支付科技有限公司", "银联商务股份有限公司",
                    "拉卡拉支付股份有限公司", "快钱支付清算信息有限公司", "易宝支付有限公司", "通联支付网络服务股份有限公司",
                    "汇付天下有限公司", "连连银通电子支付有限公司", "网银在线（北京）科技有限公司")
_BRANDS = ("支付宝", "财付通", "银联商务", "拉卡拉支付", "快钱支付", "易宝支付", "通联支付", "汇付天下", "连连银通",
           "网银在线")
_UNLICENSED = ("速付通", "聚合码付", "闪付宝", "鑫汇聚合支付", "云闪收", "财富通", "支付保", "拉卡啦")


@dataclass(frozen=True, eq=False)
class PaymentCases:
    """Input of `unlicensed_channels` and the truth: the (shop, channel) pairs using an unlicensed one."""

    usage: list[tuple[str, str]]
    licensed: tuple[str, ...]
    unlicensed: set[tuple[str, str]]


def payment_cases(n_shops: int = 300, *, unlicensed_rate: float = 0.1, seed: int = 0) -> PaymentCases:
    """Shops using one to three licensed channels (by brand or by company name), a `unlicensed_rate`
    share of them also an unlicensed one (some named like a licensed brand: 财富通, 支付保)."""
    rng = np.random.default_rng(seed)
    usage, bad = [], set()
    for s in range(n_shops):
        shop = f"S{s}"
        for i in rng.choice(len(_BRANDS), size=int(rng.integers(1, 4)), replace=False).tolist():
            usage.append((shop, _BRANDS[i] if rng.random() < 0.7 else LICENSED_PAYMENT[i]))
        if rng.random() < unlicensed_rate:
            channel = _UNLICENSED[int(rng.integers(0, len(_UNLICENSED)))]
            usage.append((shop, channel))
            bad.add((shop, channel))
    return PaymentCases(usage, LICENSED_PAYMENT, bad)
