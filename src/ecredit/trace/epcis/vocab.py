"""The EPCIS 2.0 JSON-LD context (read from disk, never fetched) and the CBV vocabularies it defines.

Bare words of the standard vocabularies (`shipping`, `in_transit`, `po`, `Temperature`...) expand to their Web
URIs (`https://ref.gs1.org/cbv/BizStep-shipping`, `https://gs1.org/voc/Temperature`) by the maps the context
gives each field; EPCIS 1.x URNs (`urn:epcglobal:cbv:bizstep:shipping`) map to the same URIs.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

CONFORMANCE = Path(__file__).resolve().parent / "conformance"
# The context's published addresses: a document naming one of them gets the file on disk.
CONTEXT_URLS = frozenset({
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
    "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
    "https://gs1.github.io/EPCIS/epcis-context.jsonld",
    "https://id.gs1.org/epcis-context.jsonld",
})
STANDARD_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
CBV = "https://ref.gs1.org/cbv/"

# Vocabulary fields: name -> path of nested contexts in epcis-context.jsonld where its bare words are defined.
_FIELD_PATHS = {
    "bizStep": ("bizStep",),
    "disposition": ("disposition",),
    "bizTransactionType": ("bizTransactionList", "type"),
    "sourceDestType": ("sourceList", "type"),
    "errorReason": ("errorDeclaration", "reason"),
    "measurementType": ("sensorElementList", "sensorReport", "type"),
    "sensorAlertType": ("sensorElementList", "sensorReport", "exception"),
    "component": ("sensorElementList", "sensorReport", "component"),
}
# EPCIS 1.x URN prefixes of the CBV vocabularies and the Web URI prefixes they became.
URN_PREFIXES = {
    "urn:epcglobal:cbv:bizstep:": CBV + "BizStep-",
    "urn:epcglobal:cbv:disp:": CBV + "Disp-",
    "urn:epcglobal:cbv:btt:": CBV + "BTT-",
    "urn:epcglobal:cbv:sdt:": CBV + "SDT-",
    "urn:epcglobal:cbv:er:": CBV + "ER-",
}
# Web URI prefix of each CBV vocabulary in https://ref.gs1.org/cbv/ (for checking own URIs against it).
CBV_TERM_PREFIX = {"bizStep": "BizStep-", "disposition": "Disp-", "bizTransactionType": "BTT-",
                   "sourceDestType": "SDT-", "errorReason": "ER-", "component": "Comp-"}


@functools.cache
def context_document() -> dict:
    """The EPCIS 2.0 JSON-LD context as GS1 publishes it (a copy in conformance/)."""
    return json.loads((CONFORMANCE / "epcis-context.json").read_text("utf-8"))


@functools.cache
def prefixes() -> dict[str, str]:
    """The context's namespace prefixes (`cbv`, `gs1`, `epcis`, `rdfs`...) and their IRIs."""
    ctx = context_document()["@context"]
    return {k: v for k, v in ctx.items() if isinstance(v, str) and not v.startswith("@") and ":" in v
            and not k[:1].isupper() and v.endswith(("/", "#", ":"))}


def expand_curie(value: str, extra: dict[str, str] | None = None) -> str:
    """`gs1:Temperature` -> `https://gs1.org/voc/Temperature` when the prefix is defined; else unchanged."""
    prefix, sep, rest = value.partition(":")
    if not sep or rest.startswith("//"):
        return value
    iri = (extra or {}).get(prefix) or prefixes().get(prefix)
    return iri + rest if iri else value


def _terms(path: tuple[str, ...]) -> dict[str, str]:
    node = context_document()["@context"]
    for key in path:
        node = node[key]
        ctx = node.get("@context") if isinstance(node, dict) else None
        if key != path[-1]:
            node = ctx
    ctx = node.get("@context", {})
    if isinstance(ctx, list):
        merged = {}
        for part in ctx:
            merged.update(part)
        ctx = merged
    return {word: expand_curie(curie) for word, curie in ctx.items()
            if isinstance(curie, str) and not word.startswith("@")}


@functools.cache
def vocabularies() -> dict[str, dict[str, str]]:
    """Each vocabulary field's bare words and their full URIs, as the context defines them."""
    return {name: _terms(path) for name, path in _FIELD_PATHS.items()}


@functools.cache
def _known_uris(field: str) -> dict[str, str]:
    """Lower-cased CBV URI -> its proper spelling (GS1's own examples write `Bizstep-` for `BizStep-`)."""
    return {uri.lower(): uri for uri in vocabularies()[field].values()}


def full_uri(field: str, value: str) -> str:
    """The full URI of a vocabulary value: a bare CBV word expanded, a CBV URN converted, a CURIE expanded,
    a CBV URI spelt with other capitals corrected, anything else (an own URI) unchanged."""
    words = vocabularies()[field]
    if value in words:
        return words[value]
    if value.startswith("urn:epcglobal:cbv:"):
        for urn, web in URN_PREFIXES.items():
            if value.startswith(urn):
                return web + value[len(urn):]
    uri = expand_curie(value)
    return _known_uris(field).get(uri.lower(), uri) if uri.startswith(CBV) else uri


def bare_word(field: str, value: str) -> str:
    """The bare word for a standard vocabulary URI or URN (the JSON form); other values unchanged."""
    uri = full_uri(field, value)
    for word, known in vocabularies()[field].items():
        if known == uri:
            return word
    return value


def unknown_cbv_term(field: str, value: str) -> bool:
    """True for a value that claims to be a CBV Web URI of this vocabulary but names no CBV term."""
    prefix = CBV_TERM_PREFIX.get(field)
    if prefix is None:
        return False
    uri = expand_curie(value)
    return uri.startswith(CBV) and uri.lower() not in _known_uris(field)


def document_prefixes(context) -> dict[str, str]:
    """Prefixes a document's `@context` defines inline (on top of the standard context's)."""
    out: dict[str, str] = {}
    items = context if isinstance(context, list) else [context]
    for item in items:
        if isinstance(item, dict):
            for key, value in item.items():
                if isinstance(value, str) and not key.startswith("@"):
                    out[key] = value
                elif isinstance(value, dict) and isinstance(value.get("@id"), str):
                    out[key] = value["@id"]
    return out
