"""kill -9 in the middle of a restore: the database keeps what it had (the restore replaces the data in one
transaction), the key file is whole, the change log verifies, and running the restore again completes it."""

from __future__ import annotations

import sqlite3

import pytest

from tests import factories as f
from tests.crash.test_kill9 import assert_log_intact, deployment, kill_when  # noqa: F401  (fixture)
from tests.exchange import sheets as s

pytestmark = [pytest.mark.slow]
ROWS = 3_000


def penalties(tmp_path, first: int, rows: int):
    made = [s.penalty_row(f"南通恢复测试{n}号商贸有限公司", f.uscc(700_000 + n), f"通市监罚〔2026〕恢{n}号", "罚款",
                          "2026-03-05", fine=1) for n in range(first, first + rows)]
    path = tmp_path / f"处罚{first}.xlsx"
    path.write_bytes(s.xlsx(s.PENALTY_HEADERS, made))
    return path


def restoring(d) -> bool:
    """True while another process holds a write transaction on the deployment's database (the restore's)."""
    if d.pg:
        return d.one(f"SELECT COUNT(*) FROM pg_stat_activity WHERE datname = '{d.name}' AND state = 'active' "
                     "AND xact_start IS NOT NULL AND pid <> pg_backend_pid() "
                     "AND (query ILIKE 'INSERT%' OR query ILIKE 'TRUNCATE%' OR query ILIKE 'DELETE%')") > 0
    conn = sqlite3.connect(d.url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:     # "database is locked": the restore is inside its transaction
        return True
    finally:
        conn.close()


def test_kill_during_restore_keeps_the_old_data_and_a_second_restore_completes(deployment, tmp_path):  # noqa: F811
    d = deployment
    args = ("--org", "market_regulation", "--type", "admin_penalty_general")
    assert d.run("import", str(penalties(tmp_path, 0, ROWS)), *args).returncode == 0
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("crash-test passphrase 2026\n")
    backup = tmp_path / "backup.tar.gz"
    made = d.run("backup", str(backup), "--passphrase-file", str(passphrase))
    assert made.returncode == 0, made.stdout + made.stderr
    # Work done after the backup: a restore replaces it, a crashed restore must not lose it.
    assert d.run("import", str(penalties(tmp_path, ROWS, 200)), *args).returncode == 0
    before = d.one("SELECT COUNT(*) FROM archive_creditrecord")
    head = d.one("SELECT seq FROM audit_chainhead")
    assert before == ROWS + 200

    proc = d.start("restore", str(backup), "--passphrase-file", str(passphrase))
    assert kill_when(proc, lambda: restoring(d)), "the restore finished before it could be killed"
    assert d.one("SELECT COUNT(*) FROM archive_creditrecord") == before
    assert d.one("SELECT seq FROM audit_chainhead") == head
    assert_log_intact(d)

    done = d.run("restore", str(backup), "--passphrase-file", str(passphrase))
    assert done.returncode == 0, done.stdout + done.stderr
    assert d.one("SELECT COUNT(*) FROM archive_creditrecord") == ROWS
    assert d.one("SELECT COUNT(DISTINCT source_record_id) FROM archive_creditrecord") == ROWS
    assert_log_intact(d)
