"""GS1 EPCIS 2.0 for the trace app: parsing JSON-LD and XML (xml.py), validation against GS1's JSON schema with
format checking (validation.py, formats.py), the CBV 2.0 canonical event hash (hashing.py), GS1 identifiers
(identifiers.py), the CBV vocabularies from the JSON-LD context on disk (vocab.py), capture (capture.py),
storage and the chain reads (store.py), and queries (query.py). The REST binding is trace/epcis_api.py."""
