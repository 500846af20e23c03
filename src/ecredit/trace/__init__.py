"""Traceability: EPCIS 2.0 capture and query, products by GTIN, key-product trace chains (source app)."""
