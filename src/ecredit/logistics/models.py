"""Logistics: parcels, carriers' tracking scans, consumer delivery feedback and courier firms' figures (source app)."""

from __future__ import annotations

from django.db import models  # noqa: F401
