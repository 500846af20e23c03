"""HTTP API of logistics (see the app's services for what each operation does)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["logistics"])
