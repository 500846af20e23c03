"""Portal pages: safe_consumption."""

from __future__ import annotations

urlpatterns: list = []
