"""Logistics' domain operations, split by topic (ARCHITECTURE §2): `common` (what every intake shares),
`waybills` and `scans` (intake), `tracking` (public query, consignee proof and feedback, officers' lookup),
`figures` (courier firms' monthly figures and service-quality records), `export` (columns for the empty-parcel
rules)."""

from .common import MAX_BATCH, report
from .export import detection_tables
from .figures import carrier_figures, refresh_figures, write_quality_records
from .scans import refresh_waybills, submit_scans
from .tracking import (consignee_view, find, give_feedback, lookup, officer_search, officer_waybill, public_view,
                       reveal_consignee, verify)
from .waybills import submit_waybills

__all__ = ["MAX_BATCH", "carrier_figures", "consignee_view", "detection_tables", "find", "give_feedback", "lookup",
           "officer_search", "officer_waybill", "public_view", "refresh_figures", "refresh_waybills", "report",
           "reveal_consignee", "submit_scans", "submit_waybills", "verify", "write_quality_records"]
