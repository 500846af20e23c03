"""HTTP API of findings (see the app's services for what each operation does)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["findings"])
