"""信用承诺 API."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["commitments"])
