"""Portal pages: complaint."""

from __future__ import annotations

urlpatterns: list = []
