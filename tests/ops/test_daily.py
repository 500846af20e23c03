"""`ecredit daily` runs every app's daily job in order and says when one failed."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from ecredit.ops.management.commands import daily


def test_jobs_in_dependency_order():
    jobs = daily.daily_commands()
    assert jobs[0] == "expire-records" and "complaints-daily" in jobs
    assert jobs.index("lists-daily") < jobs.index("safe-consumption-daily")   # titles read list entries
    assert all(name in daily.ORDER or name.endswith("-daily") for name in jobs)


@pytest.mark.django_db(transaction=True)
def test_runs_every_job(capsys):
    out = io.StringIO()
    call_command("daily", stdout=out)
    text = out.getvalue()
    assert "daily jobs done" in text
    for job in daily.daily_commands():
        assert f"{job}:" in text


@pytest.mark.django_db(transaction=True)
def test_one_failing_job_does_not_stop_the_others(monkeypatch):
    real = daily.call_command

    def flaky(name, **kwargs):
        if name == "complaints-daily":
            raise RuntimeError("database went away")
        return real(name, **kwargs)

    monkeypatch.setattr(daily, "call_command", flaky)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("daily", stdout=out, stderr=err)
    assert exited.value.code == 1
    assert "failed: complaints-daily" in err.getvalue() and "lists-daily:" in out.getvalue()
