"""Console pages: commitment."""

from __future__ import annotations

urlpatterns: list = []
