"""Bulk writes at the database's own speed: ids reserved in advance, one executemany per table.

Ids come from the table's own sequence on PostgreSQL (so they never collide with ORM inserts), and on
SQLite from MAX(id) inside the writer's IMMEDIATE transaction, which no other writer can enter.
"""

from __future__ import annotations

from typing import Sequence

from django.db import connection

JSON_COLUMNS = {"details", "evidence"}


def reserve_ids(table: str, count: int) -> list[int]:
    """`count` fresh ids for `table`, to be inserted by the caller in this transaction."""
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)",
                           [count])
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        start = cursor.fetchone()[0]
        return list(range(start + 1, start + count + 1))


def insert_rows(table: str, columns: Sequence[str], rows: list[tuple], json_columns: set[str] = JSON_COLUMNS) -> None:
    """INSERT `rows` (tuples in `columns` order, ids included) with one executemany."""
    if not rows:
        return
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    marks = ", ".join(f"%s{cast}" if c in json_columns else "%s" for c in columns)
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
