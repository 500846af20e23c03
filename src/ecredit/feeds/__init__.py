"""Outbound feeds for platforms (R14.2): grade changes and list changes, composed from evaluation and the
archive's change log, each page signed with the deployment's Ed25519 key. Part of the API face: `services.py`
builds and signs pages (no HTTP), `api.py` serves them."""
