"""投诉举报 API."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["complaints"])
