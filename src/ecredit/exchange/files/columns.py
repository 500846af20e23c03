"""Columns of a record type's sheet: our template's titles, the national "双公示" titles, and matching.

A sheet's header is matched by name, not by position. Both sides are normalised first (full-width to
half-width, spaces, asterisks, underscores and colons removed, case folded), and a header that still
matches nothing is tried again without its parenthesised parts ("罚款金额（万元）" → "罚款金额").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from ecredit import policy
from ecredit.kit.errors import ValidationFailed

# Targets outside `details.*`: where a column's value goes in a record item.
ID, NAME, USCC, RIC = "id", "subject.name", "subject.uscc", "subject.ric"
PLATFORM, SHOP = "subject.platform_uscc", "subject.shop_id"
DECIDED_ON, SUMMARY, LEGAL_BASIS = "decided_on", "summary", "legal_basis"
ID_TYPE, ID_NO = "person.id_type", "person.id_no"   # 双公示: a person's identity document
IGNORE = "ignore"                                   # known columns that nothing in a record holds

_REMOVED = re.compile(r"[\s*※_\-:]+")
_PARENS = re.compile(r"\([^()]*\)")


def normalise_header(text: Any) -> str:
    """The form in which headers are compared: NFKC, case-folded, without spaces, `*`, `_`, `-`, `:`."""
    folded, previous = str(text or ""), None
    for _round in range(5):         # removing a space can let combining marks compose: repeat until stable
        if folded == previous:
            break
        previous = folded
        folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", folded).casefold())
        folded = _REMOVED.sub("", folded.translate(_BRACKETS))
    return folded


_BRACKETS = str.maketrans({"[": "(", "]": ")", "【": "(", "】": ")", "〔": "(", "〕": ")"})


def loose_header(text: str) -> str:
    """A normalised header without its parenthesised parts."""
    previous = None
    while previous != text:
        previous, text = text, _PARENS.sub("", text)
    return text


def normalise_value(text: Any) -> str:
    """The form in which enum labels and codes are compared."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)).casefold())


@dataclass(frozen=True)
class Column:
    """One column of the template: where its value goes, its title, how its cells are read."""

    target: str
    title: str
    kind: str                      # text | identifier | date | number | integer | boolean | enum | list | enum_list
    required: bool = False
    description: str = ""
    choices: tuple[tuple[str, str], ...] = ()   # (code, Chinese label), for enums
    lookup: dict[str, str] = field(default_factory=dict, compare=False, hash=False)  # normalised → code
    per_wan: bool = False          # an amount in 万元

    @property
    def header(self) -> str:
        """The title as the template writes it (required columns marked with *)."""
        return self.title + ("*" if self.required else "")


# The template's fixed columns. Titles are the file format (the same in every UI language).
_BASE = (
    (ID, N_("记录编号"), "text", True, "本单位对该条记录的唯一编号；重复上传同一编号按同一条记录处理。"
                                     "未填时以决定书文号作为记录编号"),
    (NAME, N_("主体名称"), "text", False, "单位全称或自然人姓名"),
    (USCC, N_("统一社会信用代码"), "identifier", False, "主体为单位或个体工商户时填写，18位"),
    (RIC, N_("身份证号码"), "identifier", False, "主体为自然人时填写，18位居民身份证号码"),
    (PLATFORM, N_("平台统一社会信用代码"), "identifier", False, "主体为网店时填写网店所在电子商务平台的代码"),
    (SHOP, N_("网店编号"), "text", False, "主体为网店时填写平台内的店铺编号"),
    (DECIDED_ON, N_("决定日期"), "date", True, "作出决定或发生的日期，不能晚于今天"),
    (SUMMARY, N_("摘要"), "text", True, "一句话说明该条信息，最多500字；未填时取违法事实、内容或描述"),
    (LEGAL_BASIS, N_("依据"), "text", False, "依据的法律、法规条款；不填时取信用信息目录中该类型的依据"),
)

# Other titles of the base columns, as departments' own tables and the national layouts name them.
_BASE_ALIASES = {
    ID: ["信息编号", "记录ID", "数据编号", "业务编号"],
    NAME: ["行政相对人名称", "相对人名称", "当事人名称", "当事人", "企业名称", "单位名称", "市场主体名称",
           "被处罚单位名称", "主体"],
    USCC: ["行政相对人代码_1（统一社会信用代码）", "行政相对人代码_1", "社会信用代码", "信用代码", "统一代码"],
    RIC: ["身份证号", "居民身份证号码", "公民身份号码", "身份证件号码"],
    PLATFORM: ["平台社会信用代码", "所属平台统一社会信用代码"],
    SHOP: ["店铺编号", "网店ID", "店铺ID"],
    DECIDED_ON: ["处罚决定日期", "许可决定日期", "作出决定日期", "决定作出日期", "认定日期", "发生日期"],
    SUMMARY: ["信息摘要", "内容摘要"],
    LEGAL_BASIS: ["法律依据"],
    ID_TYPE: ["法定代表人证件类型", "证件类型", "行政相对人证件类型"],
    ID_NO: ["法定代表人证件号码", "证件号码", "法定代表人身份证号", "法定代表人身份证号码",
            "行政相对人证件号码"],
    IGNORE: ["序号", "行政相对人类别", "行政相对人代码_2（工商注册号）", "行政相对人代码_3（组织机构代码）",
             "行政相对人代码_4（税务登记号）", "行政相对人代码_5（事业单位证书号）",
             "行政相对人代码_6（社会组织登记证号）", "工商注册号", "组织机构代码", "税务登记号",
             "事业单位证书号", "社会组织登记证号", "处罚有效期", "公示截止期", "当前状态", "地方编码",
             "数据来源单位", "数据来源单位统一社会信用代码", "备注", "信息使用范围", "公示期限"],
}

# Other titles of details properties (any record type that has the property).
_DETAIL_ALIASES = {
    "decision_no": ["决定书文号", "处罚决定书文号", "许可决定书文号", "行政处罚决定书文号", "行政许可决定书文号",
                    "决定文号", "文书号"],
    "penalty_kinds": ["处罚类别1", "处罚类别2", "处罚种类", "处罚类型"],
    "fine_amount_wan": ["罚款金额"],
    "confiscation_amount_wan": ["没收违法所得、没收非法财物的金额", "没收金额"],
    "facts": ["主要违法事实"],
    "authority": ["处罚机关", "许可机关", "决定机关", "实施机关"],
    "authority_uscc": ["处罚机关统一社会信用代码", "许可机关统一社会信用代码"],
    "valid_from": ["许可生效期", "有效期起", "生效日期", "有效期开始日期"],
    "valid_until": ["许可截止期", "有效期止", "截止日期", "有效期结束日期"],
    "licence_no": ["许可证号", "许可证编号", "证书编号"],
    "licence_name": ["许可证名称", "证书名称"],
    "category": ["许可类别"],
    "legal_representative": ["法定代表人（负责人）", "法定代表人姓名", "负责人"],
}

# Penalty kinds as departments write them, beyond the catalog's labels: the first keyword a value
# contains decides ("罚款人民币5000元" → fine, "吊销营业执照" → licence_revocation).
PENALTY_KEYWORDS = (
    ("吊销", "licence_revocation"), ("暂扣", "licence_suspension"), ("没收", "confiscation"),
    ("罚款", "fine"), ("警告", "warning"), ("通报批评", "public_criticism"), ("降低资质", "qualification_downgrade"),
    ("停产停业", "closure"), ("责令关闭", "closure"), ("限制从业", "practice_ban"),
    ("限制开展生产经营", "business_restriction"), ("限制生产经营", "business_restriction"),
    ("拘留", "detention"), ("其他", "other"), ("其它", "other"),
)
KEYWORDS_BY_PROPERTY = {"penalty_kinds": PENALTY_KEYWORDS}

_LABEL = re.compile(r"^(?P<label>.+?)=(?P<code>[A-Za-z0-9_]+)$")
_BOOLEAN_CHOICES = (("true", "是"), ("false", "否"))


def _labels(description: str, codes: list[str]) -> dict[str, list[str]]:
    """Chinese labels of enum codes as the catalog writes them in a description: "警告=warning；罚款=fine"."""
    found: dict[str, list[str]] = {}
    for segment in re.split(r"[；;。\n]", description or ""):
        match = _LABEL.match(segment.strip())
        if not match or match["code"] not in codes:
            continue
        label = re.split(r"[：:]", match["label"])[-1].strip()
        names = [label, *[part for part in label.split("、") if part]]
        stripped = re.sub(r"（[^（）]*）|\([^()]*\)", "", label)
        if stripped and stripped != label:
            names.append(stripped)
        found.setdefault(match["code"], []).extend(n for n in names if n not in found.get(match["code"], []))
    return found


def _enum_of(prop: dict) -> list[str] | None:
    if "enum" in prop:
        return [str(v) for v in prop["enum"]]
    items = prop.get("items") or {}
    if prop.get("type") == "array" and "enum" in items:
        return [str(v) for v in items["enum"]]
    return None


def _kind(prop: dict) -> str:
    kind = prop.get("type")
    if kind == "array":
        return "enum_list" if _enum_of(prop) else "list"
    if _enum_of(prop):
        return "enum"
    if kind == "string":
        return "date" if prop.get("format") == "date" else "text"
    return kind if kind in ("number", "integer", "boolean") else "text"


def _lookup(codes: list[str], labels: dict[str, list[str]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for code in codes:
        table.setdefault(normalise_value(code), code)
    for code, names in labels.items():
        for name in names:
            table.setdefault(normalise_value(name), code)
    return table


@dataclass(frozen=True)
class Layout:
    """The columns of one record type, in template order, and the header names that reach them."""

    type_code: str
    type_name: str
    columns: tuple[Column, ...]
    exact: dict[str, str]      # normalised header → target
    loose: dict[str, str]      # normalised header without parentheses → target ("" when ambiguous)

    def column(self, target: str) -> Column | None:
        return next((c for c in self.columns if c.target == target), None)

    def title(self, target: str) -> str:
        """The Chinese title of a target (a details path is shortened to its property)."""
        if target.startswith("details.") and target.count(".") > 1:
            target = ".".join(target.split(".")[:2])
        column = self.column(target)
        if column is not None:
            return column.title
        return {ID_TYPE: _("证件类型"), ID_NO: _("证件号码"), "subject": _("信用主体"),
                "type": _("信用信息类型"), "details": _("明细")}.get(target, target)

    def match(self, header: Any) -> tuple[str | None, float]:
        """(target, scale) of a sheet header; target None when unknown. An amount whose header says 元
        while the column holds 万元 gets scale 0.0001."""
        norm = normalise_header(header)
        if not norm:
            return None, 1.0
        target = self.exact.get(norm) or self.loose.get(loose_header(norm)) or None
        scale = 1.0
        if target and target.startswith("details."):
            column = self.column(target)
            if column is not None and column.per_wan and "(元)" in norm:
                scale = 0.0001
        return target, scale


def _register(exact: dict, loose: dict, name: str, target: str) -> None:
    norm = normalise_header(name)
    if not norm:
        return
    exact.setdefault(norm, target)
    key = loose_header(norm)
    if key and loose.get(key, target) != target:
        loose[key] = ""          # two targets share it: a bare loose match would be a guess
    else:
        loose.setdefault(key, target)


@lru_cache(maxsize=256)
def _layout(version: str, type_code: str) -> Layout:
    current = policy.current()
    rule = current.record_types[type_code]
    schema = rule.details_schema
    required = set(schema.get("required") or [])
    all_labels = _catalog_labels(version)
    columns = [Column(target, title, kind, req, desc) for target, title, kind, req, desc in _BASE]
    for key, prop in (schema.get("properties") or {}).items():
        codes = _enum_of(prop)
        kind = _kind(prop)
        title = str(prop.get("title") or key)
        choices: tuple = ()
        lookup: dict[str, str] = {}
        if codes is not None:
            labels = _labels(prop.get("description", ""), codes) or {
                code: names for code, names in all_labels.get(key, {}).items() if code in codes}
            choices = tuple((code, (labels.get(code) or [code])[0]) for code in codes)
            lookup = _lookup(codes, labels)
        elif kind == "boolean":
            choices = _BOOLEAN_CHOICES
        columns.append(Column(f"details.{key}", title, kind, key in required, str(prop.get("description", "")),
                              choices, lookup, per_wan="万元" in title or key.endswith("_wan")))
    exact: dict[str, str] = {}
    loose: dict[str, str] = {}
    for column in columns:
        _register(exact, loose, column.title, column.target)
        _register(exact, loose, column.target, column.target)     # the code itself works as a header
    for target, names in _BASE_ALIASES.items():
        for name in names:
            _register(exact, loose, name, target)
    for column in columns:
        key = column.target.removeprefix("details.")
        for name in _DETAIL_ALIASES.get(key, []):
            _register(exact, loose, name, column.target)
    return Layout(type_code, rule.name.zh, tuple(columns), exact, loose)


@lru_cache(maxsize=8)
def _catalog_labels(version: str) -> dict[str, dict[str, list[str]]]:
    """Labels of every enum property in the catalog, by property key (for types that only refer to them)."""
    table: dict[str, dict[str, list[str]]] = {}
    for rule in policy.current().catalog.record_types:
        for key, prop in (rule.details_schema.get("properties") or {}).items():
            codes = _enum_of(prop)
            if codes:
                for code, names in _labels(prop.get("description", ""), codes).items():
                    table.setdefault(key, {}).setdefault(code, names)
    return table


def layout(type_code: str) -> Layout:
    """The layout of record type `type_code` under the current policy."""
    current = policy.current()
    if type_code not in current.record_types:
        raise ValidationFailed(_("未知的信用信息类型：{code}").format(code=type_code), field="type",
                               code="unknown_type")
    return _layout(current.version, type_code)
