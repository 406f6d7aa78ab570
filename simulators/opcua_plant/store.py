"""The simulator's state file: every line's durable state in SQLite, so a restart resumes.

One row per line holding its state as JSON. Writes go through a WAL journal with
``synchronous=NORMAL``: a killed simulator loses nothing that was committed. The server saves a line
*before* it shows the new values over OPC UA, so a client never sees a completion a crash could undo.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1


class StateFileError(RuntimeError):
    """The state file cannot be used (unreadable, or written by an incompatible version)."""


class LineStateStore:
    """Reads and writes the lines' durable state. Not thread-safe: one caller at a time."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # The server awaits each write in a worker thread, one at a time.
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS line_state ("
                " line TEXT PRIMARY KEY, data TEXT NOT NULL, saved_at REAL NOT NULL)"
            )
            row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise StateFileError(f"{self.path}: not a usable state file ({exc}); move it away to start fresh") from None
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) != SCHEMA_VERSION:
            raise StateFileError(
                f"{self.path}: state file schema {row[0]}, this simulator writes {SCHEMA_VERSION}; "
                "move the file away to start fresh"
            )

    def load(self) -> dict[str, dict[str, Any]]:
        """Every saved line's state, by line id."""
        rows = self._db.execute("SELECT line, data FROM line_state").fetchall()
        return {line: json.loads(data) for line, data in rows}

    def save(self, records: dict[str, dict[str, Any]]) -> None:
        """Save several lines' state in one transaction."""
        if not records:
            return
        now = time.time()
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT INTO line_state (line, data, saved_at) VALUES (?, ?, ?) "
                "ON CONFLICT(line) DO UPDATE SET data = excluded.data, saved_at = excluded.saved_at",
                [(line, json.dumps(data, separators=(",", ":")), now) for line, data in records.items()],
            )

    def close(self) -> None:
        """Close the file."""
        self._db.close()
