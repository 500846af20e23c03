"""放心消费 API."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["safe_consumption"])
