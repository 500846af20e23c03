"""Counters every worker process shares: request limits, spent one-time form tokens (see ecredit.limits)."""

from __future__ import annotations

from django.db import models


class SharedCounter(models.Model):
    """A named count that lasts until `expires_at` (seconds since the epoch): one upsert per request counts it.

    Names are keyed hashes (never an address or a phone number); expired rows are swept now and then."""

    name = models.CharField(max_length=200, primary_key=True)
    hits = models.BigIntegerField(default=0)
    expires_at = models.FloatField(db_index=True)

    class Meta:
        verbose_name = "共享计数器"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.name}={self.hits}"
