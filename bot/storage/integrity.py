"""SQLite's integrity check, without the false alarms some SQLite versions raise.

SQLite 3.40 reports "NULL value in table.column" for NOT NULL columns of WITHOUT ROWID tables that
hold no NULL at all; each such line is confirmed with a query and dropped when no row matches.
"""

from __future__ import annotations

import re
import sqlite3

_NULL_VALUE = re.compile(r"NULL value in (\w+)\.(\w+)")


def integrity_problems(conn: sqlite3.Connection, *, quick: bool = False, limit: int = 20) -> list[str]:
    """Return what the integrity check found wrong ([] when the database is sound)."""
    pragma = "quick_check" if quick else "integrity_check"
    # A limit well above `limit`: false alarms repeat once per row and would crowd out real ones.
    found = [row[0] for row in conn.execute(f"PRAGMA {pragma}(10000)")]
    if found == ["ok"]:
        return []
    problems: list[str] = []
    for line in dict.fromkeys(found):
        if not _false_alarm(conn, line):
            problems.append(line)
    return problems[:limit]


def _false_alarm(conn: sqlite3.Connection, line: str) -> bool:
    match = _NULL_VALUE.fullmatch(line)
    if match is None:
        return False
    table, column = match.groups()
    # typeof(), not IS NULL: SQLite answers `NOT NULL column IS NULL` as false without looking.
    query = f'SELECT count(*) FROM "{table}" WHERE typeof("{column}") = \'null\''  # noqa: S608 (\w+ names)
    try:
        nulls: int = conn.execute(query).fetchone()[0]
    except sqlite3.Error:
        return False
    return nulls == 0
