"""Background work of findings: the daily detection run, and a run started from the console or the API."""

from __future__ import annotations

import datetime as dt

from django_tasks import task


def daily(window_end: dt.date | None = None, detectors: list[str] | None = None) -> dict:
    """The daily run (cron, `ecredit findings-daily`): every detector over the windows ending today."""
    from . import services

    run = services.run_detection(services.SYSTEM_ACTOR, detectors=detectors, window_end=window_end)
    return {"run": run.pk, "status": run.status, "window_end": run.window_end.isoformat(), "figures": run.figures,
            "error": run.error}


@task()
def run_in_background(label: str, organisation: str, detectors: list[str] | None = None) -> dict:
    """A run asked for by a person, queued so that the request returns at once."""
    from ecredit.audit.services import Actor

    from . import services

    run = services.run_detection(Actor(label, organisation), detectors=detectors)
    return {"run": run.pk, "status": run.status}
