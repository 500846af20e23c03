"""Counters and one-time claims every worker process shares (the "shared" cache, a database table)."""

from __future__ import annotations

from django.core.cache import caches


def shared():
    """The cache all processes share (settings.CACHES["shared"])."""
    return caches["shared"]


def bump(key: str, timeout: int) -> int:
    """Add one to the shared counter `key` (made, lasting `timeout` seconds, when missing); its new value.

    The database cache's increment is a read and a write, so two requests at the same instant may count once;
    a limit can be overshot by the number of workers, never undercut."""
    store = shared()
    if store.add(key, 1, timeout=timeout):
        return 1
    try:
        return store.incr(key)
    except ValueError:          # expired between add and incr
        store.set(key, 1, timeout=timeout)
        return 1


def claim(key: str, timeout: int) -> bool:
    """Claim `key` once across all processes: True for the first caller, False while the claim lasts."""
    return shared().add(key, 1, timeout=timeout)


def release(key: str) -> None:
    """Give back a claim."""
    shared().delete(key)
