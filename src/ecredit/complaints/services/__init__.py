"""Complaint services: intake (hotlines, files, platforms, walk-ins, the portal), reading, figures, channel feeds.

The handling steps (accept, mediate, close, transfer, reports' filing…) are in `complaints.flows`.
"""

from .common import (CASE_MODEL, UPDATE_MODEL, iter_case_states, iter_update_states, masked_complainant,
                     open_complainant)
from .files import intake_hotline_file, template
from .intake import (IntakeReport, RowResult, intake_hotline, intake_platform, record_walk_in,
                     require_hotline_sender, submit_portal)
from .reading import (acknowledge, case_for, cases, detail, figures, history, may_see_complainant, portal_status, present,
                      require_handler, reveal_complainant, supervision_queue, updates_feed)

__all__ = [
    "CASE_MODEL", "UPDATE_MODEL", "IntakeReport", "RowResult", "acknowledge", "case_for", "cases", "detail",
    "figures", "history", "intake_hotline", "intake_hotline_file", "intake_platform", "iter_case_states", "iter_update_states",
    "masked_complainant", "may_see_complainant", "open_complainant", "portal_status", "present", "record_walk_in",
    "require_handler", "require_hotline_sender", "reveal_complainant", "submit_portal", "supervision_queue",
    "template", "updates_feed",
]
