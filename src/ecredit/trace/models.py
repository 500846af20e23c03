"""Traceability: EPCIS 2.0 capture and query, products by GTIN, key-product trace chains (source app)."""

from __future__ import annotations

from django.db import models  # noqa: F401
