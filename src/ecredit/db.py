"""Bulk writes at the database's own speed: ids reserved in advance, one executemany per table.

Only for writers that hold the change log's lock (audit.services.ChainWriter), which serialises them, so
reserving ids as MAX(id)+1… cannot collide; PostgreSQL's identity sequence is moved past them afterwards
so that ordinary ORM inserts stay correct.
"""

from __future__ import annotations

from typing import Sequence

from django.db import connection

JSON_COLUMNS = {"details", "evidence"}


def next_id(table: str) -> int:
    """The highest id in `table` (0 when empty); call only while holding the change log's lock."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        return cursor.fetchone()[0]


def insert_rows(table: str, columns: Sequence[str], rows: list[tuple], json_columns: set[str] = JSON_COLUMNS) -> None:
    """INSERT `rows` (tuples in `columns` order, ids included) with one executemany."""
    if not rows:
        return
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    marks = ", ".join(f"%s{cast}" if c in json_columns else "%s" for c in columns)
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        if connection.vendor == "postgresql" and "id" in columns:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT MAX(id) FROM {table}))")
