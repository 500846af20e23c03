"""Validating EPCIS 2.0 documents and events against GS1's JSON schema, with format checking on.

Two passes over the same schema (src/ecredit/trace/epcis/conformance/EPCIS-JSON-Schema.json, Draft 7):
- `is_valid()`: the schema compiled to Python code by fastjsonschema, with our `uri` and `date-time` checks
  (formats.py). This is the fast path every capture takes.
- `violations()`: only for a document the fast path refused, an interpreter of the same schema that walks the
  whole document and reports EVERY violation as (JSON Pointer, reason), in the words of the rule broken.
Both are tested to accept and refuse exactly what the reference (jsonschema's Draft7Validator with its format
checker) accepts and refuses. On top of the schema, `semantic_violations()` refuses CBV Web URIs
(`https://ref.gs1.org/cbv/BizStep-...`) that name no CBV term (the schema lets any URI outside the old CBV
namespaces through).
"""

from __future__ import annotations

import copy
import functools
import json
import re
from dataclasses import dataclass
from urllib.parse import unquote

from django.utils.translation import gettext as _

from . import vocab
from .formats import is_date_time, is_uri


@dataclass(frozen=True)
class Violation:
    """One broken rule: where (JSON Pointer into the document) and why."""

    path: str
    reason: str

    def as_dict(self) -> dict:
        """The violation as the capture job and problem details show it."""
        return {"path": self.path or "/", "reason": self.reason}


@functools.cache
def schema() -> dict:
    """GS1's EPCIS 2.0 JSON schema (inlined), from the copy in conformance/."""
    return json.loads((vocab.CONFORMANCE / "EPCIS-JSON-Schema.json").read_text("utf-8"))


@functools.cache
def xml_schema() -> dict:
    """The JSON schema with the two places where the XSD allows more: a sensorReport without `type`, and
    persistentDisposition on every event type. XML documents (converted) are validated against this one."""
    out = copy.deepcopy(schema())
    definitions = out["definitions"]
    definitions["sensorReport"].pop("required", None)
    for kind in ("AggregationEvent", "TransactionEvent", "AssociationEvent"):
        part = definitions[kind]["allOf"][1]
        part["properties"]["persistentDisposition"] = {"$ref": "#/definitions/persistentDisposition"}
        part["propertyNames"]["anyOf"][1]["enum"].append("persistentDisposition")
    return out


@functools.cache
def _compiled(xml: bool):
    import fastjsonschema

    # fastjsonschema rewrites the $refs of the schema it is given: give it a copy.
    return fastjsonschema.compile(copy.deepcopy(xml_schema() if xml else schema()),
                                  formats={"uri": is_uri, "date-time": is_date_time})


def is_valid(document, *, xml: bool = False) -> bool:
    """True when the document (or single event) satisfies the schema, formats included (`xml`: converted from
    XML, checked with the XSD's allowances)."""
    import fastjsonschema

    try:
        _compiled(xml)(document)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


# Definitions whose failure is best told in one sentence (a bare word that is no CBV term, and so on).
def _vocab_reason(field: str) -> str:
    return _("“{field}”的取值既不是CBV标准词（如 shipping），也不是CBV命名空间以外的URI").format(field=field)


DEFINITION_REASONS = {
    "bizStep": lambda: _vocab_reason("bizStep"),
    "disposition": lambda: _vocab_reason("disposition"),
    "bizTransaction-type": lambda: _vocab_reason("bizTransaction type"),
    "source-dest-type": lambda: _vocab_reason("source/destination type"),
    "error-reason": lambda: _vocab_reason("errorDeclaration reason"),
    "component": lambda: _vocab_reason("component"),
    "measurementType": lambda: _("传感器计量类型既不是GS1标准类型（如 Temperature），也不是GS1词表以外的URI"),
    "sensorAlertType": lambda: _("传感器告警类型既不是 ALARM_CONDITION/ERROR_CONDITION，也不是GS1词表以外的URI"),
    "certificationInfo": lambda: _("certificationInfo 须为URI或URI列表"),
    "%40context": lambda: _("@context 须为URI、对象或其列表（不得重复）"),
}
_TYPE_NAMES = {"object": "对象", "array": "列表", "string": "字符串", "number": "数值", "boolean": "布尔值",
               "integer": "整数", "null": "null"}


def _is_type(instance, name: str) -> bool:
    if name == "object":
        return isinstance(instance, dict)
    if name == "array":
        return isinstance(instance, list)
    if name == "string":
        return isinstance(instance, str)
    if name == "number":
        return isinstance(instance, (int, float)) and not isinstance(instance, bool)
    if name == "integer":
        return (isinstance(instance, int) and not isinstance(instance, bool)) or \
            (isinstance(instance, float) and instance.is_integer())
    if name == "boolean":
        return isinstance(instance, bool)
    return instance is None


def _equal(a, b) -> bool:
    """JSON equality as JSON Schema means it (true is not 1)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    return a == b


def _unique(items: list) -> bool:
    return not any(_equal(items[i], items[j]) for i in range(len(items)) for j in range(i + 1, len(items)))


def _pointer(path: str, key) -> str:
    return f"{path}/{str(key).replace('~', '~0').replace('/', '~1')}"


class _Walker:
    """A Draft 7 interpreter for the keywords GS1's schema uses, reporting every violation."""

    def __init__(self, root: dict) -> None:
        self.root = root

    @functools.lru_cache(maxsize=None)  # noqa: B019 - one walker per process
    def _resolve(self, ref: str):
        node = self.root
        for part in ref.lstrip("#/").split("/"):
            node = node[unquote(part).replace("~1", "/").replace("~0", "~")]
        return node

    # validity -------------------------------------------------------------------------------------------
    def valid(self, node, inst) -> bool:
        if node is True or node == {}:
            return True
        if node is False:
            return False
        if "$ref" in node:  # Draft 7: a $ref's siblings are ignored
            return self.valid(self._resolve(node["$ref"]), inst)
        return not self._keyword_failures(node, inst, "", None)

    def _keyword_failures(self, node: dict, inst, path: str, out: list | None) -> bool:
        """Check every keyword of `node`; append violations to `out` (None: stop at the first). True if any."""
        failed = False

        def fail(where: str, reason: str) -> bool:
            nonlocal failed
            failed = True
            if out is not None:
                out.append(Violation(where, reason))
            return out is None  # stop early when only validity is asked

        t = node.get("type")
        if t is not None and not _is_type(inst, t):
            if fail(path, _("应为{kind}").format(kind=_TYPE_NAMES.get(t, t))):
                return True
            return True  # nothing else is meaningful on the wrong type
        if "enum" in node and not any(_equal(inst, v) for v in node["enum"]):
            shown = "、".join(map(str, node["enum"][:8])) + ("…" if len(node["enum"]) > 8 else "")
            if fail(path, _("取值不在允许范围内（{values}）").format(values=shown)):
                return True
        if isinstance(inst, str):
            if "pattern" in node and not re.search(node["pattern"], inst):
                reason = _("不得使用已废止的 urn:epcglobal:cbv 或 ns.gs1.org/cbv 命名空间") \
                    if "cbv" in node["pattern"] else \
                    _("不得使用GS1 Web词表（gs1.org/voc）命名空间") if "voc" in node["pattern"] else \
                    _("不符合格式 {pattern}").format(pattern=node["pattern"])
                if fail(path, reason):
                    return True
            fmt = node.get("format")
            if fmt == "uri" and not is_uri(inst):
                if fail(path, _("“{value}”不是合法的URI").format(value=inst[:80])):
                    return True
            if fmt == "date-time" and not is_date_time(inst):
                if fail(path, _("“{value}”不是合法的RFC 3339时间（须含日期、时间和时区）").format(value=inst[:40])):
                    return True
        if isinstance(inst, list):
            if "minItems" in node and len(inst) < node["minItems"]:
                if fail(path, _("至少需要{count}项").format(count=node["minItems"])):
                    return True
            if node.get("uniqueItems") and not _unique(inst):
                if fail(path, _("列表中有重复项")):
                    return True
            if "items" in node:
                for i, item in enumerate(inst):
                    if self._sub(node["items"], item, _pointer(path, i), out):
                        failed = True
                        if out is None:
                            return True
        if isinstance(inst, dict):
            for name in node.get("required", ()):
                if name not in inst:
                    if fail(_pointer(path, name), _("缺少必填字段")):
                        return True
            props = node.get("properties", {})
            for key, sub in props.items():
                if key in inst and self._sub(sub, inst[key], _pointer(path, key), out):
                    failed = True
                    if out is None:
                        return True
            if node.get("additionalProperties") is False:
                for key in inst:
                    if key not in props and fail(_pointer(path, key), _("不允许的字段")):
                        return True
            if "propertyNames" in node:
                for key in inst:
                    if not self.valid(node["propertyNames"], key):
                        if fail(_pointer(path, key), _("字段名“{name}”既不是此处的标准字段，也不是带命名空间前缀的"
                                                       "扩展字段（须为URI或CURIE）").format(name=key)):
                            return True
        for sub in node.get("allOf", ()):
            if self._sub(sub, inst, path, out):
                failed = True
                if out is None:
                    return True
        if "anyOf" in node and not any(self.valid(s, inst) for s in node["anyOf"]):
            if out is None:
                return True
            failed = True
            self._explain_alternatives(node["anyOf"], inst, path, out)
        if "oneOf" in node and sum(self.valid(s, inst) for s in node["oneOf"]) != 1:
            if fail(path, _("须恰好符合一种结构")):
                return True
        if "not" in node and self.valid(node["not"], inst):
            if fail(path, _("此处不允许出现该字段")):
                return True
        if "if" in node and "then" in node and self.valid(node["if"], inst):
            if self._sub(node["then"], inst, path, out):
                failed = True
        return failed

    def _sub(self, node, inst, path: str, out: list | None) -> bool:
        """Check `inst` against a subschema; True if it fails (violations appended to `out`)."""
        if node is True or node == {}:
            return False
        if "$ref" in node:
            target = self._resolve(node["$ref"])
            reason = DEFINITION_REASONS.get(node["$ref"].rsplit("/", 1)[-1])
            if reason and out is not None:
                if self.valid(target, inst):
                    return False
                out.append(Violation(path, reason()))
                return True
            return self._sub(target, inst, path, out)
        return self._keyword_failures(node, inst, path, out)

    def _explain_alternatives(self, options: list, inst, path: str, out: list) -> None:
        """None of anyOf's alternatives holds: report the closest one's violations, or what they ask for."""
        attempts = []
        for option in options:
            found: list[Violation] = []
            self._sub(option, inst, path, found)
            attempts.append(found)
        # An alternative that fails only deeper down (its shape fits) explains best: report its violations.
        deep = [a for a in attempts if a and all(v.path != path for v in a)]
        if len(deep) == 1:
            out.extend(deep[0])
            return
        needs = sorted({v.path.rsplit("/", 1)[-1] for a in attempts for v in a
                        if v.reason == _("缺少必填字段") and v.path.startswith(path + "/")})
        if needs:
            out.append(Violation(path, _("须至少包含以下之一：{fields}").format(fields="、".join(needs))))
        else:
            out.append(Violation(path, "；".join(dict.fromkeys(v.reason for a in attempts for v in a[:1]))))


@functools.cache
def _walker(xml: bool) -> _Walker:
    return _Walker(xml_schema() if xml else schema())


def violations(document, *, xml: bool = False) -> list[Violation]:
    """Every violation of the schema in the document, each once, in document order."""
    found: list[Violation] = []
    walker = _walker(xml)
    walker._sub(walker.root, document, "", found)
    return list(dict.fromkeys(found))


def schema_valid(document, *, xml: bool = False) -> bool:
    """The interpreter's own verdict (the slow path; equal to `is_valid` by test)."""
    walker = _walker(xml)
    return walker.valid(walker.root, document)


# Semantic rules beyond the schema ---------------------------------------------------------------------------
def _cbv_checks(event: dict, path: str):
    yield "bizStep", event.get("bizStep"), path + "/bizStep"
    yield "disposition", event.get("disposition"), path + "/disposition"
    persistent = event.get("persistentDisposition") or {}
    if isinstance(persistent, dict):
        for kind in ("set", "unset"):
            for i, value in enumerate(persistent.get(kind) or ()):
                yield "disposition", value, f"{path}/persistentDisposition/{kind}/{i}"
    for name, field in (("bizTransactionList", "bizTransactionType"), ("sourceList", "sourceDestType"),
                        ("destinationList", "sourceDestType")):
        for i, item in enumerate(event.get(name) or ()):
            if isinstance(item, dict):
                yield field, item.get("type"), f"{path}/{name}/{i}/type"
    declaration = event.get("errorDeclaration")
    if isinstance(declaration, dict):
        yield "errorReason", declaration.get("reason"), path + "/errorDeclaration/reason"


def semantic_violations(event: dict, path: str) -> list[Violation]:
    """Rules the schema cannot say: a CBV Web URI must name a term of its vocabulary."""
    out = []
    for field, value, where in _cbv_checks(event, path):
        if isinstance(value, str) and vocab.unknown_cbv_term(field, value):
            out.append(Violation(where, _("“{value}”在CBV命名空间内，但不是CBV {field} 词表中的词").format(
                value=value, field=field)))
    return out
