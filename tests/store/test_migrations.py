"""Schema migrations: named, ordered, one transaction each; old databases are brought up to date."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from coach_app.store import db as store_db
from coach_app.store.db import MIGRATIONS, SCHEMA_VERSION, StoreTooNew, migrate, open_db, schema_version

TABLES = {"calls", "utterances", "utterances_fts", "nudges", "notes", "scores", "practice_runs", "pauses",
          "migrations"}


@pytest.fixture
def db_file(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "library.db"


def applied(db: Database) -> list[tuple[int, str]]:
    return [(r["version"], r["name"]) for r in db.query("SELECT version, name FROM migrations ORDER BY version")]


def test_empty_database_is_migrated_to_current(mem_db: Database) -> None:
    assert schema_version(mem_db) == SCHEMA_VERSION == len(MIGRATIONS)
    assert TABLES <= set(mem_db.table_names())
    assert applied(mem_db) == [(i + 1, name) for i, (name, _) in enumerate(MIGRATIONS)]
    assert [name for name, _ in MIGRATIONS] == sorted(name for name, _ in MIGRATIONS)  # names sort in order


def test_migrating_a_current_database_does_nothing(mem_db: Database) -> None:
    assert migrate(mem_db) == []
    assert len(applied(mem_db)) == SCHEMA_VERSION


def test_v1_database_with_data_is_migrated_to_current(db_file: Path) -> None:
    old = open_db(db_file, migrate_to=1)  # the library as the first schema left it
    try:
        assert schema_version(old) == 1
        assert "scores" not in old.table_names() and "kind" not in old.table("notes").columns_dict
        with old.atomic():
            call = old.table("calls").insert({"started_at": "2024-01-02T10:00:00+00:00",
                                              "saved_at": "2024-01-02T10:00:00+00:00", "audio_path": "r/a.wav"}).last_pk
            old.table("utterances").insert({"call_id": call, "channel": "customer", "t0": 0.5, "t1": 2.0,
                                            "text": "my parcel never arrived"})
            old.table("nudges").insert({"call_id": call, "nudge_id": "n1", "kind": "pause", "t": 2.1,
                                        "message": "wait", "outcome": "missed"})
            old.table("notes").insert({"call_id": call, "t": 3.0, "text": "sounded rushed"})
    finally:
        old.close()

    db = open_db(db_file)
    try:
        assert schema_version(db) == SCHEMA_VERSION
        assert TABLES <= set(db.table_names())
        assert [name for _, name in applied(db)] == [name for name, _ in MIGRATIONS]
        note = next(db.query("SELECT * FROM notes"))
        assert (note["text"], note["kind"]) == ("sounded rushed", "note")  # new column, old rows get the default
        nudge = next(db.query("SELECT * FROM nudges"))
        assert (nudge["outcome"], nudge["feedback"]) == ("missed", None)
        hits = list(db.query("SELECT rowid FROM utterances_fts WHERE utterances_fts MATCH ?", ['"parcel never"']))
        assert len(hits) == 1  # the v1 search index survives
        with db.atomic():
            db.table("scores").insert({"call_id": call, "item": "waited", "value": 1, "edited_by_agent": 1})
            db.table("pauses").insert({"call_id": call, "t0": 1.0})
    finally:
        db.close()


def test_a_failing_migration_leaves_the_previous_version(mem_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    def m9999_broken(db: Database) -> None:
        db.table("half_done").create({"id": int}, pk="id")
        raise RuntimeError("boom")

    monkeypatch.setattr(store_db, "MIGRATIONS", (*MIGRATIONS, ("9999_broken", m9999_broken)))
    monkeypatch.setattr(store_db, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(RuntimeError, match="boom"):
        migrate(mem_db)
    assert schema_version(mem_db) == SCHEMA_VERSION
    assert "half_done" not in mem_db.table_names()
    assert len(applied(mem_db)) == SCHEMA_VERSION


def test_a_database_from_a_newer_version_is_refused_untouched(db_file: Path) -> None:
    open_db(db_file).close()
    raw = Database(db_file)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    before = db_file.read_bytes()
    with pytest.raises(StoreTooNew, match="newer coach_app"):
        open_db(db_file)
    assert db_file.read_bytes() == before
