"""Open the library database and bring its schema up to date.

Migrations are named functions in `MIGRATIONS`, applied in order, each in one transaction together
with `PRAGMA user_version` and a row in `migrations`, so a crash mid-migration leaves the old
version intact. Never edit a released migration: add the next one.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from sqlite_utils import Database

from coach_app.store import StoreError

Migration = tuple[str, Callable[[Database], None]]
NOTE_KINDS = ("note", "bookmark", "good_example")


class StoreTooNew(StoreError):
    """The database was written by a newer coach_app; we do not touch it."""


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@contextmanager
def write_tx(db: Database) -> Iterator[Database]:
    """A write transaction that takes the write lock at BEGIN. With a plain (deferred) BEGIN, a
    transaction that read first and then wants to write gets "database is locked" at once instead
    of waiting (busy_timeout) for the other connection: the UI and the writer thread both write."""
    if db.conn.in_transaction:
        with db.atomic():  # nested: a savepoint
            yield db
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:  # also when COMMIT itself failed (disk full)
            db.execute("ROLLBACK")
        raise


def m0001_calls_transcripts_nudges_notes(db: Database) -> None:
    db.table("calls").create(
        {"id": int, "started_at": str, "saved_at": str, "duration": float, "title": str, "audio_path": str,
         "layout": str, "source": str, "status": str, "language": str, "engine": str, "turns": int,
         "talk_ratio": float, "median_response_gap": float, "overlaps": int, "summary_json": str,
         "nudge_counts_json": str},  # kind -> outcome -> n, set when the call ends: the list reads one table
        pk="id",
        not_null={"started_at", "saved_at", "layout", "source", "status"},
        defaults={"duration": 0.0, "layout": "agent_left", "source": "live", "status": "recording"},
    )
    db.table("calls").create_index(["started_at"])  # the list's order
    db.table("calls").create_index(["saved_at"])  # retention
    db.table("calls").create_index(["status"])
    utterances = db.table("utterances")
    utterances.create(
        {"id": int, "call_id": int, "channel": str, "t0": float, "t1": float, "text": str, "words_json": str},
        pk="id", not_null={"call_id", "channel", "t0", "t1", "text"}, foreign_keys=[("call_id", "calls", "id")],
    )
    utterances.create_index(["call_id", "t0"])
    # triggers keep the index right for rows written one by one during a live call
    utterances.enable_fts(["text"], tokenize="trigram" if trigram_available() else None, create_triggers=True)
    nudges = db.table("nudges")
    nudges.create(
        {"id": int, "call_id": int, "nudge_id": str, "kind": str, "t": float, "message": str, "suggestion": str,
         "evidence_json": str, "outcome": str, "resolved_t": float},
        pk="id", not_null={"call_id", "nudge_id", "kind", "t"}, foreign_keys=[("call_id", "calls", "id")],
    )
    nudges.create_index(["call_id", "nudge_id"], unique=True)
    notes = db.table("notes")
    notes.create({"id": int, "call_id": int, "t": float, "text": str, "created_at": str},
                 pk="id", not_null={"call_id", "t"}, foreign_keys=[("call_id", "calls", "id")])
    notes.create_index(["call_id", "t"])


def m0002_self_review(db: Database) -> None:
    db.table("nudges").add_column("feedback", str)  # the agent's own verdict on the nudge
    db.table("notes").add_column("kind", str, not_null_default="note")
    scores = db.table("scores")
    scores.create({"id": int, "call_id": int, "item": str, "value": float, "edited_by_agent": int, "updated_at": str},
                  pk="id", not_null={"call_id", "item", "edited_by_agent"}, defaults={"edited_by_agent": 0},
                  foreign_keys=[("call_id", "calls", "id")])
    scores.create_index(["call_id", "item"], unique=True)
    runs = db.table("practice_runs")
    runs.create({"id": int, "call_id": int, "scenario": str, "started_at": str, "duration": float, "result_json": str},
                pk="id", not_null={"scenario", "started_at"}, foreign_keys=[("call_id", "calls", "id")])
    runs.create_index(["call_id"])


def m0003_recording_pauses(db: Database) -> None:
    pauses = db.table("pauses")  # "pause recording" stretches: silence in the WAV, a marker in review
    pauses.create({"id": int, "call_id": int, "t0": float, "t1": float},
                  pk="id", not_null={"call_id", "t0"}, foreign_keys=[("call_id", "calls", "id")])
    pauses.create_index(["call_id"])


MIGRATIONS: tuple[Migration, ...] = (
    ("0001_calls_transcripts_nudges_notes", m0001_calls_transcripts_nudges_notes),
    ("0002_self_review", m0002_self_review),
    ("0003_recording_pauses", m0003_recording_pauses),
)
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(db: Database) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: Database, target: int | None = None) -> list[str]:
    """Apply pending migrations up to `target` (default: all); returns the names applied."""
    current = schema_version(db)
    if current > SCHEMA_VERSION:
        raise StoreTooNew(f"the library was written by a newer coach_app (schema {current}, this version knows "
                          f"{SCHEMA_VERSION}); update coach_app to open it")
    target = SCHEMA_VERSION if target is None else target
    applied = []
    for version in range(current + 1, target + 1):
        name, step = MIGRATIONS[version - 1]
        with write_tx(db):
            db.execute("CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                       "applied_at TEXT NOT NULL)")
            step(db)
            db.execute("INSERT INTO migrations (version, name, applied_at) VALUES (?, ?, ?)",
                       [version, name, utc_now()])
            db.execute(f"PRAGMA user_version = {int(version)}")
        applied.append(name)
    return applied


def open_db(path: str | Path, *, migrate_to: int | None = None) -> Database:
    """A migrated connection; `":memory:"` for tests. Files are created owner-only."""
    if str(path) == ":memory:":
        db = Database(memory=True)
    else:
        path = Path(path)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # before SQLite creates it with the umask
        _owner_only(path)
        db = Database(path)
        db.execute("PRAGMA journal_mode = WAL")  # the review window reads while the writer thread writes
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA busy_timeout = 5000")
    db.execute("PRAGMA foreign_keys = ON")
    try:
        migrate(db, migrate_to)
    except BaseException:
        db.close()
        raise
    return db


def trigram_available() -> bool:
    """SQLite >= 3.34 has the trigram tokenizer: substring search that works for Chinese too."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE VIRTUAL TABLE probe USING fts5(x, tokenize='trigram')")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


def _owner_only(path: Path) -> None:
    try:
        path.chmod(0o600)
    except PermissionError:  # not ours (a shared portable install): leave it
        pass
