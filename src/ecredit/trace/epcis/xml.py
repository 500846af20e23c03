"""EPCIS XML documents (EPCIS 2.0 XSD, and 1.2 documents' `extension`/`baseExtension` wrappers) converted to the
JSON-LD form, which is then validated against the JSON schema and stored like a JSON-LD capture.

The mapping follows the standard's XML/JSON correspondence: CBV URNs become bare words, list wrappers become
arrays, `type` attributes become `type` members, sensor attributes become typed members, and user extension
elements become `prefix:name` members whose prefixes (the document's own xmlns declarations) go into the
document's `@context`. Unqualified elements that are no EPCIS field are kept under their own name, so the
schema refuses them as the XSD would. Entity declarations are refused (no entity expansion of any kind).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from xml.parsers import expat

from . import vocab

EPCIS_NS = ("urn:epcglobal:epcis:xsd:2", "urn:epcglobal:epcis:xsd:1", "urn:epcglobal:epcis-query:xsd:2",
            "urn:epcglobal:epcis-query:xsd:1", "urn:epcglobal:epcis-masterdata:xsd:2")
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent")
EPC_LISTS = {"epcList", "childEPCs", "inputEPCList", "outputEPCList"}
QUANTITY_LISTS = {"quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"}
WRAPPERS = {"extension", "baseExtension"}  # EPCIS 1.x extension points: their children belong to the parent
SENSOR_NUMBERS = {"value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue"}
_NUMERIC_TYPES = re.compile(r"(?:^|:)(?:integer|int|long|short|byte|decimal|double|float|nonNegativeInteger|"
                            r"positiveInteger|unsignedInt|unsignedLong)$")
_INT_RE = re.compile(r"^[+-]?\d+$")
MAX_DEPTH = 64   # elements nested in an EPCIS document: about ten levels, user extensions a few more


class XmlDocumentError(ValueError):
    """An XML body that is not a well-formed EPCIS document."""


def _number(text: str):
    text = text.strip()
    if _INT_RE.match(text):
        return int(text)
    try:
        return float(text)
    except ValueError:
        return text  # left as text: the schema says what is wrong with it


class _Converter:
    def __init__(self, namespaces: dict[str, str]) -> None:
        # namespace URI -> prefix, from the document's own declarations (the first prefix wins)
        self.prefix_of: dict[str, str] = {}
        for prefix, uri in namespaces.items():
            self.prefix_of.setdefault(uri, prefix)
        self.used: dict[str, str] = {}

    def name(self, tag: str) -> str:
        """`{uri}local` -> `prefix:local` (a prefix invented if the document bound none), or `local`."""
        if not tag.startswith("{"):
            return tag
        uri, local = tag[1:].split("}", 1)
        if uri in EPCIS_NS:
            return local
        prefix = self.prefix_of.get(uri)
        if not prefix:
            prefix = f"ns{len(self.prefix_of) + 1}"
            self.prefix_of[uri] = prefix
        self.used[prefix] = uri
        return f"{prefix}:{local}"

    def local(self, tag: str) -> str:
        return tag.rsplit("}", 1)[-1] if tag.startswith("{" + "urn:epcglobal:epcis") or not tag.startswith("{") \
            else self.name(tag)

    def value(self, element: ET.Element):
        """A user extension element: text (typed by xsi:type), or an object of its children and attributes."""
        children = list(element)
        attrs = {self.name(k): v for k, v in element.attrib.items() if k != XSI_TYPE}
        text = (element.text or "").strip()
        if not children and not attrs:
            kind = element.attrib.get(XSI_TYPE, "")
            if _NUMERIC_TYPES.search(kind):
                return _number(text)
            if kind.endswith("boolean"):
                return text.lower() in ("true", "1")
            return text
        out: dict = {}
        for key, val in attrs.items():
            out["@" + key] = val
        if text:
            out["#text"] = text
        for child in children:
            self._add(out, self.name(child.tag), self.value(child))
        return out

    @staticmethod
    def _add(target: dict, key: str, value) -> None:
        if key in target:
            if not isinstance(target[key], list):
                target[key] = [target[key]]
            target[key].append(value)
        else:
            target[key] = value

    def _place(self, element: ET.Element) -> dict:
        out: dict = {}
        for child in self._flat(element):
            key = self.local(child.tag)
            out[key] = (child.text or "").strip() if key == "id" else self.value(child)
        return out

    def _flat(self, element: ET.Element):
        """Children, with EPCIS 1.x `extension`/`baseExtension` wrappers opened."""
        for child in element:
            if self.local(child.tag) in WRAPPERS:
                yield from self._flat(child)
            else:
                yield child

    def _quantities(self, element: ET.Element) -> list:
        out = []
        for q in element:
            item: dict = {}
            for child in q:
                if child.attrib.get(XSI_NIL, "").strip() in ("true", "1"):
                    continue  # xsi:nil: the element says it has no value
                key = self.local(child.tag)
                text = (child.text or "").strip()
                item[key] = _number(text) if key == "quantity" else text
            out.append(item)
        return out

    def _sensor_element(self, element: ET.Element) -> dict:
        out: dict = {}
        for child in self._flat(element):
            key = self.local(child.tag)
            if key == "sensorMetadata":
                out[key] = {self.local(k) if not k.startswith("{") else self.name(k): v
                            for k, v in child.attrib.items()}
            elif key == "sensorReport":
                report: dict = {}
                for k, v in child.attrib.items():
                    name = self.name(k) if k.startswith("{") else k
                    if name == "type":
                        v = vocab.bare_word("measurementType", v)
                    elif name == "exception":
                        v = vocab.bare_word("sensorAlertType", v)
                    elif name == "component":
                        v = vocab.bare_word("component", v)
                    elif name in SENSOR_NUMBERS:
                        v = _number(v)
                    elif name == "booleanValue":
                        v = v.strip().lower() in ("true", "1")
                    report[name] = v
                out.setdefault("sensorReport", []).append(report)
            else:
                self._add(out, self.name(child.tag), self.value(child))
        return out

    def event(self, element: ET.Element, kind: str) -> dict:
        """One event element in the JSON-LD form."""
        event: dict = {"type": kind}
        for child in self._flat(element):
            key = self.local(child.tag)
            text = (child.text or "").strip()
            if key in EPC_LISTS:
                event[key] = [(e.text or "").strip() for e in child]
            elif key in QUANTITY_LISTS:
                event[key] = self._quantities(child)
            elif key == "bizStep":
                event[key] = vocab.bare_word("bizStep", text)
            elif key == "disposition":
                event[key] = vocab.bare_word("disposition", text)
            elif key == "persistentDisposition":
                pd: dict = {}
                for item in child:
                    pd.setdefault(self.local(item.tag), []).append(vocab.bare_word("disposition", (item.text or "").strip()))
                event[key] = pd
            elif key in ("readPoint", "bizLocation"):
                event[key] = self._place(child)
            elif key in ("bizTransactionList", "sourceList", "destinationList"):
                member = {"bizTransactionList": "bizTransaction", "sourceList": "source",
                          "destinationList": "destination"}[key]
                field = "bizTransactionType" if member == "bizTransaction" else "sourceDestType"
                items = []
                for item in child:
                    entry = {}
                    if "type" in item.attrib:
                        entry["type"] = vocab.bare_word(field, item.attrib["type"].strip())
                    entry[member] = (item.text or "").strip()
                    items.append(entry)
                event[key] = items
            elif key == "sensorElementList":
                event[key] = [self._sensor_element(e) for e in child]
            elif key == "ilmd":
                ilmd: dict = {}
                for item in self._flat(child):
                    self._add(ilmd, self.name(item.tag), self.value(item))
                event[key] = ilmd
            elif key == "errorDeclaration":
                declaration: dict = {}
                for item in self._flat(child):
                    name = self.local(item.tag)
                    if name == "correctiveEventIDs":
                        declaration[name] = [(i.text or "").strip() for i in item]
                    elif name == "reason":
                        declaration[name] = vocab.bare_word("errorReason", (item.text or "").strip())
                    elif name == "declarationTime":
                        declaration[name] = (item.text or "").strip()
                    else:
                        self._add(declaration, self.name(item.tag), self.value(item))
                event[key] = declaration
            elif key == "certificationInfo":
                self._add(event, key, text)
            elif key in ("eventTime", "recordTime", "eventTimeZoneOffset", "eventID", "action", "parentID",
                         "transformationID"):
                event[key] = text
            else:
                self._add(event, self.name(child.tag), self.value(child))
        return event


def _events_of(root: ET.Element, converter: _Converter) -> list[dict]:
    events = []
    for event_list in root.iter():
        if converter.local(event_list.tag) != "EventList":
            continue
        for element in converter._flat(event_list):
            kind = converter.local(element.tag)
            if kind in EVENT_TYPES:
                events.append(converter.event(element, kind))
            else:
                events.append({"type": converter.name(element.tag)})  # the schema says what is wrong with it
    return events


def _refuse_entities(*_args) -> None:
    raise XmlDocumentError("entity declarations are not accepted")


def _prescan(body: bytes) -> dict[str, str]:
    """The document's namespace declarations (prefix -> URI, the first binding of a prefix wins), read by expat
    with entity declarations refused as the parser meets them. A byte search for `<!ENTITY` is not enough: a
    UTF-16 (or otherwise encoded) body hides it, and expat would then expand the entities."""
    namespaces: dict[str, str] = {}
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartNamespaceDeclHandler = lambda prefix, uri: namespaces.setdefault(prefix or "", uri)
    parser.EntityDeclHandler = _refuse_entities
    # Without an EntityDeclHandler expat would still report unparsed entities here; refuse them alike.
    parser.UnparsedEntityDeclHandler = _refuse_entities
    try:
        parser.Parse(body, True)
    except expat.ExpatError as exc:
        raise XmlDocumentError(f"not well-formed XML: {expat.errors.messages[exc.code]} "
                               f"(line {exc.lineno}, column {exc.offset})") from exc
    return namespaces


def _check_depth(root: ET.Element) -> None:
    """Refuse elements nested deeper than MAX_DEPTH before the conversion, which recurses, meets them."""
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise XmlDocumentError(f"elements nested deeper than {MAX_DEPTH} levels")
        stack.extend((child, depth + 1) for child in element)


def to_json_document(body: bytes) -> dict:
    """An EPCIS XML document (EPCISDocument, EPCISQueryDocument, EPCISMasterDataDocument) in JSON-LD form."""
    namespaces = _prescan(body)
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise XmlDocumentError(f"not well-formed XML: {exc}") from exc
    _check_depth(root)
    converter = _Converter(namespaces)
    kind = converter.local(root.tag)
    if kind not in ("EPCISDocument", "EPCISQueryDocument", "EPCISMasterDataDocument"):
        raise XmlDocumentError(f"the root element is {kind}, not an EPCIS document")
    events = _events_of(root, converter)
    document: dict = {"@context": [vocab.STANDARD_CONTEXT], "type": "EPCISQueryDocument" if kind ==
                      "EPCISQueryDocument" else "EPCISDocument",
                      "schemaVersion": root.attrib.get("schemaVersion", "2.0"),
                      "creationDate": root.attrib.get("creationDate", "")}
    if kind == "EPCISQueryDocument":
        document["epcisBody"] = {"queryResults": {"queryName": "SimpleEventQuery",
                                                  "resultsBody": {"eventList": events}}}
    else:
        document["epcisBody"] = {"eventList": events}
    if converter.used:
        document["@context"].append(dict(sorted(converter.used.items())))
    return document
