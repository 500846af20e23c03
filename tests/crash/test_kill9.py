"""kill -9 in the middle of a bulk import and of a batch rescore: after the crash nothing is half-written, nothing is
duplicated, re-sending completes the work, and the change log still verifies.

The work runs in real `ecredit` processes against a database of their own (a SQLite file, or a scratch PostgreSQL
database when the suite runs on PostgreSQL), so the crash is a real one: no transaction is rolled back politely.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests import factories as f
from tests.exchange import sheets as s

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
ECREDIT = str(Path(sys.executable).with_name("ecredit"))
ROWS = 12_000                    # two chunks of the exchange's 10,000-row batches (archive.MAX_BATCH)


class Deployment:
    """A scratch deployment: its own home folder and database, reached by subprocesses and by plain SQL."""

    def __init__(self, tmp: Path) -> None:
        outer = os.environ.get("ECREDIT_DATABASE_URL", "")
        self.pg = outer.startswith("postgres")
        if self.pg:
            import psycopg

            self.server = outer.rsplit("/", 1)[0]
            self.name = f"crash_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(f"{self.server}/postgres", autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {self.name}")
            self.url = f"{self.server}/{self.name}"
        else:
            self.url = f"sqlite:///{tmp / 'crash.sqlite3'}"
        self.env = {**os.environ, "ECREDIT_HOME": str(tmp / "home"), "ECREDIT_DATABASE_URL": self.url,
                    "PYTHONPATH": str(ROOT)}
        self.env.pop("ECREDIT_TASKS", None)   # follow-up work is queued in the database, as in production

    def run(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run([ECREDIT, *args], env=self.env, cwd=ROOT, capture_output=True, text=True,
                              timeout=timeout)

    def start(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen([ECREDIT, *args], env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)

    def query(self, sql: str) -> list[tuple]:
        if self.pg:
            import psycopg

            with psycopg.connect(self.url) as conn:
                return conn.execute(sql).fetchall()
        with sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=30) as conn:
            return conn.execute(sql).fetchall()

    def one(self, sql: str):
        return self.query(sql)[0][0]

    def drop(self) -> None:
        if self.pg:
            import psycopg

            with psycopg.connect(f"{self.server}/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


def kill_when(proc: subprocess.Popen, ready, timeout: float = 300) -> bool:
    """SIGKILL `proc` as soon as `ready()` holds; False when it finished first."""
    end = time.time() + timeout
    while time.time() < end and proc.poll() is None:
        try:
            if ready():
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                return True
        except Exception:   # the table may not be readable for an instant; try again
            pass
        time.sleep(0.05)
    proc.wait(timeout=60)
    return False


@pytest.fixture
def deployment(tmp_path):
    d = Deployment(tmp_path)
    done = d.run("migrate", "--noinput", "-v", "0")
    assert done.returncode == 0, done.stderr
    assert d.one("SELECT COUNT(*) FROM ops_sharedcounter") == 0      # migrate made the shared counters' table
    made = d.run("shell", "-c", "from tests import factories as f; f.organisation('department', "
                 "'market_regulation', name='市工商局')")
    assert made.returncode == 0, made.stderr
    yield d
    d.drop()


def penalty_file(tmp_path: Path) -> Path:
    rows = [s.penalty_row(f"南通崩溃测试{n}号商贸有限公司", f.uscc(500_000 + n), f"通市监罚〔2026〕{n}号", "罚款",
                          "2026-03-05", fine=1) for n in range(ROWS)]
    path = tmp_path / "处罚.xlsx"
    path.write_bytes(s.xlsx(s.PENALTY_HEADERS, rows))
    return path


def assert_log_intact(d: Deployment) -> None:
    check = d.run("verify-log")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "intact" in check.stdout


def test_kill_during_import_then_resend_completes(deployment, tmp_path):
    d, path = deployment, penalty_file(tmp_path)
    args = ("import", str(path), "--org", "market_regulation", "--type", "admin_penalty_general")
    proc = d.start(*args)
    killed = kill_when(proc, lambda: d.one("SELECT COUNT(*) FROM exchange_batch") >= 1)
    assert killed, "the import finished before it could be killed: make the file bigger"

    # Nothing half-written: every record belongs to a batch that committed whole, each batch a whole chunk.
    records = d.one("SELECT COUNT(*) FROM archive_creditrecord")
    batches = d.query("SELECT received, created FROM exchange_batch")
    assert records == sum(created for _, created in batches)
    assert all(received == created for received, created in batches)
    assert records < ROWS and records % 10_000 == 0, records
    assert d.one("SELECT COUNT(DISTINCT source_record_id) FROM archive_creditrecord") == records
    assert_log_intact(d)

    done = d.run(*args)
    assert done.returncode == 0, done.stdout + done.stderr
    assert d.one("SELECT COUNT(*) FROM archive_creditrecord") == ROWS
    assert d.one("SELECT COUNT(DISTINCT source_record_id) FROM archive_creditrecord") == ROWS
    assert d.one("SELECT COUNT(*) FROM registry_subject") >= ROWS
    assert_log_intact(d)

    # Killed during rescoring: the log still verifies, a new run completes, and a third run finds nothing to
    # change, so the crashed run left no score that the finished one did not put right.
    proc = d.start("rescore")
    kill_when(proc, lambda: d.one("SELECT COUNT(*) FROM evaluation_evaluationrun") >= 1)
    assert_log_intact(d)
    done = d.run("rescore")
    assert done.returncode == 0, done.stdout + done.stderr
    finished = d.query("SELECT subjects FROM evaluation_evaluationrun WHERE finished_at IS NOT NULL ORDER BY id")
    assert finished and finished[-1][0] >= ROWS
    assert d.one("SELECT COUNT(*) FROM evaluation_currentscore") >= ROWS
    again = d.run("rescore")
    assert again.returncode == 0 and " 0 changed" in again.stdout, again.stdout
    assert_log_intact(d)
